"""The text and JSON of a replay in bulk (:mod:`.bulkreplay`), made from its columns
without a record per case or per alert.

A million events make some 150,000 cases and 75,000 alerts; a record for each, and a
``str.format`` call for each alert's message, cost seconds. Here an alert is a row of
:class:`~.bulkreplay.AlertColumns`: the alerts that share a message's template (same
code, chart, step, and whether the case is still open on ``as_of``) share the record of
the first of them, whose template :class:`~.output.Formatter` makes as it makes every
template; the templates are then filled for all alerts at once with pyarrow (each
template cut at its fields, each field a column of text). Deviations likewise: those of
one kind (:class:`~.bulkdeviations.DeviationColumns`: same code, chart and steps) share
the record of the first of them. Case ids are escaped by ``json``'s own encoder, once a
case. What comes out is the formatter's text to the byte (tests/test_monitor_output.py).

The cases that lost lines (rows left out name them) have messages that list those
lines; a result with such cases does not come here (:class:`~.lazyresult.LazyResult` makes
the records of its cases with findings instead).

Examples:
    >>> import powerreg
    >>> from powerreg.monitor import monitor
    >>> fresh = monitor("examples/cases/cases.csv", powerreg.load_reference(), lang="en")
    >>> made = monitor("examples/cases/cases.csv", powerreg.load_reference(), lang="en")
    >>> text = fresh.to_text()  # from the columns: no record made
    >>> fresh._make is not None, text == made.to_text() if made.cases else None
    (True, True)
"""

from __future__ import annotations

import json
import string
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..codes import shown
from .bulkreplay import ALERT_CODES, AlertColumns, CaseColumns
from .caseevents import DAY_US, EPOCH_ORDINAL
from .findings import DEVIATION_CODES, Alert
from .output import _PLAIN, _STATUS, Formatter

if TYPE_CHECKING:
    from .bulkcolumns import Ints

_encode = json.encoder.encode_basestring  # a str as JSON, as json.dumps(ensure_ascii=False)
#: Each alert code's number, as the text orders findings (by code after line and case).
_ALERT_RANK = np.array([int(code[1:]) for code in ALERT_CODES], np.int64)
#: The deviations' codes by their numbers (1–4), and each one's number as a rank.
_DEVIATION_CODES = ("", *DEVIATION_CODES)
#: Cases whose line ends a JSON output makes at once (:class:`CaseLines`).
ENDS_BLOCK = 32_768
#: Findings whose lines a text output makes at once (:meth:`BulkOutput.line_parts`).
LINES_BLOCK = 65_536
_DEVIATION_RANK = np.array([0, *(int(code[1:]) for code in DEVIATION_CODES)], np.int64)


class BulkOutput:
    """The findings' lines and the cases' JSON of a replay in bulk, in one language
    (that of ``fmt``), from its columns."""

    def __init__(
        self,
        fmt: Formatter,
        cols: CaseColumns,
        alerts: AlertColumns,
        make: Callable[[int], Alert],
        as_of: date | None,
    ) -> None:
        self.fmt, self.cols, self.table = fmt, cols, alerts
        k, x = alerts.case, alerts.step
        still = np.zeros(len(k), bool)
        if as_of is not None:  # the alerts whose message says the case is still open
            still = ~cols.closed[k] & ((x < 0) | (alerts.position == cols.events[k] - 1))
        span = int(x.max()) + 2 if len(x) else 1
        key = ((cols.chart[k] * span + x + 1) * len(ALERT_CODES) + alerts.code) * 2 + still
        _, first, kind = np.unique(key, return_index=True, return_inverse=True)
        self.kind: Ints = kind.reshape(-1)
        # each kind of alert as the record of its first one
        self.kinds = [(make(i), bool(still[i])) for i in first.tolist()]
        # each kind of deviation as the record of its first one
        devs = self.devs = cols.deviations
        self.dev_kinds = devs.kinds()
        #: the JSON templates of the deviations' and the alerts' kinds (made when first
        #: asked for)
        self._json: tuple[_Filler, _Filler] | None = None

    # ------------------------------------------------------------------ text

    def line_parts(self) -> Iterator[str]:
        """:meth:`~.result.MonitorResult.line` of each finding, in the order of
        :meth:`~.result.MonitorResult.findings` (line, case, code; deviations before
        alerts, then as each case lists them), joined by newlines :data:`LINES_BLOCK`
        at a time: the order is found from the findings' numbers, and each block's lines
        are made as it is written (a big log's report is never in memory whole)."""
        fmt, t, devs = self.fmt, self.table, self.devs
        n_dev = len(devs.line)
        # findings() sorts by line (0 if none), case and code, stably
        order = np.lexsort(
            (
                np.arange(n_dev + len(t.line)),
                np.concatenate((_DEVIATION_RANK[devs.code], _ALERT_RANK[t.code])),
                np.concatenate((devs.case, t.case)),
                np.concatenate((devs.line, t.line)),
            )
        )
        dev_messages = _Filler([fmt.deviation_message(d) for d in self.dev_kinds])
        alert_messages = _Filler([fmt.alert_message(a, still) for a, still in self.kinds])
        dev_codes, alert_codes = pa.array(_DEVIATION_CODES), pa.array(ALERT_CODES)

        def case_text(case_id: str) -> str:
            return shown(case_id, fmt.lang)

        for lo in range(0, len(order), LINES_BLOCK):
            block = order[lo : lo + LINES_BLOCK]
            is_dev = block < n_dev
            d, a = block[is_dev], block[~is_dev] - n_dev
            dev_lines = _lines(
                fmt.where,
                devs.line[d],
                dev_codes.take(pa.array(devs.code[d])),
                dev_messages.fill(devs.kind[d], {"0": self._of_cases(devs.case[d], case_text)}),
            )
            alert_lines = _lines(
                fmt.where,
                t.line[a],
                alert_codes.take(pa.array(t.code[a])),
                alert_messages.fill(
                    self.kind[a],
                    {
                        "0": self._of_cases(t.case[a], case_text),
                        "1": _text(t.elapsed[a]),
                        "2": _text(t.limit[a]),
                        "3": _dates(t.day[a]),
                    },
                ),
            )
            # each line's place among the block's: its deviations', then its alerts'
            place = np.where(is_dev, np.cumsum(is_dev) - 1, len(d) + np.cumsum(~is_dev) - 1)
            part = pa.concat_arrays([dev_lines, alert_lines]).take(pa.array(place))
            whole = pa.ListArray.from_arrays(pa.array([0, len(part)], pa.int32()), part)
            yield pc.binary_join(whole, "\n")[0].as_py()

    # ------------------------------------------------------------------ JSON

    def ends(self, lo: int, hi: int) -> pa.Array:
        """The end of the JSON line of each case numbered ``lo`` to ``hi``, from
        ``"fits"`` on (:class:`CaseLines`): its deviations and alerts, filled in from
        their kinds' templates (the findings of the cases of the range only: the output
        is made a range at a time, never whole)."""
        fmt, devs, t = self.fmt, self.devs, self.table
        lang = fmt.lang
        if self._json is None:
            self._json = (
                _Filler([fmt.deviation_json(d) for d in self.dev_kinds]),
                _Filler([fmt.alert_json_template(a, still) for a, still in self.kinds]),
            )
        dev_json, alert_json = self._json
        d0, d1 = np.searchsorted(devs.case, (lo, hi)).tolist()
        a0, a1 = np.searchsorted(t.case, (lo, hi)).tolist()
        case_d, case_a = devs.case[d0:d1], t.case[a0:a1]
        position = t.position[a0:a1]
        items_d = dev_json.fill(
            devs.kind[d0:d1],
            {
                "0": self._of_cases(case_d, _encode),
                "1": _text(devs.line[d0:d1]),
                "2": _text(devs.position[d0:d1]),
                "3": self._of_cases(case_d, lambda c: _encode(shown(c, lang))[1:-1]),
            },
        )
        items_a = alert_json.fill(
            self.kind[a0:a1],
            {
                "0": self._of_cases(case_a, _encode),
                "1": _text(t.line[a0:a1]),
                "2": pc.if_else(pa.array(position >= 0), _text(position), "null"),
                "3": _text(t.elapsed[a0:a1]),
                "4": _text(t.limit[a0:a1]),
                "5": _dates(t.day[a0:a1]),
                "6": self._of_cases(case_a, lambda c: _encode(shown(c, lang))[1:-1]),
            },
        )
        fits = np.ones(hi - lo, np.int64)
        fits[case_d - lo] = 0
        start = '"fits": {}, "incomplete": false, "lines_left_out": [], "deviations": ['
        return pc.binary_join_element_wise(
            pa.array([start.format("false"), start.format("true")]).take(pa.array(fits)),
            _per_case_joined(hi - lo, case_d - lo, items_d),
            '], "alerts": [',
            _per_case_joined(hi - lo, case_a - lo, items_a),
            "]}",
            "",
        )

    # ------------------------------------------------------------------ helpers

    def _of_cases(self, ks: Ints, text: Callable[[str], str]) -> pa.Array:
        """``text`` of the id of each case numbered in ``ks``, made once a case."""
        cases, which = np.unique(ks, return_inverse=True)
        ids = self.cols.case_ids
        texts = pa.array([text(ids[k]) for k in cases.tolist()], pa.string())
        return texts.take(pa.array(which.reshape(-1)))


class CaseLines:
    """The JSON line of each case of a replay in bulk, as
    :meth:`~.output.Formatter.case_json` writes it, from the replay's columns, a range of
    the cases at a time (never the whole document): each piece of a line is kept as the
    texts it takes and which one each case takes, and ``ends`` gives the end of the
    lines of a range, from ``"fits"`` on (:meth:`BulkOutput.ends`, or :func:`ends_of`)."""

    def __init__(
        self, fmt: Formatter, cols: CaseColumns, ends: Callable[[int, int], pa.Array]
    ) -> None:
        self.cols, self.ends = cols, ends
        #: the ends of a block of cases, made a block at a time (fewer calls of pyarrow
        #: than a write's few thousand cases a time would make)
        self._block: tuple[int, int, pa.Array] = (0, 0, pa.array([], pa.string()))
        closed, limit, elapsed = cols.closed, cols.limit, cols.elapsed
        inferred = np.zeros(len(cols.case_ids), bool)
        inferred[list(cols.inferred)] = True
        kinds, kind = np.unique((cols.chart * 2 + closed) * 2 + inferred, return_inverse=True)
        middles = []
        for k in kinds.tolist():
            chart, rest = divmod(k, 4)
            middle = fmt._middle(
                cols.chart_power[chart], cols.chart_flowchart[chart], bool(rest % 2),
                _STATUS[rest // 2],
            )  # fmt: skip
            middles.append(f'{middle}, "started": "')
        # each piece made once per value it takes, with the text that follows it (a
        # text the same on every line, given to pyarrow's join, is copied to every line)
        on_time = np.where(closed & (limit >= 0), np.where(elapsed <= limit, 1, 2), 0)
        self.closed = closed
        self.middle = _Coded(pa.array(middles, pa.string()), kind.reshape(-1))
        self.started = _IsoTimes(fmt, cols.started, "", '", "ended": ')
        self.ended = _IsoTimes(fmt, cols.ended, '"', '", "events": ')
        self.numbers = [
            _each(cols.events, '{}, "elapsed_days": '),
            _each(elapsed, '{}, "limit_days": '),
            _each((limit + 1) * 3 + on_time, _limit_text),
        ]

    def __len__(self) -> int:
        return len(self.cols.case_ids)

    def lines(self, lo: int, hi: int) -> pa.Array:
        """The lines of the cases numbered ``lo`` to ``hi``."""
        ids = [f'{{"case_id": {_encode(c)}, ' for c in self.cols.case_ids[lo:hi]]
        return pc.binary_join_element_wise(
            pa.array(ids, pa.string()),
            self.middle.take(lo, hi),
            self.started.take(lo, hi),
            pc.if_else(pa.array(self.closed[lo:hi]), self.ended.take(lo, hi), 'null, "events": '),
            *(piece.take(lo, hi) for piece in self.numbers),
            self._ends(lo, hi),
            "",
        )

    def _ends(self, lo: int, hi: int) -> pa.Array:
        start, stop, ends = self._block
        if not (start <= lo and hi <= stop):
            start, stop = lo, max(hi, min(lo + ENDS_BLOCK, len(self)))
            ends = self.ends(start, stop)
            self._block = (start, stop, ends)
        return ends.slice(lo - start, hi - lo)


@dataclass(frozen=True)
class _Coded:
    """A column of text as the texts it takes and which one each row takes."""

    texts: pa.Array
    which: Ints

    def take(self, lo: int, hi: int) -> pa.Array:
        """The text of the rows numbered ``lo`` to ``hi``."""
        return self.texts.take(pa.array(self.which[lo:hi]))


class _IsoTimes:
    """``datetime.isoformat`` of packed times (:func:`~.caseevents.pack_time`), each
    between ``before`` and ``after``: each day and each time of day made once
    (:meth:`~.output.Formatter._time`), the text of a range of rows when asked for.

    Examples:
        >>> from datetime import datetime
        >>> from powerreg.monitor.caseevents import pack_time
        >>> ts = [datetime(2011, 10, 8, 9, 30), datetime(1, 1, 1, 0, 0, 0, 7)]
        >>> f = Formatter.__new__(Formatter)
        >>> f.days, f.clock = {}, {}
        >>> got = _IsoTimes(f, np.array([pack_time(t) for t in ts])).take(0, 2)
        >>> got.to_pylist() == [t.isoformat() for t in ts]
        True
    """

    def __init__(self, fmt: Formatter, packed: Ints, before: str = "", after: str = "") -> None:
        days, day = np.unique(packed // DAY_US, return_inverse=True)
        clocks, clock = np.unique(packed % DAY_US, return_inverse=True)
        texts = [fmt._time(c) for c in clocks.tolist()]  # day 0: 0001-01-01Thh:mm:ss
        self.day = _Coded(
            pa.array(
                [before + date.fromordinal(d + EPOCH_ORDINAL).isoformat() for d in days.tolist()],
                pa.string(),
            ),
            day.reshape(-1),
        )
        self.clock = _Coded(
            pa.array([t[10:] + after for t in texts], pa.string()), clock.reshape(-1)
        )

    def take(self, lo: int, hi: int) -> pa.Array:
        """The times of the rows numbered ``lo`` to ``hi``."""
        return pc.binary_join_element_wise(self.day.take(lo, hi), self.clock.take(lo, hi), "")


def _lines(where: str, line: Ints, code: pa.Array, message: pa.Array) -> pa.Array:
    """:meth:`~.result.MonitorResult.line` of findings by their line (0: none), code and
    message."""
    at = pc.if_else(
        pc.greater(pa.array(line), 0), pc.binary_join_element_wise(":", _text(line), ""), ""
    )
    return pc.binary_join_element_wise(where, at, ": ", code, " ", message, "")


def _per_case_joined(n: int, case: Ints, items: pa.Array) -> pa.Array:
    """The ``items`` of each of ``n`` cases joined by commas (empty for a case with
    none): ``case`` numbers the case of each, ascending.

    Examples:
        >>> _per_case_joined(3, np.array([0, 0, 2]), pa.array(["a", "b", "c"])).to_pylist()
        ['a, b', '', 'c']
    """
    counts = np.bincount(case, minlength=n)
    offsets = pa.array(np.concatenate(([0], np.cumsum(counts))).astype(np.int32))
    return pc.binary_join(pa.ListArray.from_arrays(offsets, items), ", ")


def _limit_text(v: int) -> str:
    """A case's limit and whether it closed on time (``(limit + 1) * 3 + on_time``:
    on time 0 if unknown, 1 if on time, 2 if late) as its JSON line has them."""
    limit = "null" if v < 3 else v // 3 - 1
    return f'{limit}, "on_time": {("null", "true", "false")[v % 3]}, '


def _each(ints: Ints, text: str | Callable[[int], str]) -> _Coded:
    """``text`` of each integer (``text.format`` if a string), made once per value.

    Examples:
        >>> _each(np.array([3, 1, 3]), "<{}>").take(0, 3).to_pylist()
        ['<3>', '<1>', '<3>']
    """
    values, which = np.unique(ints, return_inverse=True)
    made = text.format if isinstance(text, str) else text
    return _Coded(pa.array([made(v) for v in values.tolist()], pa.string()), which.reshape(-1))


def ends_of(tails: dict[int, str]) -> Callable[[int, int], pa.Array]:
    """The end of the JSON line of cases (:class:`CaseLines`), a range at a time:
    ``tails`` that of each case with findings or lines lost
    (:meth:`~.output.Formatter.tail`) by its number; every other case has none, and
    nothing lost.

    Examples:
        >>> ends_of({1: "x"})(0, 2).to_pylist() == [_PLAIN, "x"]
        True
    """

    def ends(lo: int, hi: int) -> pa.Array:
        return pa.array([tails.get(k, _PLAIN) for k in range(lo, hi)], pa.string())

    return ends


def _text(ints: Ints) -> pa.Array:
    """Integers as decimal text."""
    return pc.cast(pa.array(ints, pa.int64()), pa.string())


def _dates(ordinals: Ints) -> pa.Array:
    """``date.isoformat`` of proleptic ordinals.

    Examples:
        >>> _dates(np.array([date(2011, 10, 8).toordinal(), 1])).to_pylist()
        ['2011-10-08', '0001-01-01']
    """
    days, which = np.unique(np.asarray(ordinals, np.int64), return_inverse=True)
    texts = [date.fromordinal(d).isoformat() for d in days.tolist()]  # each day once
    return pa.array(texts, pa.string()).take(pa.array(which.reshape(-1)))


def _pieces(template: str) -> tuple[list[str], tuple[str, ...]]:
    """A ``str.format`` template cut at its fields: the texts between them (one more
    than the fields) and the fields' names.

    Examples:
        >>> _pieces("{{a}} {0}: {1}{0}")
        (['{a} ', ': ', '', ''], ('0', '1', '0'))
    """
    texts, names, text = [], [], ""
    for literal, name, spec, conversion in string.Formatter().parse(template):
        text += literal
        if name is None:
            continue
        if spec or conversion:  # pragma: no cover - the formatter's templates have none
            raise ValueError(f"template field {name!r} with a format: {template!r}")
        texts.append(text)
        names.append(name)
        text = ""
    texts.append(text)
    return texts, tuple(names)


def _fill(templates: list[str], kind: Ints, values: dict[str, pa.Array]) -> pa.Array:
    """``templates[kind[i]].format_map({name: values[name][i]})`` for every ``i``, in
    bulk (:class:`_Filler`).

    Examples:
        >>> got = _fill(["{0}-{1}", "<{1}{0}>"], np.array([0, 1, 0]),
        ...     {"0": pa.array(["a", "b", "c"]), "1": pa.array(["x", "y", "z"])})
        >>> got.to_pylist()
        ['a-x', '<yb>', 'c-z']
    """
    return _Filler(templates).fill(kind, values)


class _Filler:
    """``str.format`` templates cut once at their fields, to be filled many times: the
    rows of the templates that name the same fields in the same order are joined at
    once, a text the same in every template of a group given to the join as it is."""

    def __init__(self, templates: list[str]) -> None:
        cut = [_pieces(t) for t in templates]
        groups: dict[tuple[str, ...], list[int]] = {}
        for j, (_, names) in enumerate(cut):
            groups.setdefault(names, []).append(j)
        self.group = np.empty(len(templates), np.int64)
        self.local = np.empty(len(templates), np.int64)
        #: each group's field names and the texts between them (a text, or a column of
        #: the text in each of its templates)
        self.groups: list[tuple[tuple[str, ...], list[str | pa.Array]]] = []
        for g, (names, members) in enumerate(groups.items()):
            self.group[members] = g
            self.local[members] = np.arange(len(members))
            texts: list[str | pa.Array] = []
            for p in range(len(names) + 1):
                each = [cut[j][0][p] for j in members]
                same = all(t == each[0] for t in each)
                texts.append(each[0] if same else pa.array(each, pa.string()))
            self.groups.append((names, texts))

    def fill(self, kind: Ints, values: dict[str, pa.Array]) -> pa.Array:
        """The template ``kind[i]`` filled with ``values[name][i]`` for every ``i``."""
        if not len(kind):
            return pa.array([], pa.string())
        of_row = self.group[kind]
        parts, rows = [], []
        for g, (names, texts) in enumerate(self.groups):
            idx = np.flatnonzero(of_row == g)
            if not len(idx):
                continue
            which = pa.array(self.local[kind[idx]])
            at = pa.array(idx)
            args: list[Any] = []
            for p, text in enumerate(texts):
                args.append(text if isinstance(text, str) else text.take(which))
                if p < len(names):
                    args.append(values[names[p]].take(at))
            parts.append(pc.binary_join_element_wise(*args, ""))
            rows.append(idx)
        if len(parts) == 1:
            return parts[0]
        joined = pa.concat_arrays(parts)
        return joined.take(pa.array(np.argsort(np.concatenate(rows), kind="stable")))


def alert_tallies(
    cols: CaseColumns, alerts: AlertColumns
) -> dict[str, tuple[Counter[str], Counter[tuple[str, str]]]]:
    """Per power with alerts: its alerts by code, and its steps' alerts by
    ``(flowchart, step)`` (:class:`~.powersummary.Tally`'s ``alerts`` and ``step_alerts``).

    Examples:
        >>> import powerreg
        >>> from powerreg.monitor import monitor
        >>> r = monitor("examples/cases/cases.csv", powerreg.load_reference())
        >>> got = alert_tallies(r._bulk.columns(), r._bulk.alert_columns())
        >>> all(got[p.power_id][0] == p.alerts for p in r.powers if p.alerts)
        True
    """
    out: dict[str, tuple[Counter[str], Counter[tuple[str, str]]]] = {}
    g = cols.chart[alerts.case]
    n = len(ALERT_CODES)
    kinds, counts = np.unique(g * n + alerts.code, return_counts=True)
    for kind, count in zip(kinds.tolist(), counts.tolist(), strict=True):
        chart, code = divmod(kind, n)
        got = out.setdefault(cols.chart_power[chart], (Counter(), Counter()))
        got[0][ALERT_CODES[code]] += count
    on_step = alerts.step >= 0
    span = int(alerts.step.max()) + 1 if len(alerts.step) else 1
    kinds, counts = np.unique(g[on_step] * span + alerts.step[on_step], return_counts=True)
    for kind, count in zip(kinds.tolist(), counts.tolist(), strict=True):
        chart, x = divmod(kind, span)
        got = out[cols.chart_power[chart]]
        got[1][(cols.chart_flowchart[chart], cols.chart_steps[chart][x])] += count
    return out
