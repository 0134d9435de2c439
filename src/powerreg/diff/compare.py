"""The semantic comparison of two editions of a registry: what changed, entity by entity.

Powers are matched by id; a power that is gone under one id and new under another with the
same name and legal basis was re-numbered (D104), not removed and added. Inside a matched
power, flowcharts and steps are matched by id, transitions by their ends, risk points by id
(then by description, so a risk point given a new id at a new step is a move, D133, not a
removal and an addition), countermeasures by id within their risk point. Every change is a
:class:`~powerreg.errors.Problem` of a ``D1xx`` code, placed at the entity in the new
edition (in the old one for a removal), with the other edition's position in its params
(``old_at``, ``new_at``), so it prints as text, JSON, Markdown or SARIF like any finding.

Order is stable: powers by id, then within a power its fields, flowcharts, risk points and
countermeasures in file order.

Examples:
    >>> import powerreg
    >>> old = powerreg.load("examples/minimal")
    >>> data = old.model_dump(by_alias=True)
    >>> data["powers"]["XK-001"]["promised_limit"] = 10
    >>> new = type(old).model_validate(data)
    >>> [(c.code, c.entity, c.message("en")) for c in compare(old, new)]
    [('D105', 'XK-001', 'XK-001 promised limit: 20 working days → 10 working days')]
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..codes import localized
from ..codes.diff_codes import FIELDS
from ..errors import Problem, problem
from ..layout import kept_in
from ..model import (
    Countermeasure,
    Flowchart,
    Limit,
    Power,
    Registry,
    RiskPoint,
    Step,
    field_label,
)
from ..model.enums import LABELS_ZH, Level
from ..model.ids import field_key, transition_key

#: Where an entity sits: ``file:line`` as the user can open it, or ``None``.
Where = Callable[[str], "tuple[str, int] | None"]

_POWER_FIELDS = ("category", "subject", "division", "statutory_limit", "promised_limit", "fee")
_POWER_TEXT_FIELDS = ("name_en", "description", "disclosure", "reason")
_POWER_LISTS = ("legal_basis", "responsibilities", "accountability")
_STEP_FIELDS = ("kind", "role", "pauses_clock", "no_risk_reason")
_RISK_FIELDS = ("type", "description", "likelihood", "impact", "reason")
_MEASURE_FIELDS = ("kind", "stage", "description", "responsible")


def field_names(model: type[BaseModel], name: str) -> dict[str, str]:
    """How a change names the field ``name`` of ``model``: in English, and in Chinese by
    its label (its one name, :func:`~powerreg.model.field_label`).

    Examples:
        >>> field_names(Countermeasure, "responsible")
        {'en': 'responsible', 'zh': '责任主体'}
    """
    return {"en": FIELDS[name], "zh": field_label(model, name)}


def shown_value(value: Any) -> Any:
    """A field's value as a change shows it: limits and enum codes in each language.

    Examples:
        >>> shown_value(Level.HIGH)
        {'en': 'high', 'zh': '高'}
        >>> shown_value(None)
        {'en': 'none', 'zh': '无'}
    """
    if value is None:
        return localized("none", "无")
    if isinstance(value, Limit):
        return localized(value.text("en"), value.text("zh"))
    if isinstance(value, bool):
        return localized("yes" if value else "no", "是" if value else "否")
    if isinstance(value, StrEnum):
        return localized(value.value, LABELS_ZH.get(value.value, value.value))
    if isinstance(value, BaseModel):
        data = value.model_dump(exclude_none=True)
        return ", ".join(f"{k}={v}" for k, v in data.items())
    return value


def _normal(text: str) -> str:
    """Text as two editions are compared for a re-numbered power: NFKC, no spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _identity(p: Power) -> tuple[str, tuple[str, ...]]:
    return _normal(p.name), tuple(sorted(_normal(b) for b in p.legal_basis))


class _Differ:
    def __init__(self, old: Registry, new: Registry, old_at: Where, new_at: Where) -> None:
        self.old, self.new = old, new
        self.old_at, self.new_at = old_at, new_at
        self.changes: list[Problem] = []

    # -------------------------------------------------------------- recording
    def add(
        self,
        key: str,
        entity: str,
        *,
        old_gid: str | None = None,
        new_gid: str | None = None,
        **params: Any,
    ) -> None:
        before = self.old_at(old_gid) if old_gid else None
        after = self.new_at(new_gid) if new_gid else None
        here = after or before
        file, line = here if here else (None, 0)
        params["old_at"] = f"{before[0]}:{before[1]}" if before else None
        params["new_at"] = f"{after[0]}:{after[1]}" if after else None
        self.changes.append(problem(key, file, line, entity=entity, **params))

    def field(
        self,
        key: str,
        model: type[BaseModel],
        entity: str,
        name: str,
        a: Any,
        b: Any,
        old_gid: str,
        new_gid: str,
    ) -> None:
        """A change of the field ``name`` of a ``model``: ``a`` → ``b``."""
        self.add(
            key,
            entity,
            old_gid=field_key(old_gid, name),  # the field's own line where it is known
            new_gid=field_key(new_gid, name),
            field=field_names(model, name),
            field_name=name,
            old=shown_value(a),
            new=shown_value(b),
        )

    # -------------------------------------------------------------- powers
    def run(self) -> list[Problem]:
        old, new = self.old.powers, self.new.powers
        gone = [pid for pid in old if pid not in new]
        came = [pid for pid in new if pid not in old]
        by_identity: dict[tuple[str, tuple[str, ...]], list[str]] = {}
        for pid in came:
            by_identity.setdefault(_identity(new[pid]), []).append(pid)
        renumbered: dict[str, str] = {}
        for pid in gone:
            candidates = by_identity.get(_identity(old[pid]))
            if candidates:
                renumbered[pid] = candidates.pop(0)
        taken = set(renumbered.values())
        pairs: list[tuple[str, str | None, str | None]] = []  # (sort id, old id, new id)
        for pid in old:
            if pid in new:
                pairs.append((pid, pid, pid))
            elif pid in renumbered:
                pairs.append((renumbered[pid], pid, renumbered[pid]))
            else:
                pairs.append((pid, pid, None))
        pairs += [(pid, None, pid) for pid in came if pid not in taken]
        for _, a, b in sorted(pairs, key=lambda t: (t[0], t[1] or "")):
            if a is None and b is not None:
                p = new[b]
                self.add("D101", b, new_gid=b, name=p.name)
            elif b is None and a is not None:
                p = old[a]
                self.add("D102", a, old_gid=a, name=p.name)
                for risk in p.risk_points:
                    if risk.level is Level.HIGH:
                        self._high_removed(risk, a)
            elif a is not None and b is not None:
                if a != b:
                    self.add("D104", b, old_gid=a, new_gid=b, old=a, new=b, name=new[b].name)
                if old[a] != new[b] or a != b:
                    self.power(old[a], new[b])
        return self.changes

    def power(self, p: Power, q: Power) -> None:
        entity, a, b = q.id, p.id, q.id
        if p.name != q.name:
            self.add("D103", entity, old_gid=a, new_gid=b, old=p.name, new=q.name)
        for name in (*_POWER_FIELDS, *_POWER_TEXT_FIELDS):
            x, y = getattr(p, name), getattr(q, name)
            if x != y:
                self.field("D105", Power, entity, name, x, y, a, b)
        lengthened = _longer(p.promised_limit, q.promised_limit)
        if lengthened and q.reason is None:
            self.add(
                "D202",
                entity,
                old_gid=a,
                new_gid=b,
                old=shown_value(p.promised_limit),
                new=shown_value(q.promised_limit),
            )
        for name in _POWER_LISTS:
            xs, ys = getattr(p, name), getattr(q, name)
            if xs == ys:
                continue
            for item in xs:
                if item not in ys:
                    self.add(
                        "D107", entity, old_gid=a, new_gid=b, field=field_names(Power, name),
                        field_name=name, old=item,
                    )  # fmt: skip
            for item in ys:
                if item not in xs:
                    self.add(
                        "D106", entity, old_gid=a, new_gid=b, field=field_names(Power, name),
                        field_name=name, new=item,
                    )  # fmt: skip
        self.flowcharts(p, q)
        self.risk_points(p, q)

    # -------------------------------------------------------------- flowcharts
    def flowcharts(self, p: Power, q: Power) -> None:
        old = {fc.id: fc for fc in p.flowcharts}
        new = {fc.id: fc for fc in q.flowcharts}
        for fc in p.flowcharts:
            if fc.id not in new:
                self.add("D112", f"{q.id}/{fc.id}", old_gid=fc.gid, title=fc.title)
        for fc in q.flowcharts:
            before = old.get(fc.id)
            if before is None:
                self.add("D111", fc.gid, new_gid=fc.gid, title=fc.title)
            elif before != fc:
                self.flowchart(before, fc)

    def flowchart(self, f: Flowchart, g: Flowchart) -> None:
        if f.title != g.title:
            self.add("D113", g.gid, old_gid=f.gid, new_gid=g.gid, old=f.title, new=g.title)
        old = {s.id: s for s in f.steps}
        new = {s.id: s for s in g.steps}
        for s in f.steps:
            if s.id not in new:
                self.add("D115", f"{g.gid}/{s.id}", old_gid=s.gid, label=s.label)
        for s in g.steps:
            before = old.get(s.id)
            if before is None:
                self.add("D114", s.gid, new_gid=s.gid, label=s.label)
            elif before != s:
                self.step(before, s)
        self.transitions(f, g)

    def step(self, s: Step, t: Step) -> None:
        a, b = s.gid, t.gid
        if s.label != t.label:
            self.add("D116", b, old_gid=a, new_gid=b, old=s.label, new=t.label)
        if s.days != t.days:
            self.add(
                "D117", b, old_gid=a, new_gid=b, old=shown_value(s.days), new=shown_value(t.days)
            )
        for name in _STEP_FIELDS:
            x, y = getattr(s, name), getattr(t, name)
            if x != y:
                self.field("D118", Step, b, name, x, y, a, b)

    def transitions(self, f: Flowchart, g: Flowchart) -> None:
        def ends(fc: Flowchart) -> dict[tuple[str, str], tuple[int, str | None]]:
            out: dict[tuple[str, str], tuple[int, str | None]] = {}
            for i, t in enumerate(fc.transitions):
                out.setdefault((t.source, t.target), (i, t.when))
            return out

        old, new = ends(f), ends(g)
        for (src, dst), (i, _) in old.items():
            if (src, dst) not in new:
                name = f"{g.gid}/{src}->{dst}"
                self.add("D120", name, old_gid=transition_key(f.gid, i))
        for (src, dst), (j, when) in new.items():
            name = f"{g.gid}/{src}->{dst}"
            key = transition_key(g.gid, j)
            if (src, dst) not in old:
                self.add("D119", name, new_gid=key)
            else:
                i, was = old[(src, dst)]
                if was != when:
                    self.add(
                        "D121",
                        name,
                        old_gid=transition_key(f.gid, i),
                        new_gid=key,
                        old=shown_value(was),
                        new=shown_value(when),
                    )

    # -------------------------------------------------------------- risk points
    def risk_points(self, p: Power, q: Power) -> None:
        new_by_id = {r.id: r for r in q.risk_points}
        old_by_id = {r.id: r for r in p.risk_points}
        gone = [r for r in p.risk_points if r.id not in new_by_id]
        came = [r for r in q.risk_points if r.id not in old_by_id]
        by_text: dict[str, list[RiskPoint]] = {}
        for r in came:
            by_text.setdefault(_normal(r.description), []).append(r)
        moved: dict[str, RiskPoint] = {}  # new id -> old risk point of another id
        for r in gone:
            candidates = by_text.get(_normal(r.description))
            if candidates:
                moved[candidates.pop(0).id] = r
        matched_old = {r.id for r in moved.values()}
        for r in gone:
            if r.id not in matched_old:
                self.add(
                    "D132",
                    f"{q.id}/{r.id}",
                    old_gid=r.gid,
                    level=shown_value(r.level),
                    description=r.description,
                )
                if r.level is Level.HIGH:
                    self._high_removed(r, q.id)
        for r in q.risk_points:
            before = old_by_id.get(r.id) or moved.get(r.id)
            if before is None:
                self.add(
                    "D131",
                    r.gid,
                    new_gid=r.gid,
                    level=shown_value(r.level),
                    description=r.description,
                )
            elif before != r or before.id != r.id:
                self.risk_point(before, r)

    def risk_point(self, r: RiskPoint, s: RiskPoint) -> None:
        a, b = r.gid, s.gid
        if r.at != s.at or r.id != s.id:
            was = r.at if r.id == s.id else f"{r.at} ({r.id})"
            self.add("D133", b, old_gid=a, new_gid=b, old=was, new=s.at)
        if r.level != s.level:
            raised = s.level.rank > r.level.rank
            key = "D134" if raised else "D135"
            old_level, new_level = shown_value(r.level), shown_value(s.level)
            self.add(key, b, old_gid=a, new_gid=b, old=old_level, new=new_level)
            if not raised and s.reason is None:
                self.add("D201", b, old_gid=a, new_gid=b, old=old_level, new=new_level)
        for name in _RISK_FIELDS:
            x, y = getattr(r, name), getattr(s, name)
            if x != y:
                self.field("D136", RiskPoint, b, name, x, y, a, b)
        self.measures(r, s)

    def _high_removed(self, r: RiskPoint, power_id: str) -> None:
        self.add("D203", f"{power_id}/{r.id}", old_gid=r.gid, description=r.description)

    # -------------------------------------------------------------- countermeasures
    def measures(self, r: RiskPoint, s: RiskPoint) -> None:
        old = {m.id: m for m in r.countermeasures}
        new = {m.id: m for m in s.countermeasures}
        for m in r.countermeasures:
            if m.id not in new:
                self.add("D142", f"{s.gid}/{m.id}", old_gid=m.gid, description=m.description)
        for m in s.countermeasures:
            before = old.get(m.id)
            if before is None:
                self.add("D141", m.gid, new_gid=m.gid, description=m.description)
            elif before != m:
                self.measure(before, m)

    def measure(self, m: Countermeasure, n: Countermeasure) -> None:
        for name in _MEASURE_FIELDS:
            x, y = getattr(m, name), getattr(n, name)
            if x != y:
                self.field("D143", Countermeasure, n.gid, name, x, y, m.gid, n.gid)


def _longer(a: Limit | None, b: Limit | None) -> bool:
    """Whether limit ``b`` is longer than ``a`` (both known, compared in working days)."""
    if a is None or b is None:
        return False
    high_a = a.working_days()[1]
    low_b = b.working_days()[0]
    return low_b > high_a or (a.unit == b.unit and b.amount > a.amount)


def _positions(reg: Registry, prefix: str | None) -> Where:
    """Where each entity of an edition stands, its file named from the edition's label: a
    directory's path or ``git:REV:PATH`` before it, or, for a catalog (whose positions are
    those of the files it was exported from), ``powers/XK-001.yaml (in c.db)``, never a
    path through the catalog file that does not exist."""
    in_catalog = prefix is not None and Path(prefix).suffix == ".db" and Path(prefix).is_file()

    def where(gid: str) -> tuple[str, int] | None:
        at = reg.location(gid) or reg.location(gid.partition("#")[0])
        if at is None:
            return None
        if prefix is None:
            return at[0], at[1]
        if in_catalog:
            return kept_in(at[0], prefix), at[1]
        return f"{prefix.rstrip('/')}/{at[0]}", at[1]

    return where


def compare(
    old: Registry, new: Registry, *, old_label: str | None = None, new_label: str | None = None
) -> list[Problem]:
    """Every change from ``old`` to ``new``, as D-code problems in a stable order.

    ``old_label`` / ``new_label`` prefix the file names of each edition's positions (the
    path the user gave, or ``git:REV``), so two editions of the same files can be told
    apart.
    """
    return _Differ(old, new, _positions(old, old_label), _positions(new, new_label)).run()


def iter_codes(changes: Iterable[Problem]) -> Iterator[tuple[str, str | None]]:
    """``(code, entity)`` of each change: what a test compares."""
    return ((c.code, c.entity) for c in changes)
