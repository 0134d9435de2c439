"""The replays of a log's shares read as one replay in bulk (:class:`SharesBulk`): what a
result gathered from shares (:func:`~.sharereplay.gathered`) gives its outputs, so that
the text and JSON of a log replayed in shares, like those of a log replayed at once, make
records only for the cases with findings (:class:`~.lazyresult.LazyResult`).

Each share is unpacked once for its columns (from its file, if spilled): each case's
(:class:`~.bulkreplay.CaseColumns`), each alert's and each deviation's, which are put in
the log's order (cases by their places, each one's findings as its share lists them) and
kept; the share's events are let go. A deviation's record is made by its share's own
deviation columns, an alert's from the gathered columns (as a replay in bulk makes it);
the records of some cases by their shares, each unpacked again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from ..model import Registry
from .bulkcolumns import Ints
from .bulkdeviations import DeviationColumns
from .bulkreplay import AlertColumns, CaseColumns, alert_maker
from .chartindex import ChartIndex, compiled
from .findings import Alert, CaseResult, Deviation


class Share(Protocol):
    """What :class:`SharesBulk` reads of a share (:class:`~.sharereplay.Share`)."""

    @property
    def places(self) -> Ints: ...

    def replayed(self, registry: Registry, charts: dict[tuple[str, str], ChartIndex]) -> Any: ...


class SharesBulk:
    """The shares' replays (each a :class:`~.bulkreplay.BulkReplay`) as the one replay
    a :class:`~.lazyresult.LazyResult` reads (its ``Bulk``). ``order``: the number, among
    the shares' cases one share after another, of each case in the log's order."""

    def __init__(
        self,
        shares: list[Share],
        order: Ints,
        registry: Registry,
        charts: dict[tuple[str, str], ChartIndex],
    ) -> None:
        self._shares = shares
        self._order = np.asarray(order, np.int64)
        self._registry = registry
        self._charts = charts
        sizes = [len(s.places) for s in shares]
        #: where each share's cases begin among the shares' cases
        self._start = np.concatenate(([0], np.cumsum(sizes, dtype=np.int64)))
        self._made: tuple[CaseColumns, AlertColumns] | None = None

    def columns(self) -> CaseColumns:
        """Each case's columns, in the log's order."""
        return self._gathered()[0]

    def alert_columns(self) -> AlertColumns:
        """Every alert as columns, case by case in the log's order."""
        return self._gathered()[1]

    def alerts(self) -> tuple[AlertColumns, Callable[[int], Alert]]:
        """Every alert as columns, and a function that makes the record of the alert at
        an index of them (as a replay in bulk makes it)."""
        cols, table = self._gathered()
        steps = dict(zip(cols.chart_power, cols.chart_steps, strict=True))
        charts = [
            compiled(self._charts, self._registry, p, f)
            for p, f in zip(cols.chart_power, cols.chart_flowchart, strict=True)
        ]
        return table, alert_maker(table, charts, steps, cols.chart.tolist(), cols.case_ids)

    def records(self, ks: list[int]) -> list[CaseResult]:
        """The records of the cases numbered ``ks`` (ascending, in the log's order), each
        share's made by its replay."""
        if not ks:
            return []
        at = self._order[np.asarray(ks, np.int64)]
        share = np.searchsorted(self._start, at, side="right") - 1
        out: list[Any] = [None] * len(ks)
        for j in np.unique(share).tolist():
            where = np.flatnonzero(share == j)
            local = at[where] - self._start[j]
            by = np.argsort(local, kind="stable")
            replay = self._shares[j].replayed(self._registry, self._charts)
            made = replay.records(local[by].tolist())
            for i, record in zip(where[by].tolist(), made, strict=True):
                out[i] = record
        got: list[CaseResult] = out
        return got

    def _gathered(self) -> tuple[CaseColumns, AlertColumns]:
        """The columns of every share's cases and alerts, in the log's order (made
        once)."""
        if self._made is None:
            parts = []
            for s in self._shares:
                replay = s.replayed(self._registry, self._charts)
                parts.append((replay.columns(), replay.alert_columns()))
                del replay  # its events: not kept
            self._made = _joined(parts, self._start, self._order)
        return self._made


def _joined(
    parts: list[tuple[CaseColumns, AlertColumns]], start: Ints, order: Ints
) -> tuple[CaseColumns, AlertColumns]:
    """The columns of the shares (``start``: where each share's cases begin among them)
    in the log's order (``order``: see :class:`SharesBulk`)."""
    n = int(start[-1])
    rank = np.empty(n, np.int64)  # each of the shares' cases' number in the log's order
    rank[order] = np.arange(n, dtype=np.int64)
    # the charts numbered anew, in the order of the shares (their steps as theirs)
    number: dict[tuple[str, str], int] = {}
    steps: list[tuple[str, ...]] = []
    charts = []
    for c, _ in parts:
        remap = np.zeros(len(c.chart_power), np.int64)
        for g, key in enumerate(zip(c.chart_power, c.chart_flowchart, strict=True)):
            if key not in number:
                number[key] = len(number)
                steps.append(c.chart_steps[g])
            remap[g] = number[key]
        charts.append(remap[c.chart])
    every = [cid for c, _ in parts for cid in c.case_ids]

    def cat(arrays: list[Any], dtype: Any = np.int64) -> Any:
        return np.concatenate(arrays) if arrays else np.zeros(0, dtype)

    def ranked(of: Callable[[int, CaseColumns, AlertColumns], Any]) -> Ints:
        """A column of case numbers of each share, as numbers in the log's order."""
        got: Ints = rank[
            cat([start[j] + np.asarray(of(j, *p), np.int64) for j, p in enumerate(parts)])
        ]
        return got

    cols = CaseColumns(
        case_ids=list(map(every.__getitem__, order.tolist())),
        chart=cat(charts)[order],
        chart_power=[p for p, _ in number],
        chart_flowchart=[f for _, f in number],
        chart_steps=steps,
        inferred=set(ranked(lambda j, c, a: sorted(c.inferred)).tolist()),
        closed=cat([c.closed for c, _ in parts], bool)[order],
        events=cat([c.events for c, _ in parts])[order],
        elapsed=cat([c.elapsed for c, _ in parts])[order],
        limit=cat([c.limit for c, _ in parts])[order],
        started=cat([c.started for c, _ in parts])[order],
        ended=cat([c.ended for c, _ in parts])[order],
        flagged=np.sort(ranked(lambda j, c, a: c.flagged)).tolist(),
        deviations=_deviations([c.deviations for c, _ in parts], ranked(
            lambda j, c, a: c.deviations.case
        )),
    )  # fmt: skip
    # the alerts case by case (stably: a case's alerts come from one share, in order)
    case = ranked(lambda j, c, a: a.case)
    by = np.argsort(case, kind="stable")
    alerts = AlertColumns(
        case[by],
        *(
            cat([getattr(a, f) for _, a in parts])[by]
            for f in ("code", "step", "position", "line", "elapsed", "limit", "day")
        ),
    )
    return cols, alerts


def _deviations(parts: list[DeviationColumns], case: Ints) -> DeviationColumns:
    """The shares' deviations (``case``: each one's case in the log's order) case by
    case, each share's kinds of deviation kinds of their own; a record made by its
    share's columns."""
    sizes = [len(d.case) for d in parts]
    share = np.repeat(np.arange(len(parts)), sizes)
    local = np.concatenate([np.arange(n) for n in sizes]) if parts else np.zeros(0, np.int64)
    kinds = np.cumsum([0] + [len(d.first) for d in parts])
    kind = np.concatenate([d.kind + kinds[j] for j, d in enumerate(parts)]) if parts else local
    by = np.argsort(case, kind="stable")  # a case's deviations come from one share, in order
    share, local, kind = share[by], local[by], kind[by]
    first = np.full(int(kinds[-1]), len(by), np.int64)
    np.minimum.at(first, kind, np.arange(len(by), dtype=np.int64))
    makers = [d.make for d in parts]

    def make(i: int) -> Deviation:  # an output makes one a kind: no list of them all
        return makers[int(share[i])](int(local[i]))

    def cat(name: str) -> Ints:
        got = [getattr(d, name) for d in parts]
        return np.concatenate(got)[by] if got else np.zeros(0, np.int64)

    return DeviationColumns(case[by], cat("code"), kind, cat("position"), cat("line"), first, make)
