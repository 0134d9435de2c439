"""A replay's result whose case records are made only when asked for
(:class:`LazyResult`): what a replay in bulk (:mod:`.bulkreplay`) returns.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from dataclasses import fields
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

from ..collector import FREEZE_AT, gc_paused
from .findings import ALERT_CODES, DEVIATION_CODES, Alert, CaseResult, incomplete
from .output import CHUNK, Formatter
from .powersummary import Tally
from .result import FAIL_CODES, FailOn, MonitorResult

if TYPE_CHECKING:
    from .bulkoutput import BulkOutput
    from .bulkreplay import AlertColumns, CaseColumns


class Bulk(Protocol):
    """What a :class:`LazyResult` reads of a replay in bulk
    (:class:`~.bulkreplay.BulkReplay`)."""

    def columns(self) -> CaseColumns: ...

    def records(self, ks: list[int]) -> list[CaseResult]: ...

    def alert_columns(self) -> AlertColumns: ...

    def alerts(self) -> tuple[AlertColumns, Callable[[int], Alert]]: ...


class LazyResult(MonitorResult):
    """A :class:`MonitorResult` whose cases are made when first asked for: a replay in
    bulk (:mod:`.bulkreplay`) finds everything at once, and a million events make a few
    hundred thousand records, which a caller that only counts need not wait for.

    Given the replay (``bulk``), the text, JSON and summaries of a result whose records
    are not made yet make only those of the cases with findings or lines lost; the other
    cases are read from the replay's columns (:class:`~.bulkreplay.CaseColumns`). The
    records made later are the very same objects.
    """

    def __init__(
        self,
        make: Callable[[], list[CaseResult]],
        events: int,
        bulk: Bulk | None = None,
        **fields: Any,
    ) -> None:
        super().__init__(cases=[], **fields)
        self._make: Callable[[], list[CaseResult]] | None = make
        self._events = events
        self._bulk = bulk

    @property
    def cases(self) -> list[CaseResult]:
        """The cases, made on first use (the collector paused meanwhile, and a big
        result frozen out of later collections, as :func:`~.run.monitor` does)."""
        if self._make is not None:
            make, self._make = self._make, None
            with gc_paused():
                cases = self.__dict__["_cases"] = make()
                some = self.__dict__.get("_some_made")
                if some is not None:  # the records an output made: the same objects
                    for k, c in zip(*some, strict=True):
                        cases[k] = c
                if self.rows >= FREEZE_AT:
                    gc.freeze()
            self._forget_bulk()
        got: list[CaseResult] = self.__dict__["_cases"]
        return got

    @cases.setter
    def cases(self, value: list[CaseResult]) -> None:
        self.__dict__["_cases"] = value
        self.__dict__["_make"] = None
        self._forget_bulk()

    def _forget_bulk(self) -> None:
        """Let the replay in bulk go once the records are made: every output reads them
        then (a replay in shares: its files are removed)."""
        self._bulk = None
        self.__dict__.pop("_columns_made", None)

    @property
    def _columns(self) -> CaseColumns | None:
        """The replay's columns while the records are not made (None once they are)."""
        if self._make is None or self._bulk is None:
            return None
        got: CaseColumns | None = self.__dict__.get("_columns_made")
        if got is None:
            got = self.__dict__["_columns_made"] = self._bulk.columns()
        return got

    @property
    def _whole(self) -> CaseColumns | None:
        """The replay's columns while the records are not made, if no case lost lines:
        then every output is made from the columns (:mod:`.bulkoutput`), no record."""
        cols = self._columns
        if cols is None:
            return None
        lost: bool | None = self.__dict__.get("_lines_lost")
        if lost is None:
            lost = self.__dict__["_lines_lost"] = any(p.entity for p in self.problems)
        return None if lost else cols

    def _output(self, fmt: Formatter, cols: CaseColumns) -> BulkOutput:
        from .bulkoutput import BulkOutput

        assert self._bulk is not None
        return BulkOutput(fmt, cols, *self._bulk.alerts(), self.as_of)

    @cached_property
    def _incomplete(self) -> bool:
        return False if self._whole is not None else super()._incomplete

    def fails(self, fail_on: FailOn) -> bool:
        cols = self._whole
        if cols is None or fail_on == "never":
            return super().fails(fail_on)
        import numpy as np  # with the replay in bulk (extra scale)

        assert self._bulk is not None
        codes = FAIL_CODES[fail_on]
        alerts = {ALERT_CODES[c] for c in np.unique(self._bulk.alert_columns().code).tolist()}
        devs = {DEVIATION_CODES[c - 1] for c in np.unique(cols.deviations.code).tolist()}
        return bool((alerts | devs) & codes)

    def _finding_parts(self, fmt: Formatter) -> Iterator[str]:
        cols = self._whole
        if cols is None:
            yield from super()._finding_parts(fmt)
            return
        yield from self._output(fmt, cols).line_parts()

    def _tallies(self) -> dict[str, Tally]:
        cols = self._whole
        if cols is None:
            return super()._tallies()
        from .bulkoutput import alert_tallies

        assert self._bulk is not None
        out: dict[str, Tally] = {}
        for pid, (codes, steps) in alert_tallies(cols, self._bulk.alert_columns()).items():
            out[pid] = Tally(alerts=codes, step_alerts=steps)
        table = cols.deviations  # each kind of deviation counted at once
        for d, times in zip(table.kinds(), table.per_kind(), strict=True):
            tally = out.get(d.power_id)
            if tally is None:
                tally = out[d.power_id] = Tally()
            self._tally_deviations((d,), tally, times)
        return out

    def _some(self, cols: CaseColumns) -> tuple[list[int], list[CaseResult]]:
        """The numbers and records of the cases with a finding or a line lost."""
        made: tuple[list[int], list[CaseResult]] | None = self.__dict__.get("_some_made")
        if made is None:
            assert self._bulk is not None
            ks = cols.flagged
            lost = {p.entity for p in self.problems if p.entity}
            if lost:
                number = {cid: k for k, cid in enumerate(cols.case_ids)}
                ks = sorted({*ks, *(number[c] for c in lost if c in number)})
            with gc_paused():
                records = incomplete(self._bulk.records(ks), self.problems)
            made = self.__dict__["_some_made"] = (ks, records)
        return made

    @property
    def _flagged(self) -> list[CaseResult]:
        cols = self._columns
        return self.cases if cols is None else self._some(cols)[1]

    def _counts(self) -> dict[str, tuple[int, int, int, int, int]]:
        cols = self._columns
        if cols is None:
            return super()._counts()
        import numpy as np  # with the replay in bulk (extra scale)

        # each chart's power by number in the sorted powers, then each case's
        unique, of_chart = np.unique(np.array(cols.chart_power, str), return_inverse=True)
        names: list[str] = unique.tolist()
        power = of_chart.astype(np.int64)[cols.chart]
        fits = np.ones(len(cols.case_ids), bool)
        if self._whole is not None:
            fits[cols.deviations.case] = False
        else:
            ks, records = self._some(cols)
            fits[ks] = [c.fits for c in records]
        timed = cols.closed & (cols.limit >= 0)
        on_time = timed & (cols.elapsed <= cols.limit)
        columns = [
            np.bincount(power, weights=w, minlength=len(names)).astype(np.int64).tolist()
            for w in (None, cols.closed, fits, timed, on_time)
        ]
        return {
            pid: (a, b, c, d, e) for pid, a, b, c, d, e in zip(names, *columns, strict=True) if a
        }

    def _cases_json(self, fmt: Formatter, raw: bool) -> Iterator[str | Any]:
        cols = self._columns
        if cols is None:
            yield from super()._cases_json(fmt, raw)
            return
        import pyarrow as pa  # with the replay in bulk (extra scale)
        import pyarrow.compute as pc

        from .bulkoutput import CaseLines, ends_of

        ends: Callable[[int, int], Any]
        if self._whole is not None:
            ends = self._output(fmt, cols).ends
        else:
            ks, records = self._some(cols)
            events = cols.events.tolist()
            ends = ends_of({k: fmt.tail(c, events[k]) for k, c in zip(ks, records, strict=True)})
        lines = CaseLines(fmt, cols, ends)
        del ends
        for lo in range(0, len(lines), CHUNK):
            part = lines.lines(lo, min(lo + CHUNK, len(lines)))
            whole = pa.ListArray.from_arrays(pa.array([0, len(part)], pa.int32()), part)
            text = pc.binary_join(whole, ",\n    ")[0]
            yield text.as_buffer() if raw else text.as_py()

    @property
    def events(self) -> int:
        """Events replayed."""
        return self._events

    def __reduce__(self) -> tuple[Any, ...]:
        # copied or pickled as the plain result, its cases made
        return (MonitorResult, tuple(getattr(self, f.name) for f in fields(MonitorResult)))
