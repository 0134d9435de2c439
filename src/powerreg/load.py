"""Registry directory → models, with every problem named by file, line and column.

:func:`load` reads ``registry.yaml`` and ``powers/*.yaml``, collects every problem of
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
    ...     load(root)
    ... except RegistryError as err:
    ...     print(err)
    powers/XK-001.yaml:2:11: E004 category 'QT' is not declared in registry.yaml (categories: XK)
"""

from __future__ import annotations

import difflib
import gc
import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .collector import FREEZE_AT, gc_paused
from .errors import Problem, RegistryError
from .messages import problem
from .model import (
    ALIASES,
    DEFER_REFERENCES,
    Issue,
    Level,
    MeasureKind,
    Power,
    Registry,
    RegistryMeta,
    RiskType,
    SourceMap,
    Stage,
    StepKind,
    category_key,
    reference_issues,
    transition_key,
)
from .yamlsource import Document, decode, read_text

#: Largest file read (bytes); bigger files are refused before parsing (E007).
DEFAULT_MAX_BYTES = 1024 * 1024

REGISTRY_FILE = "registry.yaml"
POWERS_DIR = "powers"


def load(path: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_BYTES) -> Registry:
    """Load a registry directory, or a catalog ``.db`` written by ``export``.

    Raises:
        RegistryError: with every problem found, if the registry does not load.
    """
    p = Path(path)
    if p.suffix == ".db" and p.is_file():
        from .catalog import read_catalog

        registry: Registry = read_catalog(p)  # imported only when a catalog is read
        return registry
    return _DirectoryLoader(p, max_bytes).load()


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

    def load(self) -> Registry:
        root = self.root
        if not root.is_dir():
            raise RegistryError(
                [
                    problem(
                        "E007",
                        str(root),
                        detail=(
                            f"'{root}' is not a registry directory; give a directory holding "
                            f"{REGISTRY_FILE} and {POWERS_DIR}/"
                        ),
                    )
                ]
            )
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
            size = path.stat().st_size
            if size > self.max_bytes:
                self.problems.append(
                    problem(
                        "E007",
                        rel,
                        1,
                        1,
                        detail=(
                            f"file is {size:,} bytes, over the limit of {self.max_bytes:,}; "
                            "split it, or raise the limit (load(..., max_bytes=N))"
                        ),
                    )
                )
                return None
            raw = path.read_bytes()
        except OSError as err:
            self.problems.append(
                problem("E007", rel, detail=f"cannot read the file: {err.strerror or err}")
            )
            return None
        text, bad = decode(raw, rel)
        if bad is not None:
            self.problems.append(bad)
            return None
        assert text is not None
        doc = read_text(text, rel)
        if doc.problems:
            self.problems += doc.problems
            return None
        if not isinstance(doc.data, dict):
            self.problems.append(
                problem(
                    "E002",
                    rel,
                    *doc.root,
                    detail=(
                        "the file must hold a mapping of fields (key: value), "
                        f"not {_kind(doc.data)}"
                    ),
                )
            )
            return None
        return doc

    def _load_meta(self) -> RegistryMeta | None:
        path = self.root / REGISTRY_FILE
        if not path.is_file():
            self.problems.append(
                problem(
                    "E007",
                    REGISTRY_FILE,
                    detail=(
                        f"no {REGISTRY_FILE} in '{self.root}'; every registry has one "
                        "(id, department, year, source, categories)"
                    ),
                )
            )
            return None
        doc = self._read(path, REGISTRY_FILE)
        if doc is None:
            return None
        try:
            meta = RegistryMeta.model_validate(doc.data)
        except ValidationError as err:
            self.problems += _schema_problems(err, doc, None)
            return None
        self._report(meta.category_issues(), doc)
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

    def _load_powers(self) -> dict[str, Power]:
        pdir = self.root / POWERS_DIR
        powers: dict[str, Power] = {}
        if not pdir.is_dir():
            self.problems.append(
                problem(
                    "E007",
                    POWERS_DIR + "/",
                    detail=(
                        f"no {POWERS_DIR}/ directory in '{self.root}'; put one file per power "
                        f"there ({POWERS_DIR}/XK-001.yaml)"
                    ),
                )
            )
            return powers
        context = {DEFER_REFERENCES: True}
        declared_in: dict[str, str] = {}
        for path in sorted(pdir.glob("*.yaml")):
            rel = f"{POWERS_DIR}/{path.name}"
            doc = self._read(path, rel)
            if doc is None:
                continue
            broken = self._report(reference_issues(doc.data), doc)
            code, pid = doc.data.get("category"), doc.data.get("id")
            if isinstance(code, str):
                at = doc.position(("category",))
                self.declared.append((code, doc.file, *at, pid if isinstance(pid, str) else None))
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
                        "E003",
                        rel,
                        *doc.position(("id",)),
                        entity=power.id,
                        detail=(
                            f"power '{power.id}' is also declared in {declared_in[power.id]}; "
                            "each power has one file"
                        ),
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
                problem(i.code, doc.file, *doc.position(i.loc), entity=i.entity, detail=i.message)
            )
        return bool(issues)

    def _check_categories(self, meta: RegistryMeta) -> None:
        codes = {c.code for c in meta.categories}
        for code, file, line, column, pid in self.declared:
            if code in codes:
                continue
            close = difflib.get_close_matches(code, sorted(codes), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            self.problems.append(
                problem(
                    "E004",
                    file,
                    line,
                    column,
                    entity=pid,
                    detail=f"category '{code}' is not declared in {REGISTRY_FILE} "
                    f"(categories: {', '.join(sorted(codes))}){hint}",
                )
            )

    def _record_positions(self, power: Power, doc: Document) -> None:
        """Remember where the power and each of its entities start in its file."""
        pos = self.positions
        file = doc.file
        pos[power.id] = (file, *doc.position(("id",)))
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


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    return f"the text {value!r}"


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
        return StepKind if len(loc) >= 3 and loc[-3] == "steps" else MeasureKind
    return _ENUM_OF_FIELD.get(name) if isinstance(name, str) else None


def _model_at(loc: tuple[Any, ...], top: type[BaseModel]) -> type[BaseModel] | None:
    """The model class whose field list applies at ``loc`` (for 'did you mean')."""
    from .model import Category, Countermeasure, Flowchart, RiskPoint, Step, Transition

    model: type[BaseModel] | None = top
    nested: dict[str, type[BaseModel]] = {
        "flowcharts": Flowchart,
        "steps": Step,
        "transitions": Transition,
        "risk_points": RiskPoint,
        "countermeasures": Countermeasure,
        "categories": Category,
    }
    for part in loc:
        if isinstance(part, str):
            model = nested.get(part, model)
    return model


def _schema_message(err: dict[str, Any], top: type[BaseModel]) -> tuple[str, bool]:
    """A message for one pydantic error that says what to do; and whether it concerns a
    key (unknown field) rather than a value."""
    kind = err["type"]
    loc = tuple(err["loc"])
    field = str(loc[-1]) if loc else "value"
    value = err.get("input")
    if kind == "extra_forbidden":
        model = _model_at(loc[:-1], top)
        names = [f.alias or n for n, f in model.model_fields.items()] if model else []
        close = difflib.get_close_matches(field, names, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"known fields: {', '.join(names)}"
        return f"unknown field '{field}'; {hint}", True
    if kind == "missing":
        return f"missing required field '{field}'; add it", False
    if kind in ("enum", "literal_error"):
        enum = _enum_for(loc)
        if enum is not None:
            codes = [m.value for m in enum]  # type: ignore[attr-defined]
            aliases = list(ALIASES.get(enum, {}))
            accepted = ", ".join(codes) + (f" (or {', '.join(aliases)})" if aliases else "")
            return f"unknown {field} {value!r}; use one of {accepted}", False
    if kind == "string_pattern_mismatch":
        if field == "at":
            return (
                f"risk point 'at' {value!r} must be '<flowchart id>/<step id>', e.g. F1/S3"
            ), False
        return (
            f"bad id {value!r} in '{field}': an id is letters, digits and '-', starts "
            "with a letter or digit, at most 64 characters"
        ), False
    if kind == "string_too_short":
        return f"'{field}' is empty; write the text or remove the field if optional", False
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"'{field}' must be a whole number, not {_kind(value)}", False
    if kind == "greater_than_equal":
        return f"'{field}' must be {err['ctx']['ge']} or more, not {value}", False
    if kind == "less_than_equal":
        return f"'{field}' must be {err['ctx']['le']} or less, not {value}", False
    if kind == "string_type":
        return f"'{field}' must be text, not {_kind(value)}; quote it if needed", False
    if kind in ("list_type", "dict_type", "model_type", "model_attributes_type"):
        want = "a list" if kind == "list_type" else "a mapping"
        return f"'{field}' must be {want}, not {_kind(value)}", False
    if kind == "too_short":
        return f"'{field}' needs at least {err['ctx']['min_length']} item(s)", False
    if kind == "value_error":
        return str(err["ctx"]["error"]), False
    return f"'{field}': {err['msg']}", False


def _schema_problems(err: ValidationError, doc: Document, power_id: str | None) -> list[Problem]:
    top: type[BaseModel] = Power if power_id is not None else RegistryMeta
    out = []
    for e in err.errors(include_url=False):
        loc = tuple(e["loc"])
        message, at_key = _schema_message(e, top)  # type: ignore[arg-type]
        line, col = doc.position(loc, key=at_key)
        out.append(
            problem(
                "E002", doc.file, line, col, entity=_entity(doc.data, loc, power_id), detail=message
            )
        )
    return out
