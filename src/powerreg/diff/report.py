"""What a diff tells its readers: the changes, the sentence for the notice (变更公示),
and the same as text, Markdown or JSON.

Examples:
    >>> d = Diff([])
    >>> d.equal, d.summary("zh"), d.summary("en")
    (True, '本次无调整。', 'No changes.')
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..errors import Problem
from ..formats import json_items, markdown_item
from ..lang import Lang
from ..model import Flowchart, Registry
from ..render import change_source
from ..textsafe import md_cell


def _chart(
    reg: Registry | None, gid: str, changes: list[Problem], *, old: bool
) -> Flowchart | None:
    """The chart ``gid`` of one edition, following a re-numbered power back to its old id."""
    if reg is None:
        return None
    power_id, _, chart_id = gid.partition("/")
    if old:
        for c in changes:
            if c.code == "D104" and c.entity == power_id:
                power_id = str(c.params["old"])
    power = reg.powers.get(power_id)
    return next((fc for fc in power.flowcharts if fc.id == chart_id), None) if power else None


def _power_of(entity: str | None) -> str:
    return (entity or "").split("/")[0]


@dataclass
class Diff:
    """The changes from one edition to the next, D1xx changes and D2xx warnings."""

    changes: list[Problem]
    old: str = "old"
    new: str = "new"
    #: the two editions compared, when known (for drawing the changed charts)
    old_registry: Registry | None = field(default=None, repr=False, compare=False)
    new_registry: Registry | None = field(default=None, repr=False, compare=False)
    counts: Counter[str] = field(init=False)

    def __post_init__(self) -> None:
        self.counts = Counter(c.code for c in self.changes)

    @property
    def equal(self) -> bool:
        """Whether the two editions say the same."""
        return not self.changes

    @property
    def warnings(self) -> list[Problem]:
        """The changes a reviewer must look at (D2xx)."""
        return [c for c in self.changes if c.severity == "warning"]

    def figures(self) -> dict[str, int]:
        """The figures of the notice: powers added, removed and changed; risk points
        added and removed; levels raised and lowered; countermeasures added, removed
        and changed."""
        n = self.counts
        added_or_removed = {_power_of(c.entity) for c in self.changes if c.code in ("D101", "D102")}
        changed = {
            _power_of(c.entity)
            for c in self.changes
            if c.severity == "info" and _power_of(c.entity) not in added_or_removed
        }
        return {
            "powers_added": n["D101"],
            "powers_removed": n["D102"],
            "powers_changed": len(changed),
            "risks_added": n["D131"],
            "risks_removed": n["D132"],
            "levels_raised": n["D134"],
            "levels_lowered": n["D135"],
            "measures_added": n["D141"],
            "measures_removed": n["D142"],
            "measures_changed": len({c.entity for c in self.changes if c.code == "D143"}),
        }

    def summary(self, lang: Lang) -> str:
        """The sentence of the notice.

        Examples:
            >>> from powerreg.errors import problem
            >>> d = Diff([problem("D101", None, entity="XK-017", name="n"),
            ...           problem("D135", None, entity="XK-001/R2", old="高", new="中")])
            >>> d.summary("zh")
            '本次调整：新增行政权力1项、变更1项；风险等级下调1个。'
            >>> d.summary("en")
            'This edition: 1 power added, 1 changed; 1 risk level lowered.'
        """
        f = self.figures()
        if self.equal:
            return "本次无调整。" if lang == "zh" else "No changes."
        clauses = [
            ("行政权力", "项", "power", [("新增", "added", f["powers_added"]),
             ("取消", "removed", f["powers_removed"]), ("变更", "changed", f["powers_changed"])]),
            ("廉政风险点", "个", "risk point", [("新增", "added", f["risks_added"]),
             ("删除", "removed", f["risks_removed"])]),
            ("风险等级", "个", "risk level", [("上调", "raised", f["levels_raised"]),
             ("下调", "lowered", f["levels_lowered"])]),
            ("防范措施", "条", "countermeasure", [("新增", "added", f["measures_added"]),
             ("删除", "removed", f["measures_removed"]),
             ("修改", "changed", f["measures_changed"])]),
        ]  # fmt: skip
        shown = []
        for noun_zh, unit, noun_en, parts in clauses:
            words: list[str] = []
            for verb_zh, verb_en, n in parts:
                if not n:
                    continue
                first = not words
                if lang == "zh":
                    noun = noun_zh if first and noun_zh != "风险等级" else ""
                    words.append(f"{verb_zh}{noun}{n}{unit}")
                else:
                    noun = f" {noun_en}{'s' * (n != 1)}" if first else ""
                    words.append(f"{n}{noun} {verb_en}")
            if words:
                if lang == "zh" and noun_zh == "风险等级":
                    words[0] = noun_zh + words[0]
                shown.append(("、" if lang == "zh" else ", ").join(words))
        if lang == "zh":
            return "本次调整：" + "；".join(shown) + "。"
        return "This edition: " + "; ".join(shown) + "."

    def changed_charts(self) -> list[str]:
        """Global ids of the flowcharts whose steps or transitions changed, in order.

        Examples:
            >>> from powerreg.errors import problem
            >>> Diff([problem("D116", None, entity="XK-001/F1/S4", old="a", new="b"),
            ...       problem("D119", None, entity="XK-001/F1/S5->S4")]).changed_charts()
            ['XK-001/F1']
        """
        charts: dict[str, None] = {}
        for c in self.changes:
            if "D111" <= c.code <= "D121" and c.entity:
                charts.setdefault("/".join(c.entity.split("/")[:2]), None)
        return list(charts)

    def chart_sources(self) -> dict[str, str]:
        """The DOT text of each changed chart, drawn with its changes marked."""
        sources: dict[str, str] = {}
        for gid in self.changed_charts():
            before = _chart(self.old_registry, gid, self.changes, old=True)
            after = _chart(self.new_registry, gid, self.changes, old=False)
            sources[gid] = change_source(before, after, gid)
        return sources

    # -------------------------------------------------------------- formats
    def to_text(self, lang: Lang) -> str:
        """One line per change, ``FILE:LINE: CODE message (old: FILE:LINE)``, then the
        sentence."""
        lines = []
        for c in self.changes:
            line = c.as_line(lang)
            old_at, new_at = c.params.get("old_at"), c.params.get("new_at")
            if old_at and new_at:
                line += f" (old: {old_at})" if lang == "en" else f"（原：{old_at}）"
            lines.append(line)
        lines.append(self.summary(lang))
        return "\n".join(lines) + "\n"

    def to_markdown(self, lang: Lang) -> str:
        """A Markdown report: the sentence, the warnings, then every change."""
        title = "变更说明" if lang == "zh" else "Changes"
        out = [f"# {title}: {md_cell(self.old)} → {md_cell(self.new)}", "", self.summary(lang), ""]
        if self.warnings:
            out += ["## " + ("需复核" if lang == "zh" else "To review"), ""]
            out += [markdown_item(c, lang) for c in self.warnings] + [""]
        rest = [c for c in self.changes if c.severity != "warning"]
        if rest:
            out += ["## " + ("全部变更" if lang == "zh" else "All changes"), ""]
            out += [markdown_item(c, lang) for c in rest] + [""]
        return "\n".join(out).rstrip() + "\n"

    def to_json(self, lang: Lang) -> str:
        """The changes as JSON: the editions, the figures, the sentence, each change."""
        data: dict[str, Any] = {
            "old": self.old,
            "new": self.new,
            "equal": self.equal,
            "figures": self.figures(),
            "summary": self.summary(lang),
            "changes": json_items(self.changes, lang),
        }
        return json.dumps(data, ensure_ascii=False, indent=2)
