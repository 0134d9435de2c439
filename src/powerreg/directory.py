"""Registry directory → models, with every problem named by file, line and column.

:func:`load_directory` reads ``registry.yaml`` and ``powers/*.yaml``, collects every problem of
SPEC §3 across all files (E001–E007), and raises them together as a
:class:`~powerreg.errors.RegistryError`. A registry that loads carries a source map, so
later checks (the audit) can point at the YAML line of any entity.

Examples:
    >>> import pathlib, tempfile
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (root / "registry.yaml").write_text(
    ...     "id: demo\\ndepartment: 示例局\\nyear: 2011\\nsource: test\\n"
    ...     "categories: [{code: XK, name: 行政许可}]\\n", encoding="utf-8")
    >>> (root / "powers").mkdir()
    >>> _ = (root / "powers" / "XK-001.yaml").write_text(
    ...     "id: XK-001\\ncategory: QT\\nname: 审批\\nsubject: 局\\ndivision: 科\\n",
    ...     encoding="utf-8")
    >>> try:
    ...     load_directory(root)
    ... except RegistryError as err:
    ...     print(err)
    powers/XK-001.yaml:2:11: E004 category 'QT' is not declared in registry.yaml (categories: XK)
"""

from __future__ import annotations

import gc
import os
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .codes import localized, value_kind
from .codes.load_codes import FILE_KINDS
from .collector import FREEZE_AT, gc_paused
from .errors import Problem, RegistryError, problem
from .model import (
    ALIASES,
    DEFER_REFERENCES,
    Category,
    Countermeasure,
    Disclosure,
    Flowchart,
    Issue,
    Level,
    Limit,
    MeasureKind,
    OrgChart,
    Power,
    Registry,
    RegistryMeta,
    RiskPoint,
    RiskType,
    SourceMap,
    Stage,
    Step,
    StepKind,
    Transition,
    Unit,
    UnitKind,
    category_key,
    disclosure_key,
    reference_issues,
    transition_key,
)
from .readfile import (
    DEFAULT_LIMIT,
    FileMissing,
    FileTooLarge,
    NotRegularFile,
    ReadDenied,
    UnreadableFile,
)
from .suggest import closest
from .textsafe import SNIPPET, excerpt, snippet
from .yamlsource import Document, read_file

#: Largest file read (bytes); bigger files are refused before parsing (E007).
DEFAULT_MAX_BYTES = DEFAULT_LIMIT

REGISTRY_FILE = "registry.yaml"
POWERS_DIR = "powers"


def load_directory(path: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_BYTES) -> Registry:
    """Load a registry directory (``registry.yaml`` and ``powers/*.yaml``).

    Raises:
        RegistryError: with every problem found, if the registry does not load.
    """
    return _DirectoryLoader(Path(path), max_bytes).load()


class _DirectoryLoader:
    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self.problems: list[Problem] = []
        self.positions: dict[str, tuple[str, int, int]] = {}
        #: (category, file, line, column, power id) of every power file that names a
        #: category, checked against registry.yaml at the end (the documents themselves
        #: are not kept: at 10,000 powers they would double the memory of a load)
        self.declared: list[tuple[str, str, int, int, str | None]] = []
        #: the units and posts registry.yaml declares, if it declares them: every role,
        #: division and responsible is checked against them as its file is read
        self.org_chart: OrgChart | None = None

    def load(self) -> Registry:
        root = self.root
        if not root.is_dir():
            raise RegistryError([problem("E007.not_dir", str(root), root=str(root))])
        with gc_paused():
            meta = self._load_meta()
            powers = self._load_powers()
        if len(powers) >= FREEZE_AT:
            gc.freeze()  # keep later collections from scanning the whole registry
        if meta is not None:
            self._check_categories(meta)
        if self.problems:
            raise RegistryError(self.problems)
        assert meta is not None
        reg = Registry.model_construct(**meta.__dict__, powers=powers)
        reg._sources = SourceMap(self.positions, str(root))
        return reg

    # ---------------------------------------------------------------- files

    def _read(self, path: Path, rel: str) -> Document | None:
        try:
            doc = read_file(path, rel, self.max_bytes)
        except UnreadableFile as err:
            self.problems.append(self._unreadable(err, rel))
            return None
        if doc.problems:
            self.problems += doc.problems
            return None
        if not isinstance(doc.data, dict):
            self.problems.append(
                problem("E002.not_mapping", rel, *doc.root, kind=value_kind(doc.data))
            )
            return None
        return doc

    def _unreadable(self, err: UnreadableFile, rel: str) -> Problem:
        """The E007 of a file that was not read, saying why and what to do."""
        if isinstance(err, FileTooLarge):
            limit = f"{err.limit:,}"
            if err.size is None:  # st_size said less than was there: the file grows
                return problem("E007.too_big_read", rel, 1, 1, limit=limit)
            return problem("E007.too_big", rel, 1, 1, size=f"{err.size:,}", limit=limit)
        if isinstance(err, FileMissing):
            if rel == REGISTRY_FILE:
                return problem("E007.no_registry", rel, root=str(self.root))
            return problem("E007.gone", rel)  # a dangling link, or removed while loading
        if isinstance(err, NotRegularFile):
            return problem("E007.not_regular", rel, kind=FILE_KINDS[err.kind])
        if isinstance(err, ReadDenied):
            return problem("E007.denied", rel)
        return problem("E007", rel, reason=err.reason)  # an I/O error

    def _load_meta(self) -> RegistryMeta | None:
        doc = self._read(self.root / REGISTRY_FILE, REGISTRY_FILE)
        if doc is None:
            return None
        try:
            meta = RegistryMeta.model_validate(doc.data)
        except ValidationError as err:
            self.problems += _schema_problems(err, doc, None)
            return None
        self._report(meta.category_issues() + meta.org_issues(), doc)
        self.org_chart = meta.org_chart()
        for i, c in enumerate(meta.categories):
            self._remember(
                self.positions,
                REGISTRY_FILE,
                doc,
                doc.data.get("categories"),
                i,
                category_key(c.code),
            )
        return meta

    def _power_files(self) -> list[str] | None:
        """Names of the ``*.yaml`` files in ``powers/``, sorted; ``None`` (and an E007)
        if the directory is missing or cannot be listed: a directory that cannot be
        read must not pass for an empty registry."""
        pdir = self.root / POWERS_DIR
        try:
            with os.scandir(pdir) as entries:
                return sorted(e.name for e in entries if e.name.endswith(".yaml"))
        except FileNotFoundError:
            found = problem("E007.no_powers", POWERS_DIR + "/", root=str(self.root))
        except NotADirectoryError:
            found = problem("E007.powers_not_dir", POWERS_DIR + "/", root=str(self.root))
        except PermissionError:
            found = problem("E007.dir_denied", POWERS_DIR + "/")
        except OSError as err:
            reason = err.strerror or str(err)
            found = problem("E007.dir_unreadable", POWERS_DIR + "/", reason=reason)
        self.problems.append(found)
        return None

    def _load_powers(self) -> dict[str, Power]:
        pdir = self.root / POWERS_DIR
        powers: dict[str, Power] = {}
        names = self._power_files()
        if names is None:
            return powers
        context = {DEFER_REFERENCES: True}
        declared_in: dict[str, str] = {}
        for name in names:
            path = pdir / name
            rel = f"{POWERS_DIR}/{name}"
            doc = self._read(path, rel)
            if doc is None:
                continue
            broken = self._report(reference_issues(doc.data), doc)
            code, pid = doc.data.get("category"), doc.data.get("id")
            if isinstance(code, str):
                at = doc.position(("category",))
                entity = _short_entity(pid if isinstance(pid, str) else None)
                self.declared.append((code, doc.file, *at, entity))
            try:
                power = Power.model_validate(doc.data, context=context)
            except ValidationError as err:
                pid = doc.data.get("id")
                self.problems += _schema_problems(
                    err, doc, pid if isinstance(pid, str) else path.stem
                )
                continue
            if broken:
                continue
            if self.org_chart is not None:
                self._report(self.org_chart.issues(power), doc)
            if power.id != path.stem:
                self.problems.append(
                    problem(
                        "E005",
                        rel,
                        *doc.position(("id",)),
                        entity=power.id,
                        stem=path.stem,
                        id=power.id,
                    )
                )
            if power.id in declared_in:
                self.problems.append(
                    problem(
                        "E003.power_twice",
                        rel,
                        *doc.position(("id",)),
                        entity=power.id,
                        id=power.id,
                        other=declared_in[power.id],
                    )
                )
                continue
            declared_in[power.id] = rel
            powers[power.id] = power
            self._record_positions(power, doc)
        return powers

    # ---------------------------------------------------------------- checks

    def _report(self, issues: list[Issue], doc: Document) -> bool:
        for i in issues:
            self.problems.append(
                problem(
                    i.key,
                    doc.file,
                    *doc.position(i.loc),
                    entity=_short_entity(i.entity),
                    **_quoted(i.params),
                )
            )
        return bool(issues)

    def _check_categories(self, meta: RegistryMeta) -> None:
        codes = {c.code for c in meta.categories}
        for code, file, line, column, pid in self.declared:
            if code in codes:
                continue
            close = closest(code, sorted(codes))
            params: dict[str, Any] = {
                "category": snippet(code),
                "categories": ", ".join(sorted(codes)),
            }
            if close:
                params["close"] = close
            key = "E004.category_close" if close else "E004.category"
            self.problems.append(problem(key, file, line, column, entity=pid, **params))

    def _record_positions(self, power: Power, doc: Document) -> None:
        """Remember where the power and each of its entities start in its file."""
        pos = self.positions
        file = doc.file
        pos[power.id] = (file, *doc.position(("id",)))
        if power.disclosure is not None:
            pos[disclosure_key(power.id)] = (file, *doc.position(("disclosure",), key=True))
        raw_fcs = doc.data.get("flowcharts")
        for i, fc in enumerate(power.flowcharts):
            self._remember(pos, file, doc, raw_fcs, i, fc.gid)
            raw_steps = raw_fcs[i].get("steps")
            for j, s in enumerate(fc.steps):
                self._remember(pos, file, doc, raw_steps, j, s.gid)
            raw_transitions = raw_fcs[i].get("transitions")
            for j in range(len(fc.transitions)):
                self._remember(pos, file, doc, raw_transitions, j, transition_key(fc.gid, j))
        raw_risks = doc.data.get("risk_points")
        for i, r in enumerate(power.risk_points):
            self._remember(pos, file, doc, raw_risks, i, r.gid)
            raw_measures = raw_risks[i].get("countermeasures")
            for j, m in enumerate(r.countermeasures):
                self._remember(pos, file, doc, raw_measures, j, m.gid)

    @staticmethod
    def _remember(
        pos: dict[str, tuple[str, int, int]],
        file: str,
        doc: Document,
        raw_list: Any,
        index: int,
        gid: str,
    ) -> None:
        at = doc.item_position(raw_list, index)
        if at is not None:
            pos[gid] = (file, *at)


# -------------------------------------------------------------------- schema messages

_ENUM_OF_FIELD: dict[str, type] = {
    "level": Level,
    "type": RiskType,
    "stage": Stage,
}
_ENTITY_LISTS = ("flowcharts", "steps", "risk_points", "countermeasures", "categories")


#: Longest entity a problem names: its global id is joined from ids read from the file,
#: which may be anything before the schema has checked them.
ENTITY_MAX = 200
#: Longest list of names a message quotes (ids from the file joined by commas).
LIST_MAX = 240
#: Parameters that list names rather than quote one value.
_LISTS = frozenset({"steps", "charts", "categories"})


def _short_entity(entity: str | None) -> str | None:
    return None if entity is None else excerpt(entity, ENTITY_MAX)


def _quoted(params: dict[str, Any]) -> dict[str, Any]:
    """The parameters of a cross-reference message (E003, E004), found on the raw data
    before any id was checked: every text from the file cut to an excerpt, so a file
    holding one 10 kB id is not echoed whole.

    Examples:
        >>> _quoted({"step": "S" * 100, "steps": "S1, S2", "what": {"en": "x", "zh": "x"}})["step"]
        'SSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSS…'
    """
    out: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, str):
            value = excerpt(value, LIST_MAX if key in _LISTS else SNIPPET)
        elif isinstance(value, dict):  # a {"en": …, "zh": …} pair naming one id
            value = {lang: excerpt(text, 2 * SNIPPET) for lang, text in value.items()}
        out[key] = value
    return out


def _entity(data: Any, loc: tuple[Any, ...], power_id: str | None) -> str | None:
    """Global id of the deepest entity that ``loc`` passes through."""
    parts: list[str] = [power_id] if power_id else []
    node = data
    for prev, part in zip((None, *loc), loc, strict=False):
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if prev in _ENTITY_LISTS and isinstance(node, dict):
            local = node.get("id", node.get("code"))
            if isinstance(local, str):
                parts.append(local)
    return "/".join(parts) or None


def _enum_for(loc: tuple[Any, ...]) -> type | None:
    name = loc[-1] if loc else None
    if name == "kind":
        within = loc[-3] if len(loc) >= 3 else None
        return {"steps": StepKind, "units": UnitKind}.get(str(within), MeasureKind)
    return _ENUM_OF_FIELD.get(name) if isinstance(name, str) else None


def _model_at(loc: tuple[Any, ...], top: type[BaseModel]) -> type[BaseModel] | None:
    """The model class whose field list applies at ``loc`` (for 'did you mean')."""
    model: type[BaseModel] | None = top
    nested: dict[str, type[BaseModel]] = {
        "flowcharts": Flowchart,
        "steps": Step,
        "transitions": Transition,
        "risk_points": RiskPoint,
        "countermeasures": Countermeasure,
        "categories": Category,
        "disclosure": Disclosure,
        "units": Unit,
    }
    for part in loc:
        if isinstance(part, str):
            model = nested.get(part, model)
    return model


def _literal_at(loc: tuple[Any, ...], top: type[BaseModel]) -> str | None:
    """The values a field of literals accepts (``schema_version``: ``1``), if it is one."""
    model = _model_at(loc[:-1], top)
    info = model.model_fields.get(str(loc[-1])) if model and loc else None
    if info is None or typing.get_origin(info.annotation) is not typing.Literal:
        return None
    return " or ".join(repr(v) for v in typing.get_args(info.annotation))


#: Endings of the fields that hold a time limit (its amount and unit are inside).
_LIMITS = ("_limit", "_days")


def _field_name(loc: tuple[Any, ...]) -> str:
    """The field a message names: the last key of ``loc``, with the index of an item of
    a list of texts (``legal_basis[0]``).

    Examples:
        >>> _field_name(("flowcharts", 0, "title")), _field_name(("legal_basis", 2))
        ('title', 'legal_basis[2]')
    """
    if not loc:
        return "value"
    if loc[-1] in ("amount", "unit") and len(loc) > 1 and str(loc[-2]).endswith(_LIMITS):
        return snippet(loc[-2])  # a time limit's amount: name the limit (statutory_days)
    if isinstance(loc[-1], int) and len(loc) > 1:
        return f"{snippet(loc[-2])}[{loc[-1]}]"
    return snippet(loc[-1])


def _schema_message(err: dict[str, Any], top: type[BaseModel]) -> tuple[str, dict[str, Any], bool]:
    """The template key and parameters of a message for one pydantic error that says what
    to do; and whether it concerns a key (unknown field) rather than a value. Values from
    the file are quoted as short excerpts (:func:`~powerreg.yamlsource.snippet`)."""
    kind = err["type"]
    loc = tuple(err["loc"])
    field = _field_name(loc)
    value = err.get("input")
    ctx = err.get("ctx", {})
    if kind == "extra_forbidden":
        model = _model_at(loc[:-1], top)
        names = [f.alias or n for n, f in model.model_fields.items()] if model else []
        close = closest(str(loc[-1]), names)
        if close:
            return "E002.unknown_field", {"field": field, "close": close}, True
        return "E002.unknown_field_list", {"field": field, "known": ", ".join(names)}, True
    if kind == "missing":
        return "E002.missing", {"field": field}, False
    if kind in ("enum", "literal_error"):
        enum = _enum_for(loc)
        if enum is not None:
            codes = [m.value for m in enum]  # type: ignore[attr-defined]
            aliases = list(ALIASES.get(enum, {}))
            accepted = ", ".join(codes) + (f" (or {', '.join(aliases)})" if aliases else "")
            return (
                "E002.enum",
                {"field": field, "value": snippet(value), "accepted": accepted},
                False,
            )
        if kind == "literal_error":
            expected = str(ctx.get("expected", "?"))
            return (
                "E002.not_literal",
                {"field": field, "expected": expected, "value": snippet(value)},
                False,
            )
    if kind == "int_parsing_size":  # an integer too large even to compare with a literal
        literal = _literal_at(loc, top)
        if literal is not None:
            return (
                "E002.not_literal",
                {"field": field, "expected": literal, "value": snippet(value)},
                False,
            )
    if kind == "string_pattern_mismatch":
        if field == "at":
            return "E002.at", {"value": snippet(value)}, False
        return "E002.bad_id", {"value": snippet(value), "field": field}, False
    if kind == "string_too_long":
        n, most = len(str(value)), ctx["max_length"]
        return "E002.too_long", {"field": field, "n": f"{n:,}", "max": f"{most:,}"}, False
    if kind == "string_too_short":
        return "E002.empty", {"field": field}, False
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "E002.not_int", {"field": field, "kind": value_kind(value)}, False
    if kind == "greater_than_equal":
        return (
            "E002.too_small",
            {"field": field, "bound": ctx["ge"], "value": snippet(value)},
            False,
        )
    if kind == "less_than_equal":
        return (
            "E002.too_large",
            {"field": field, "bound": ctx["le"], "value": snippet(value)},
            False,
        )
    if kind == "string_type":
        return "E002.not_text", {"field": field, "kind": value_kind(value)}, False
    if kind in ("bool_parsing", "bool_type"):
        return "E002.not_bool", {"field": field, "kind": value_kind(value)}, False
    if kind == "list_type":
        return "E002.not_list", {"field": field, "kind": value_kind(value)}, False
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "E002.not_map", {"field": field, "kind": value_kind(value)}, False
    if kind == "too_short":
        return "E002.too_few", {"field": field, "n": ctx["min_length"]}, False
    if kind == "time_limit_text":
        return "E002.limit_text", {"field": field, "value": snippet(ctx["value"])}, False
    if kind == "time_limit_too_long":
        shown = {
            key: localized(limit.text("en"), limit.text("zh"))
            for key, limit in (
                ("limit", Limit(amount=ctx["amount"], unit=ctx["unit"])),
                ("max", Limit(amount=ctx["max"], unit=ctx["unit"])),
            )
        }
        return "E002.limit_too_long", {"field": field, **shown}, False
    if kind == "value_error" and "transitions" in loc and isinstance(value, str):
        return "E002.transition_form", {"value": snippet(value)}, False
    if kind == "value_error":
        return "E002", {"field": field, "detail": str(ctx["error"])}, False
    return "E002", {"field": field, "detail": err["msg"]}, False


def _schema_problems(err: ValidationError, doc: Document, power_id: str | None) -> list[Problem]:
    top: type[BaseModel] = Power if power_id is not None else RegistryMeta
    out = []
    for e in err.errors(include_url=False):
        loc = tuple(e["loc"])
        key, params, at_key = _schema_message(e, top)  # type: ignore[arg-type]
        line, col = doc.position(loc, key=at_key)
        entity = _short_entity(_entity(doc.data, loc, power_id))
        out.append(problem(key, doc.file, line, col, entity=entity, **params))
    return out
