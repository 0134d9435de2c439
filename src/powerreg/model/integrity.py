"""Cross-reference problems inside one power: duplicate local ids (E003) and dangling
references (E004), found on raw data so a file with schema errors is still checked."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, NamedTuple

from ..codes import localized, render
from .ids import _ARROW


class Issue(NamedTuple):
    """A cross-reference problem found in validated data, before it has a file position.

    ``key`` is its message template (``E004.at_step``), ``params`` the template's values;
    ``loc`` is the path to the offending value inside the power's data, as pydantic
    gives for schema errors, so the loader can find its line.
    """

    key: str
    loc: tuple[str | int, ...]
    entity: str
    params: dict[str, Any]

    @property
    def code(self) -> str:
        """The code, e.g. ``E004``."""
        return self.key.partition(".")[0]

    @property
    def message(self) -> str:
        """The message in English (for a ``ValueError`` of a model built in code)."""
        return render(self.key, "en", {"entity": self.entity, **self.params})


#: A parameter of an :class:`Issue` that is a location, not a value: the loader replaces it
#: with the ``first`` line it points at and uses the template's ``.first`` variant.
FIRST_LOC = "first_loc"


def _list_ids(ids: Any) -> str:
    shown = sorted(ids)
    return ", ".join(shown[:12]) + (", …" if len(shown) > 12 else "") if shown else "none"


def _items(data: Any, name: str) -> list[tuple[int, dict[str, Any]]]:
    """``(index, mapping)`` of the items of ``data[name]`` that are mappings."""
    value = data.get(name) if isinstance(data, dict) else None
    if not isinstance(value, list):
        return []
    return [(i, v) for i, v in enumerate(value) if isinstance(v, dict)]


def _local_id(item: dict[str, Any]) -> str | None:
    value = item.get("id")
    return value if isinstance(value, str) else None


def _duplicates(
    items: list[tuple[int, dict[str, Any]]],
    loc: tuple[str | int, ...],
    what: Callable[[], dict[str, str]],
    scope: str,
) -> list[Issue]:
    """E003 of each item whose id an earlier item has; ``what`` says what the items
    are (made only when one is found: this runs for every list of every file)."""
    seen: dict[str, int] = {}
    issues = []
    for i, item in items:
        local = _local_id(item)
        if local is None:
            continue
        if local in seen:
            # the loader turns FIRST_LOC into the line of the first one (E003.first)
            params = {"what": what(), "id": local, FIRST_LOC: (*loc, seen[local], "id")}
            issues.append(Issue("E003", (*loc, i, "id"), f"{scope}/{local}", params))
        else:
            seen[local] = i
    return issues


def _endpoints(transition: Any) -> list[tuple[str, Any]]:
    if isinstance(transition, str):
        m = _ARROW.match(transition)
        return [("from", m.group(1)), ("to", m.group(2))] if m else []
    if isinstance(transition, dict):
        return [(f, transition[f]) for f in ("from", "to") if isinstance(transition.get(f), str)]
    return []


def _steps_of(chart: str) -> dict[str, str]:
    return localized(f"step of flowchart {chart}", f"流程图 {chart} 的步骤")


def _measures_of(risk: str) -> dict[str, str]:
    return localized(f"countermeasure of risk point {risk}", f"风险点 {risk} 的防范措施")


def reference_issues(data: Any) -> list[Issue]:
    """E003 and E004 problems of one power, from its raw data (the YAML mapping).

    Works on data that is otherwise invalid, so a file with a schema error still has
    its references checked; whatever is not of the expected shape is skipped here (the
    schema check reports it).

    Examples:
        >>> data = {"id": "P1", "flowcharts": [{"id": "F1", "steps": [{"id": "S1"}],
        ...         "transitions": ["S1 -> S2"]}], "risk_points": [{"id": "R1", "at": "F2/S1"}]}
        >>> [(i.code, i.loc) for i in reference_issues(data)]
        [('E004', ('flowcharts', 0, 'transitions', 0, 'to')), ('E004', ('risk_points', 0, 'at'))]
    """
    issues: list[Issue] = []
    raw_id = data.get("id") if isinstance(data, dict) else None
    pid = raw_id if isinstance(raw_id, str) else "?"
    flowcharts = _items(data, "flowcharts")
    risks = _items(data, "risk_points")
    issues += _duplicates(
        flowcharts, ("flowcharts",), lambda: localized("flowchart", "流程图"), pid
    )
    issues += _duplicates(risks, ("risk_points",), lambda: localized("risk point", "风险点"), pid)
    # flowcharts and risk points share the power's scope: XK-001/F1 and XK-001/R1
    chart_ids = {cid for _, fc in flowcharts if (cid := _local_id(fc)) is not None}
    for k, r in risks:
        rid = _local_id(r)
        if rid is not None and rid in chart_ids:
            issues.append(
                Issue(
                    "E003.risk_is_chart",
                    ("risk_points", k, "id"),
                    f"{pid}/{rid}",
                    {"id": rid, "gid": f"{pid}/{rid}"},
                )
            )
    steps_of: dict[str, set[str]] = {}
    for i, fc in flowcharts:
        loc = ("flowcharts", i)
        fc_id = _local_id(fc) or f"#{i + 1}"
        steps = _items(fc, "steps")
        issues += _duplicates(
            steps,
            (*loc, "steps"),
            partial(_steps_of, fc_id),
            f"{pid}/{fc_id}",
        )
        ids = {sid for _, s in steps if (sid := _local_id(s)) is not None}
        steps_of.setdefault(fc_id, ids)
        transitions = fc.get("transitions")
        for j, t in enumerate(transitions if isinstance(transitions, list) else []):
            for field, end in _endpoints(t):
                if end not in ids:
                    issues.append(
                        Issue(
                            "E004",
                            (*loc, "transitions", j, field),
                            f"{pid}/{fc_id}",
                            {
                                "end": localized(field, "起点" if field == "from" else "终点"),
                                "step": end,
                                "chart": fc_id,
                                "steps": _list_ids(ids),
                            },
                        )
                    )
    for k, r in risks:
        loc = ("risk_points", k)
        rid = _local_id(r) or f"#{k + 1}"
        issues += _duplicates(
            _items(r, "countermeasures"),
            (*loc, "countermeasures"),
            partial(_measures_of, rid),
            f"{pid}/{rid}",
        )
        at = r.get("at")
        if not isinstance(at, str) or "/" not in at:
            continue
        fc_id, _, step_id = at.partition("/")
        if fc_id not in steps_of:
            issues.append(
                Issue(
                    "E004.at_chart",
                    (*loc, "at"),
                    f"{pid}/{rid}",
                    {"risk": rid, "chart": fc_id, "charts": _list_ids(steps_of)},
                )
            )
        elif step_id not in steps_of[fc_id]:
            issues.append(
                Issue(
                    "E004.at_step",
                    (*loc, "at"),
                    f"{pid}/{rid}",
                    {
                        "risk": rid,
                        "step": step_id,
                        "chart": fc_id,
                        "steps": _list_ids(steps_of[fc_id]),
                    },
                )
            )
    return issues
