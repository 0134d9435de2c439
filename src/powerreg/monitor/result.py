"""The result of a replay: cases, deviations, alerts and rows left out; a summary per
power; and the formats people and machines read (text, JSON, Markdown, pandas).
"""

from __future__ import annotations

import io
import json
import os
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal, TextIO

from ..codes import render
from ..collector import gc_paused
from ..errors import Problem
from ..formats import json_items
from ..lang import Lang, default_lang
from ..textsafe import md_cell as _md
from ..textsafe import one_line
from .caseevents import CaseEvents, unpack_time
from .chartindex import ChartIndex
from .findings import (
    ALERT_CODES,
    DEVIATION_CODES,
    LEVEL_RANK,
    Alert,
    CaseResult,
    Deviation,
)
from .output import CHUNK, Formatter
from .powersummary import RISKIEST, PowerSummary, StepHits, Tally
from .records import as_problem, finding_params, step_text

if TYPE_CHECKING:
    from ..model import Registry

#: What ``--fail-on`` may name: red cards, yellow or red cards, or any deviation or card.
FailOn = Literal["red", "yellow", "deviation", "never"]

#: The codes each ``--fail-on`` level fails on.
FAIL_CODES: dict[str, frozenset[str]] = {
    "red": frozenset({"M203"}),
    "yellow": frozenset({"M202", "M203"}),
    "deviation": frozenset({*DEVIATION_CODES, "M202", "M203"}),
}


@dataclass
class MonitorResult:
    """Every case of a log replayed on its flowchart, with the rows left out.

    ``cases`` keep the log's order of first appearance; ``problems`` are the rows left
    out (M001–M007), by line; ``after_as_of`` counts events later than ``as_of``, which
    the replay leaves out (the log as it stood at the end of that day).
    """

    registry: Registry
    source: str
    cases: list[CaseResult]
    problems: list[Problem]
    rows: int
    charts: dict[tuple[str, str], ChartIndex]
    as_of: date | None = None
    after_as_of: int = 0
    lang: Lang = field(default_factory=default_lang)

    # ------------------------------------------------------------------ views

    @property
    def events(self) -> int:
        """Events replayed."""
        return sum(len(c.events) for c in self.cases)

    @property
    def deviations(self) -> list[Deviation]:
        """Every deviation, case by case."""
        return [d for c in self._flagged for d in c.deviations]

    @property
    def alerts(self) -> list[Alert]:
        """Every alert, case by case."""
        return [a for c in self._flagged for a in c.alerts]

    @property
    def _flagged(self) -> list[CaseResult]:
        """In the log's order, the cases among which are all those with a finding or a
        line lost (here every case; a result replayed in bulk gives just those)."""
        return self.cases

    def case(self, case_id: str) -> CaseResult:
        """The result of one case; ``KeyError`` if the log has no such case."""
        for c in self.cases:
            if c.case_id == case_id:
                return c
        raise KeyError(case_id)

    def chart_of(self, finding: Deviation | Alert | CaseResult) -> ChartIndex:
        """The compiled chart a finding or case was replayed on."""
        return self.charts[(finding.power_id, finding.flowchart_id)]

    def problem(self, finding: Deviation | Alert) -> Problem:
        """A deviation or an alert as the one diagnostic record (an M code at its line
        of the log), its message rendered when shown."""
        as_of, lost = self._context(finding)
        return as_problem(finding, self.chart_of(finding), self.source, as_of=as_of, lost=lost)

    def _context(self, finding: Deviation | Alert) -> tuple[date | None, tuple[int, ...]]:
        """What a finding's message says besides the finding: the ``as_of`` of an alert
        of a case still open, and the lines its case lost."""
        as_of = None
        if isinstance(finding, Alert) and self.as_of is not None:
            case = self._by_id[finding.case_id]
            last = len(case.events) - 1
            if case.status == "open" and (finding.scope == "case" or finding.position == last):
                as_of = self.as_of
        lost = self._by_id[finding.case_id].lost if self._incomplete else ()
        return as_of, lost

    def message(self, finding: Deviation | Alert, lang: Lang | None = None) -> str:
        """The message of a finding, in ``lang`` (default: the result's): the message of
        :meth:`problem`, rendered without making the record."""
        lang = lang or self.lang
        as_of, lost = self._context(finding)
        key, params = finding_params(
            finding, self.chart_of(finding), as_of=as_of, lost=lost, lang=lang
        )
        params["entity"] = finding.case_id
        return render(key, lang, params)

    def line(self, finding: Deviation | Alert, lang: Lang | None = None) -> str:
        """``FILE:LINE: CODE message``: :meth:`problem`'s diagnostic line.

        Examples:
            >>> import powerreg
            >>> from powerreg.monitor import monitor
            >>> r = monitor("examples/cases/cases.csv", powerreg.load_reference())
            >>> all(r.line(f, "zh") == r.problem(f).as_line("zh") for f in r.findings())
            True
        """
        where = one_line(self.source)
        if finding.line:
            where = f"{where}:{finding.line}"
        return f"{where}: {finding.code} {self.message(finding, lang)}"

    @cached_property
    def _incomplete(self) -> bool:
        """Whether any case lost rows."""
        return any(c.lost for c in self._flagged)

    @cached_property
    def _by_id(self) -> dict[str, CaseResult]:
        """The cases with a finding or a line lost (and maybe others) by id."""
        return {c.case_id: c for c in self._flagged}

    def findings(self) -> list[Deviation | Alert]:
        """Deviations and alerts together, in the order of the log's lines."""
        out: list[Deviation | Alert] = [*self.deviations, *self.alerts]
        order = {c.case_id: i for i, c in enumerate(self._flagged)}
        out.sort(key=lambda f: (f.line or 0, order[f.case_id], f.code))
        return out

    def fails(self, fail_on: FailOn) -> bool:
        """Whether a finding reaches ``fail_on``: ``red`` a red card (M203), ``yellow`` a
        yellow or red card (M202, M203), ``deviation`` any of those or a deviation
        (M101–M104); ``never`` never. Warnings (M201) alone never fail.

        Examples:
            >>> import powerreg
            >>> from powerreg.monitor import monitor
            >>> r = monitor("examples/cases/cases.csv", powerreg.load_reference())
            >>> [r.fails(f) for f in ("red", "yellow", "deviation", "never")]
            [True, True, True, False]
        """
        if fail_on == "never":
            return False
        codes = FAIL_CODES[fail_on]
        return any(
            any(d.code in codes for d in c.deviations) or any(a.code in codes for a in c.alerts)
            for c in self._flagged
        )

    # ------------------------------------------------------------------ summary

    @cached_property
    def powers(self) -> list[PowerSummary]:
        """A summary per power that has cases, in power id order."""
        counts, tallies = self._counts(), self._tallies()
        none = Tally()
        return [self._summarise(pid, counts[pid], tallies.get(pid, none)) for pid in sorted(counts)]

    def _counts(self) -> dict[str, tuple[int, int, int, int, int]]:
        """Per power with cases: its cases, the closed ones, those that fit, the closed
        ones with a limit, and those of them on time."""
        out: dict[str, list[int]] = {}
        for c in self.cases:
            got = out.get(c.power_id)
            if got is None:
                got = out[c.power_id] = [0, 0, 0, 0, 0]
            # CaseResult.fits and .on_time, without a call per case
            shut = c.status == "closed"
            got[0] += 1
            got[1] += shut
            got[2] += not c.deviations and not c.lost
            if shut and c.limit is not None:
                got[3] += 1
                got[4] += c.elapsed <= c.limit
        return {pid: (a, b, c, d, e) for pid, (a, b, c, d, e) in out.items()}

    def _tallies(self) -> dict[str, Tally]:
        """Per power with findings: its findings counted (:class:`Tally`)."""
        out: dict[str, Tally] = {}
        for c in self._flagged:
            if not c.deviations and not c.alerts:
                continue
            tally = out.get(c.power_id)
            if tally is None:
                tally = out[c.power_id] = Tally()
            self._tally_deviations(c.deviations, tally)
            alerts, step_alerts = tally.alerts, tally.step_alerts
            for a in c.alerts:
                alerts[a.code] += 1
                if a.step is not None:
                    step_alerts[(a.flowchart_id, a.step)] += 1
        return out

    def _tally_deviations(
        self, deviations: Iterable[Deviation], tally: Tally, times: int = 1
    ) -> None:
        """Count ``deviations`` (of one power), each ``times`` over, into ``tally``."""
        devs, step_devs = tally.deviations, tally.step_deviations
        for d in deviations:
            devs[d.code] += times
            chart = self.chart_of(d)
            touched = {s for s in (d.step, *d.steps) if s is not None and s in chart.steps}
            for s in touched:
                step_devs[(d.flowchart_id, s)] += times

    def _summarise(
        self, pid: str, counts: tuple[int, int, int, int, int], tally: Tally
    ) -> PowerSummary:
        """The summary of power ``pid`` from its ``counts`` (:meth:`_counts`) and its
        findings counted (:meth:`_tallies`)."""
        devs, alerts = tally.deviations, tally.alerts
        step_devs, step_alerts = tally.step_deviations, tally.step_alerts
        n, closed, fits, timed, on_time = counts
        hits = []
        for fid, s in set(step_devs) | set(step_alerts):
            chart = self.charts[(pid, fid)]
            hits.append(
                StepHits(
                    f"{pid}/{fid}/{s}",
                    chart.labels[s],
                    step_devs[(fid, s)],
                    step_alerts[(fid, s)],
                    chart.risks.get(s, ()),
                )
            )
        hits.sort(key=lambda h: (-h.hits, -LEVEL_RANK.get(h.risk_level or "", -1), h.step))
        power = self.registry.powers[pid]
        return PowerSummary(
            power_id=pid,
            name=power.name,
            cases=n,
            closed=closed,
            open=n - closed,
            fits=fits,
            timed=timed,
            on_time=on_time,
            deviations={k: devs[k] for k in DEVIATION_CODES if devs[k]},
            alerts={k: alerts[k] for k in ALERT_CODES if alerts[k]},
            riskiest=tuple(hits[:RISKIEST]),
        )

    @property
    def totals(self) -> dict[str, Any]:
        """Figures over every power."""
        ps = self.powers
        timed = sum(p.timed for p in ps)
        on_time = sum(p.on_time for p in ps)
        devs: Counter[str] = Counter()
        alerts: Counter[str] = Counter()
        for p in ps:
            devs.update(p.deviations)
            alerts.update(p.alerts)
        return {
            "rows": self.rows,
            "rows_left_out": len(self.problems),
            "events": self.events,
            "events_after_as_of": self.after_as_of,
            "cases": sum(p.cases for p in ps),
            "powers": len(ps),
            "closed": sum(p.closed for p in ps),
            "open": sum(p.open for p in ps),
            "fits": sum(p.fits for p in ps),
            "incomplete": sum(1 for c in self._flagged if c.lost) if self._incomplete else 0,
            "timed": timed,
            "on_time": on_time,
            "on_time_rate": on_time / timed if timed else None,
            "deviations": {k: devs[k] for k in DEVIATION_CODES if devs[k]},
            "alerts": {k: alerts[k] for k in ALERT_CODES if alerts[k]},
        }

    def sentence(self, lang: Lang | None = None) -> str:
        """One line that says it all."""
        t = self.totals
        lang = lang or self.lang
        rate = _pct(t["on_time_rate"])
        n_dev, n_alert = sum(t["deviations"].values()), sum(t["alerts"].values())
        red = t["alerts"].get("M203", 0)
        lacking = t["incomplete"]
        if lang == "zh":
            return (
                f"{t['powers']} 项事项 {t['cases']} 件办件（{t['events']} 条事件，"
                f"剔除 {t['rows_left_out']} 行）：{t['fits']} 件完全按流程运行；"
                + (f"{lacking} 件记录不全（有行被剔除）；" if lacking else "")
                + f"偏离 {n_dev} 处，预警及亮牌 {n_alert} 次（红牌 {red}）；"
                f"按时办结 {t['on_time']}/{t['timed']}（{rate}）"
            )
        return (
            f"{t['cases']} {_plural(t['cases'], 'case')} of {t['powers']} "
            f"{_plural(t['powers'], 'power')} ({t['events']} {_plural(t['events'], 'event')}, "
            f"{t['rows_left_out']} {_plural(t['rows_left_out'], 'row')} left out): "
            f"{t['fits']} followed their flowchart; "
            + (f"{lacking} incomplete (rows left out); " if lacking else "")
            + f"{n_dev} "
            f"{_plural(n_dev, 'deviation')}, {n_alert} {_plural(n_alert, 'alert')} "
            f"({red} red {_plural(red, 'card')}); on time {t['on_time']} of "
            f"{t['timed']} closed ({rate})"
        )

    # ------------------------------------------------------------------ formats

    def to_text(self, lang: Lang | None = None) -> str:
        """One line per deviation or alert (``FILE:LINE: CODE message``), the table of
        powers, then the sentence. Rows left out are in :attr:`problems`
        (:meth:`write_text` writes the same text)."""
        out = io.StringIO()
        self.write_text(out, lang)
        return out.getvalue()

    def write_text(self, out: TextIO, lang: Lang | None = None) -> None:
        """Write :meth:`to_text`'s text to ``out``, the findings' lines some thousands at
        a time: a big log's report never stands in memory as one string, nor as a
        string a line.

        Examples:
            >>> import io, powerreg
            >>> from powerreg.monitor import monitor
            >>> r = monitor("examples/cases/cases.csv", powerreg.load_reference())
            >>> out = io.StringIO()
            >>> r.write_text(out, "en")
            >>> out.getvalue() == r.to_text("en")
            True
        """
        lang = lang or self.lang
        with gc_paused():
            wrote = False
            for part in self._finding_parts(Formatter(self, lang)):
                if wrote:
                    out.write("\n")
                out.write(part)
                wrote = True
            if wrote:
                out.write("\n\n")
            out.write("\n".join(self._table_lines(lang)))

    def _table_lines(self, lang: Lang) -> list[str]:
        """The lines after the findings': the table of powers, then the sentence."""
        lines: list[str] = []
        head = (
            f"{'power':<8} {'cases':>6} {'open':>5} {'fit':>6} {'on time':>8}  "
            + " ".join(f"{c:>5}" for c in (*DEVIATION_CODES, *ALERT_CODES))
            + "  riskiest step"
        )
        lines.append(head)
        for p in self.powers:
            counts = {**p.deviations, **p.alerts}
            top = p.riskiest[0] if p.riskiest else None
            risky = (
                f"{top.step} {top.label} ({top.hits}"
                + (f", {top.risk_level}" if top.risk_level else "")
                + ")"
                if top
                else "-"
            )
            lines.append(
                f"{p.power_id:<8} {p.cases:>6} {p.open:>5} {p.fits:>6} {_pct(p.on_time_rate):>8}  "
                + " ".join(f"{counts.get(c, 0):>5}" for c in (*DEVIATION_CODES, *ALERT_CODES))
                + f"  {risky}"
            )
        lines += ["", self.sentence(lang)]
        return lines

    def _finding_parts(self, fmt: Formatter) -> Iterator[str]:
        """:meth:`line` of each finding, in :meth:`findings`' order, joined by newlines
        some thousands at a time (no part empty)."""
        line = fmt.line
        findings = self.findings()
        for i in range(0, len(findings), CHUNK):
            yield "\n".join([line(f) for f in findings[i : i + CHUNK]])

    def to_dict(self, lang: Lang | None = None) -> dict[str, Any]:
        """Plain data: registry, source, as_of, totals, powers, rows left out, cases."""
        lang = lang or self.lang
        with gc_paused():
            return {**self._head(lang), "cases": [self._case_dict(c, lang) for c in self.cases]}

    def _head(self, lang: Lang) -> dict[str, Any]:
        """:meth:`to_dict` but the cases."""
        return {
            "registry": self.registry.id,
            "source": self.source,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "totals": self.totals,
            "powers": [p.to_dict() for p in self.powers],
            "problems": json_items(self.problems, lang),
        }

    def _case_dict(self, c: CaseResult, lang: Lang) -> dict[str, Any]:
        events = c.events
        if isinstance(events, CaseEvents):  # the times without making the events
            started, last = unpack_time(events.first_time), unpack_time(events.last_time)
        else:
            started, last = events[0].time, events[-1].time
        return {
            "case_id": c.case_id,
            "power_id": c.power_id,
            "flowchart_id": c.flowchart_id,
            "flowchart_inferred": c.inferred,
            "status": c.status,
            "started": started.isoformat(),
            "ended": last.isoformat() if c.status == "closed" else None,
            "events": len(events),
            "elapsed_days": c.elapsed,
            "limit_days": c.limit,
            "on_time": c.on_time,
            "fits": c.fits,
            "incomplete": c.incomplete,
            "lines_left_out": list(c.lost),
            "deviations": [self.deviation_dict(d, lang) for d in c.deviations],
            "alerts": [self.alert_dict(a, lang) for a in c.alerts],
        }

    def deviation_dict(self, d: Deviation, lang: Lang | None = None) -> dict[str, Any]:
        """One deviation as plain data, with its message."""
        return {
            "code": d.code,
            "case_id": d.case_id,
            "line": d.line,
            "position": d.position,
            "step": d.step,
            "source": d.source,
            "kind": d.kind,
            "steps": list(d.steps),
            "on_every_path": d.on_every_path,
            "risk_points": [{"id": r.id, "level": r.level, "step": r.step} for r in d.risk_points],
            "message": self.message(d, lang),
        }

    def alert_dict(self, a: Alert, lang: Lang | None = None) -> dict[str, Any]:
        """One alert as plain data, with its message."""
        return {
            "code": a.code,
            "card": a.card,
            "case_id": a.case_id,
            "scope": a.scope,
            "step": a.step,
            "line": a.line,
            "position": a.position,
            "elapsed_days": a.elapsed,
            "limit_days": a.limit,
            "date": a.date.isoformat(),
            "risk_points": [{"id": r.id, "level": r.level, "step": r.step} for r in a.risk_points],
            "message": self.message(a, lang),
        }

    def to_json(self, lang: Lang | None = None) -> str:
        """:meth:`to_dict` as JSON text (:meth:`write_json` writes the same text)."""
        out = io.StringIO()
        self.write_json(out, lang)
        return out.getvalue()

    def write_json(self, out: TextIO, lang: Lang | None = None) -> None:
        """Write :meth:`to_json`'s text to ``out`` a case at a time: a million events
        never stand in memory as one document, only as the result itself. The document
        is indented down to the list of cases; each case is one line (the indenting
        encoder is Python's slow one, and a log of 100,000 cases would wait on it).

        Examples:
            >>> import io, json, powerreg
            >>> from powerreg.monitor import monitor
            >>> r = monitor("examples/cases/cases.csv", powerreg.load_reference())
            >>> out = io.StringIO()
            >>> r.write_json(out, "en")
            >>> out.getvalue() == r.to_json("en"), json.loads(out.getvalue()) == r.to_dict("en")
            (True, True)
        """
        lang = lang or self.lang
        with gc_paused():
            head = json.dumps(self._head(lang), ensure_ascii=False, indent=2)
            raw = _utf8_bytes(out)
            chunks = self._cases_json(Formatter(self, lang), raw is not None)
            first = next(chunks, None)
            if first is None:
                out.write(head[:-2] + ',\n  "cases": []\n}')
                return
            out.write(head[:-2] + ',\n  "cases": [\n    ')
            part: str | Any = first
            while part is not None:
                if isinstance(part, str):
                    out.write(part)
                else:  # the text as UTF-8 already: to the bytes under the text stream
                    assert raw is not None
                    out.flush()
                    raw.write(part)
                part = next(chunks, None)
                if part is not None:
                    out.write(",\n    ")
            out.write("\n  ]\n}")

    def _cases_json(self, fmt: Formatter, raw: bool) -> Iterator[str | Any]:
        """The JSON lines of the cases (:meth:`Formatter.case_json`), joined a few
        thousand at a time (few writes, and never the whole document): each a ``str``,
        or (if ``raw``) maybe a buffer of its UTF-8 bytes."""
        cases = self.cases
        for i in range(0, len(cases), CHUNK):
            yield ",\n    ".join([fmt.case_json(c) for c in cases[i : i + CHUNK]])

    def to_markdown(self, lang: Lang | None = None) -> str:
        """A report a person reads: the sentence and the table of powers first, then the
        findings by power and case, then the rows left out."""
        with gc_paused():
            return self._markdown(lang or self.lang)

    def _markdown(self, lang: Lang) -> str:
        when = f", as of {self.as_of.isoformat()}" if self.as_of else ""
        out = [
            f"# Electronic supervision (电子监察) of {_md(self.source)}{when}",
            "",
            self.sentence(lang) + ("。" if lang == "zh" else "."),
            "",
            "| power | name | cases | open | fit | on time | deviations | alerts | riskiest steps"
            " |",
            "|---|---|---:|---:|---:|---:|---|---|---|",
        ]
        for p in self.powers:
            devs = ", ".join(f"{k} {v}" for k, v in p.deviations.items()) or "–"
            alerts = ", ".join(f"{k} {v}" for k, v in p.alerts.items()) or "–"
            risky = (
                "<br>".join(
                    f"{h.step} {_md(h.label)} ({h.hits}"
                    + (f", **{h.risk_level}**" if h.risk_level else "")
                    + ")"
                    for h in p.riskiest
                )
                or "–"
            )
            out.append(
                f"| {p.power_id} | {_md(p.name)} | {p.cases} | {p.open} | {p.fits} | "
                f"{_pct(p.on_time_rate)} | {devs} | {alerts} | {risky} |"
            )
        out += ["", "## Deviations and alerts by power", ""]
        groups: dict[str, list[Deviation | Alert]] = {}
        for f in self.findings():
            groups.setdefault(f.power_id, []).append(f)
        if not groups:
            out.append("None: every case followed its flowchart within its time limits.")
        message = Formatter(self, lang).message
        for pid in sorted(groups):
            out += [f"### {pid} {_md(self.registry.powers[pid].name)}", ""]
            for f in groups[pid]:
                out.append(f"- **{f.code}** line {f.line}: {_md(message(f))}")
            out.append("")
        if self.problems:
            out += ["## Rows left out", ""]
            out += [f"- **{p.code}** line {p.line}: {_md(p.message(lang))}" for p in self.problems]
        return "\n".join(out).rstrip() + "\n"

    def to_pandas(self, lang: Lang | None = None) -> Any:
        """Deviations and alerts as a ``pandas.DataFrame`` (extra ``notebook``), one row
        each, in the order of the log's lines."""
        try:
            import pandas as pd
        except ImportError as err:  # pragma: no cover - depends on the extra
            from ..errors import UsageError

            raise UsageError("monitor.pandas_missing") from err
        cols = ["code", "case_id", "power_id", "flowchart_id", "step", "line", "risk_level"]
        rows = []
        for f in self.findings():
            chart = self.chart_of(f)
            rows.append(
                [
                    f.code,
                    f.case_id,
                    f.power_id,
                    f.flowchart_id,
                    f.step,
                    f.line,
                    f.risk_level,
                    step_text(chart, f.step) if f.step else None,
                    self.message(f, lang),
                ]
            )
        return pd.DataFrame(rows, columns=[*cols, "step_label", "message"])


def _utf8_bytes(out: TextIO) -> Any:
    """The binary stream under the text stream ``out`` if ``out`` writes text as strict
    UTF-8 (a file or standard output, say) on a system whose lines end in ``\\n``;
    else None. (A stream opened with another ``newline`` would get ``\\n`` between
    the cases from the bytes written under it.)

    Examples:
        >>> import io, sys
        >>> _utf8_bytes(io.StringIO()) is None
        True
        >>> raw = io.BytesIO()
        >>> _utf8_bytes(io.TextIOWrapper(raw, encoding="utf-8")) is raw
        True
        >>> _utf8_bytes(io.TextIOWrapper(io.BytesIO(), encoding="latin-1")) is None
        True
    """
    raw = getattr(out, "buffer", None)
    encoding = str(getattr(out, "encoding", "") or "").lower().replace("-", "").replace("_", "")
    strict = getattr(out, "errors", "strict") == "strict"
    if raw is None or encoding != "utf8" or not strict or os.linesep != "\n":
        return None
    return raw


def _pct(rate: float | None) -> str:
    return "–" if rate is None else f"{rate:.1%}"


def _plural(n: int, word: str) -> str:
    return word if n == 1 else f"{word}s"
