"""What a member leaves behind for the cross-department rules: a compact summary.

A worker loads a member's registry, and before it lets go of it keeps only
:class:`MemberSummary`: its counts, how many of its high risk points a supervision or
technology countermeasure guards, and per power one :class:`PowerMark` — the power's
normalised name and legal basis as one key, its id, name, statutory limit, category name
and line. At 400 powers a department that is some 40 KB instead of some 10 MB.

Names and legal bases are compared after normalising what people write differently for
the same thing (:func:`name_key`, :func:`basis_key`): full-width and half-width forms,
spaces, letter case, the order of the provisions, and the 中华人民共和国 that some write
in a law's title and others leave out.

Examples:
    >>> import powerreg
    >>> s = summarise(powerreg.load("examples/minimal"))
    >>> s.powers, s.high_risks, s.high_covered, round(s.coverage, 2)
    (2, 3, 3, 1.0)
    >>> s.marks[1].pid, s.marks[1].statutory, s.marks[1].category
    ('XK-001', '30 个工作日', '行政许可')
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from ..model import Level, MeasureKind, Registry, Stats

#: Countermeasures that watch an act as it happens or after: what A303 and A503 ask for.
WATCHING = frozenset({MeasureKind.SUPERVISION, MeasureKind.TECHNOLOGY})

_SPACE = re.compile(r"\s+")
_PRC = "中华人民共和国"

#: Between the name and the legal basis in a power's key (a character no text holds).
KEY_SEPARATOR = "\x1f"


def name_key(name: str) -> str:
    """A power's name as compared across departments: NFKC, no spaces, case folded.

    Examples:
        >>> name_key("建设项目环境影响报告表 审批") == name_key("建设项目环境影响报告表审批")
        True
        >>> name_key("ＥＩＡ Approval")
        'eiaapproval'
    """
    return _SPACE.sub("", unicodedata.normalize("NFKC", name)).casefold()


def basis_key(basis: Iterable[str]) -> str:
    """A legal basis as compared across departments: each provision normalised as
    :func:`name_key` does, 中华人民共和国 dropped from a law's title, the provisions
    sorted and joined with ``；``.

    Examples:
        >>> a = basis_key(["《中华人民共和国环境影响评价法》第二十二条", "《行政许可法》"])
        >>> b = basis_key(["《行政许可法》", "《环境影响评价法》 第二十二条"])
        >>> a == b, a
        (True, '《环境影响评价法》第二十二条；《行政许可法》')
    """
    items = {name_key(b).replace("《" + _PRC, "《") for b in basis}
    return "；".join(sorted(items))


class PowerMark(NamedTuple):
    """One power as the cross-department rules see it."""

    #: normalised name and legal basis, joined: two powers with one key are "the same"
    key: str
    pid: str
    name: str
    #: the statutory limit as written (``30 个工作日``), or ``None`` if it states none
    statutory: str | None
    #: the name of its category (行政许可): codes are each registry's own
    category: str
    line: int
    column: int


@dataclass
class MemberSummary:
    """A member registry reduced to what the roll-up keeps of it."""

    registry: str
    department: str
    year: int
    stats: Stats
    high_risks: int
    #: high risk points with a supervision or technology countermeasure
    high_covered: int
    marks: list[PowerMark] = field(default_factory=list)

    @property
    def powers(self) -> int:
        """Number of powers."""
        return self.stats.powers

    @property
    def coverage(self) -> float | None:
        """Share of high risk points a supervision or technology measure guards; ``None``
        without high risk points."""
        return self.high_covered / self.high_risks if self.high_risks else None


def summarise(registry: Registry) -> MemberSummary:
    """The summary of one member registry (see the module's description)."""
    marks: list[PowerMark] = []
    names = {c.code: c.name for c in registry.categories}
    high = covered = 0
    for pid in sorted(registry.powers):
        p = registry.powers[pid]
        _, line, column = registry.location(pid) or ("", 0, 0)
        marks.append(
            PowerMark(
                f"{name_key(p.name)}{KEY_SEPARATOR}{basis_key(p.legal_basis)}",
                pid,
                p.name,
                None if p.statutory_limit is None else str(p.statutory_limit),
                names.get(p.category, p.category),
                line,
                column,
            )
        )
        for r in p.risk_points:
            if r.level == Level.HIGH:
                high += 1
                covered += any(m.kind in WATCHING for m in r.countermeasures)
    return MemberSummary(
        registry=registry.id,
        department=registry.department,
        year=registry.year,
        stats=registry.stats(),
        high_risks=high,
        high_covered=covered,
        marks=marks,
    )
