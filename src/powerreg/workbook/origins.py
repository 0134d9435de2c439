"""Where each value of a workbook came from, and problems named at their cells.

A reader turns each row into a plain dict (the data a YAML file would hold) and remembers
the row's :class:`Origin`: its sheet, its row and the column of each field. When the
models refuse the data, each pydantic error's path (``risk_points[2].level``) is walked
through the dicts back to the last row it passed, and the problem is put at that row's
cell of the field: ``BOOK.xlsx:风险点!C14``. The template and its values are the YAML
loader's (:mod:`powerreg.schemamessages`), so a workbook fails with the same E codes; the
field is named by its Chinese header in Chinese, and an enumeration lists the Chinese
words a cell takes.

Examples:
    >>> from pydantic import ValidationError
    >>> from powerreg.model import DEFER_REFERENCES
    >>> from powerreg.workbook.codecs import LEVEL
    >>> book = Problems("BOOK.xlsx")
    >>> risk = {"id": "R1", "at": "F1/S1", "level": "紧急", "type": "duty", "description": "d"}
    >>> book.remember(risk, Origin("风险点", 14, {"id": 2, "level": 3},
    ...                            {"id": "风险点编号", "level": "风险等级"}, {"level": LEVEL}))
    >>> power = {"id": "XK-1", "category": "XK", "name": "n", "subject": "s",
    ...          "division": "d", "risk_points": [risk]}
    >>> try:
    ...     Power.model_validate(power, context={DEFER_REFERENCES: True})
    ... except ValidationError as err:
    ...     book.schema_problems(err, power, "XK-1")
    >>> print(book.found[0].as_line("en"))
    BOOK.xlsx:风险点!C14: E002 unknown level '紧急'; use one of 高, 中, 低 (一级, 二级, 三级)
    >>> print(book.found[0].message("zh"))
    风险等级 的取值 紧急 不在可选范围：请使用 高, 中, 低 (一级, 二级, 三级)
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel, ValidationError

from ..codes import localized
from ..collector import FREEZE_AT, gc_paused
from ..errors import Problem, RegistryError, problem, sheet_ref
from ..model import (
    DEFER_REFERENCES,
    FIRST_LOC,
    Issue,
    Power,
    Registry,
    RegistryMeta,
    reference_issues,
)
from ..schemamessages import entity_of, quoted, schema_message
from .cells import cell_name
from .codecs import Codec, Words
from .unreadable import Unreadable

__all__ = ["Origin", "Problems", "assemble"]

#: The sheet each list of nested entities comes from, for a message about the list.
NESTED_SHEETS = {
    "categories": "职权类别",
    "units": "机构",
    "flowcharts": "流程图",
    "steps": "流程环节",
    "transitions": "流转",
    "risk_points": "风险点",
    "countermeasures": "防控措施",
}


_NOTHING: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Origin:
    """The row a dict was read from: its sheet and row, the column of each field, the
    header of each field (for messages) and the codec of fields that have choices."""

    sheet: str
    row: int
    columns: Mapping[str, int]
    headers: Mapping[str, str]
    codecs: Mapping[str, Codec] = field(default_factory=lambda: _NOTHING)
    #: the column that names the row's entity (its id), for problems of the whole row
    anchor: int = 1
    #: the row of each field, where fields sit one a row (清单信息)
    rows: Mapping[str, int] = field(default_factory=lambda: _NOTHING)


class Problems:
    """Every problem found in one workbook, each at its sheet and cell."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.found: list[Problem] = []
        #: sheets reported missing: what their rows would have held is not reported again
        self.absent: set[str] = set()
        #: cells reported as holding no value to read (an error, a formula never
        #: calculated, a yes/no value where a number belongs): what follows from their
        #: reading as empty is not reported again
        self.unread: set[tuple[str, int, int]] = set()
        #: ``id(data)`` → (the origin of its sheet, its row, ``data`` kept alive): readers
        #: of large sheets fill it directly, one tuple a row
        self.rows: dict[int, tuple[Origin, int, Any]] = {}

    def __bool__(self) -> bool:
        return bool(self.found)

    def remember(self, data: dict[str, Any], origin: Origin) -> None:
        """Remember that ``data`` was read from the row ``origin``."""
        self.rows[id(data)] = (origin, origin.row, data)

    def origin(self, data: Any) -> Origin | None:
        """The row a dict was read from, if it was read from one."""
        hit = self.rows.get(id(data))
        if hit is None or hit[2] is not data:
            return None
        origin, row, _ = hit
        return origin if origin.row == row else replace(origin, row=row)

    def at(
        self,
        key: str,
        sheet: str | None,
        row: int = 0,
        column: int = 0,
        /,
        *,
        entity: str | None = None,
        **params: Any,
    ) -> Problem:
        """Record and return the problem ``key`` at a cell (row and column 1-based; a
        row or column of 0 leaves the cell out, a sheet of ``None`` names the file only).

        A problem at a cell already reported as unreadable (:meth:`unreadable`) is
        returned but not recorded: it only says the cell read as empty."""
        found = problem(key, self.file, row, column, entity=entity, **params)
        if sheet is not None:
            cell = cell_name(row, column) if row and column else None
            found = found.model_copy(update={"sheet": sheet, "cell": cell})
            if self.unread and (sheet, row, column) in self.unread:
                return found
        self.found.append(found)
        return found

    def unreadable(self, sheet: str, cell: Unreadable) -> Problem:
        """Record the problem of a cell that holds no value a reader can give (found by
        :func:`.unreadable.unreadable_cells`): an error, ``#DIV/0!`` (E002.cell_error), or
        a formula never calculated, ``=2000+11`` (E002.cell_formula). Later problems at
        the cell are not recorded."""
        row, column = cell.row, cell.column
        if cell.error is not None:
            found = self.at("E002.cell_error", sheet, row, column, error=cell.error)
        else:
            found = self.at("E002.cell_formula", sheet, row, column, formula=cell.formula)
        self.unread.add((sheet, row, column))
        return found

    # ------------------------------------------------------------------ model errors

    def locate(self, data: Any, loc: tuple[Any, ...]) -> tuple[Origin | None, str | None]:
        """The row a path into ``data`` last passed through, and the field of that row
        the rest of the path names (``None`` if the row has no such column)."""
        origin, rest = self.origin(data), list(loc)
        node = data
        for i, part in enumerate(loc):
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                break
            found = self.origin(node)
            if found is not None:
                origin, rest = found, list(loc[i + 1 :])
        if origin is None:
            return None, None
        names = [str(p) for p in rest if isinstance(p, str)]
        for n in range(len(names), 0, -1):
            name = ".".join(names[:n])
            if name in origin.columns:
                return origin, name
        return origin, None

    def _put(
        self,
        key: str,
        params: dict[str, Any],
        data: Any,
        loc: tuple[Any, ...],
        entity: str | None,
        *,
        missing: bool = False,
    ) -> None:
        origin, name = self.locate(data, loc)
        if origin is None:
            self.at(key, None, entity=entity, **params)
            return
        row = origin.row
        if name is None:
            if missing and loc and isinstance(loc[-1], str) and loc[-1] not in NESTED_SHEETS:
                return  # a required column the sheet lacks: reported once, at its header
            column = origin.anchor
            nested = next((p for p in reversed(loc) if p in NESTED_SHEETS), None)
            if nested is not None and NESTED_SHEETS[nested] in self.absent:
                return  # the sheet is missing: reported once
            if "field" in params and nested is not None:
                params["field"] = localized(str(nested), NESTED_SHEETS[nested])
        else:
            column = origin.columns[name]
            row = origin.rows.get(name, row)
            if "field" in params:
                params["field"] = localized(str(params["field"]), origin.headers[name])
            codec = origin.codecs.get(name)
            if key in ("E002.enum", "E002.enum_close") and isinstance(codec, Words):
                params["accepted"] = codec.accepted
        self.at(key, origin.sheet, row, column, entity=entity, **params)

    def schema_problems(
        self,
        err: ValidationError,
        data: dict[str, Any],
        power_id: str | None,
        top: type[BaseModel] | None = None,
    ) -> None:
        """Record a problem for each error of validating ``data`` (a power's dict, or
        the registry's when ``power_id`` is ``None``)."""
        top = top or (Power if power_id is not None else RegistryMeta)
        for e in err.errors(include_url=False):
            loc = tuple(e["loc"])
            key, params, _ = schema_message(e, top)  # type: ignore[arg-type]
            entity = entity_of(data, loc, power_id)
            self._put(key, params, data, loc, entity, missing=e["type"] == "missing")

    def issue_problems(self, issues: Iterable[Issue], data: dict[str, Any]) -> None:
        """Record a problem for each cross-reference issue (E003, E004) of ``data``."""
        for i in issues:
            params = {k: v for k, v in i.params.items() if k != FIRST_LOC}
            key = i.key
            first = i.params.get(FIRST_LOC)
            if first is not None:  # a duplicate: name the cell of the first one
                origin, name = self.locate(data, tuple(first))
                if origin is not None:
                    row = origin.rows.get(name, origin.row) if name else origin.row
                    column = origin.columns[name] if name else origin.anchor
                    params["first"] = f"{sheet_ref(origin.sheet)}!{cell_name(row, column)}"
                    key = "E003.first_cell"
            self._put(key, quoted(params), data, i.loc, i.entity)


def assemble(
    problems: Problems, meta: dict[str, Any], powers: dict[str, dict[str, Any]]
) -> Registry:
    """The registry of ``meta`` (the data of ``registry.yaml``) and the data of each
    power, validated by the models one power at a time; every problem put at its cell.

    Raises:
        RegistryError: with every problem found (those already in ``problems`` too).
    """
    context = {DEFER_REFERENCES: True}
    valid: dict[str, Power] = {}
    with gc_paused():
        for pid, data in powers.items():
            issues = reference_issues(data)
            problems.issue_problems(issues, data)
            try:
                power = Power.model_validate(data, context=context)
            except ValidationError as err:
                problems.schema_problems(err, data, pid)
                continue
            if not issues:
                valid[pid] = power
    if len(valid) >= FREEZE_AT:
        gc.freeze()  # keep later collections from scanning the whole registry
    registry: RegistryMeta | None = None
    try:
        registry = RegistryMeta.model_validate(meta)
    except ValidationError as err:
        problems.schema_problems(err, meta, None)
    if registry is not None:
        problems.issue_problems(registry.category_issues() + registry.org_issues(), meta)
        codes = {c.code for c in registry.categories}
        shown = ", ".join(sorted(codes))
        org_chart = registry.org_chart()
        for pid, data in powers.items():
            category = data.get("category")
            if isinstance(category, str) and category not in codes:
                params = {"category": category, "categories": shown}
                issue = Issue("E004.category", ("category",), pid, params)
                problems.issue_problems([issue], data)
        if org_chart is not None:  # roles, divisions, responsibles name declared ones
            for pid, power in valid.items():
                problems.issue_problems(org_chart.issues(power), powers[pid])
    if problems or registry is None:
        raise RegistryError(problems.found)
    return Registry.model_construct(**registry.__dict__, powers=valid)
