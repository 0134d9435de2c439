"""China's working days (工作日), from the maintained ``chinese-calendar`` package.

Time limits of administrative powers are counted in working days: weekends and public
holidays are left out, and the Saturdays or Sundays the State Council turns into working
days (调休) count. ``chinese-calendar`` keeps that list, year by year, as the State Council
publishes it; :class:`WorkCalendar` turns it into a table, so that counting the working
days between two dates costs two list look-ups.

Counting follows the rule for periods (期间): the day a period starts is not counted. A
step entered on Monday and left on Tuesday took one working day; one left the same day
took none.

Examples:
    >>> from datetime import date
    >>> cal = china_calendar()
    >>> cal.is_workday(date(2011, 10, 3)), cal.is_workday(date(2011, 10, 8))  # 国庆; 调休
    (False, True)
    >>> cal.working_days(date(2011, 9, 30), date(2011, 10, 10))  # 10-08, 10-09, 10-10
    3
    >>> cal.add_working_days(date(2011, 9, 30), 1)
    datetime.date(2011, 10, 8)
"""

from __future__ import annotations

from bisect import bisect_right
from calendar import monthrange
from collections.abc import Sequence
from datetime import date, timedelta
from functools import cache
from typing import Any

from ..codes import phrase
from ..errors import Problem, UsageError, problem
from ..model import Limit, TimeUnit

#: the ordinals of 1970-01-01 (numpy's day 0) and of the last day there is
_UNIX_ORDINAL = date(1970, 1, 1).toordinal()
_MAX = date.max.toordinal()


class WorkCalendar:
    """Working days from ``first`` to ``last``, looked up by date.

    ``workday`` says, for each date from ``first`` on, whether it is a working day.
    """

    __slots__ = ("_base", "_counts", "_days", "_tables", "first", "last", "source")

    def __init__(self, first: date, workday: list[bool], source: str = "") -> None:
        if not workday:
            raise UsageError("monitor.calendar_empty")
        self.first = first
        self.last = first + timedelta(days=len(workday) - 1)
        #: where the holidays come from, for messages (e.g. ``chinese-calendar 1.11.0``)
        self.source = source
        self._base = first.toordinal()
        counts: list[int] = []
        days: list[date] = []
        n = 0
        for i, work in enumerate(workday):
            if work:
                n += 1
                days.append(first + timedelta(days=i))
            counts.append(n)
        #: working days from ``first`` up to and including each date
        self._counts = counts
        #: the working days in order
        self._days = days
        self._tables: tuple[Any, Any] | None = None

    def covers(self, day: date) -> bool:
        """Whether the calendar knows ``day``."""
        return self.first <= day <= self.last

    def check(self, day: date, what: str = "") -> None:
        """Raise :class:`UsageError` if the calendar does not know ``day``; ``what``
        says where the date comes from (e.g. ``as_of``)."""
        why = self.outside(day)
        if why is not None:
            raise UsageError("monitor.calendar_where", what=what, why=why) if what else why

    def outside(self, day: date) -> UsageError | None:
        """Why the calendar does not know ``day``, as the refusal to raise (``None`` if
        it does): the years it covers, and what to do.

        Examples:
            >>> cal = china_calendar()
            >>> cal.outside(date(2011, 10, 8)) is None
            True
            >>> str(cal.outside(date(2003, 12, 31))).endswith("it has no data before 2004")
            True
        """
        if self.covers(day):
            return None
        if day < self.first:
            why = phrase("part.monitor_no_data_before", first=self.first.year)
        else:
            why = phrase("part.monitor_upgrade_calendar", year=day.year)
        return UsageError(
            "monitor.calendar_outside",
            day=day.isoformat(),
            calendar=self.source or phrase("part.monitor_the_calendar"),
            first=self.first.year,
            last=self.last.year,
            why=why,
        )

    def budget(self, limit: Limit | None, start: date) -> int | None:
        """``limit`` in working days for a case that began on ``start``: working days as
        they are; calendar days and months counted on the calendar from ``start`` (the
        end day clamped to the calendar's last day).

        Examples:
            >>> cal = china_calendar()
            >>> from powerreg.model import Limit
            >>> cal.budget(Limit.parse("20 个工作日"), date(2011, 9, 1))
            20
            >>> cal.budget(Limit.parse("1 个月"), date(2011, 9, 26))  # 国庆, and two 调休 days
            19
        """
        if limit is None:
            return None
        if limit.in_working_days:
            return limit.amount
        if limit.unit == TimeUnit.MONTHS:
            month = start.month - 1 + limit.amount
            year, month = start.year + month // 12, month % 12 + 1
            end = date(year, month, min(start.day, monthrange(year, month)[1]))
        else:
            end = start + timedelta(days=limit.amount)
        end = min(end, self.last)
        return self.number(end) - self.number(start)

    def budgets(self, limit: Limit, starts: Any) -> Any:
        """:meth:`budget` of ``limit`` for cases that began on each of ``starts`` (a
        numpy array of proleptic ordinals, ``date.toordinal``), at once: calendar days
        and months counted on arrays (extra ``scale``).

        Examples:
            >>> import numpy as np
            >>> from powerreg.model import Limit
            >>> cal = china_calendar()
            >>> days = [date(2011, 9, 26), date(2012, 1, 31), date(2011, 12, 31)]
            >>> month = Limit.parse("1 个月")
            >>> cal.budgets(month, np.array([d.toordinal() for d in days])).tolist()
            [19, 21, 17]
            >>> [cal.budget(month, d) for d in days]
            [19, 21, 17]
        """
        import numpy as np

        starts = np.asarray(starts, np.int64)
        if limit.in_working_days:
            return np.full(len(starts), limit.amount, np.int64)
        if not len(starts):
            return np.zeros(0, np.int64)
        lo, hi = int(starts.min()), int(starts.max())
        if lo < self._base or hi > self.last.toordinal() or hi + 31 * (limit.amount + 1) > _MAX:
            # a day the calendar does not know (refused as budget refuses it), or an end
            # past the year 9999
            days, where = np.unique(starts, return_inverse=True)
            got = [self.budget(limit, date.fromordinal(d)) for d in days.tolist()]
            return np.array(got, np.int64)[where]
        if limit.unit == TimeUnit.MONTHS:
            # the same day of the month ``amount`` months on, or that month's last day
            day = (starts - _UNIX_ORDINAL).astype("datetime64[D]")
            month = day.astype("datetime64[M]")
            nth = (day - month.astype("datetime64[D]")).astype(np.int64)
            to = month + limit.amount
            size = ((to + 1).astype("datetime64[D]") - to.astype("datetime64[D]")).astype(np.int64)
            end = to.astype("datetime64[D]").astype(np.int64) + _UNIX_ORDINAL
            end += np.minimum(nth, size - 1)
        else:
            end = starts + limit.amount
        end = np.minimum(end, self.last.toordinal())
        counts = self.tables()[0]
        return counts[end - self._base] - counts[starts - self._base]

    def left_out(self, day: date, source: str, line: int, case: str | None) -> Problem:
        """The M009 of a log row dated ``day``, which the calendar does not know."""
        return problem(
            "M009.before" if day < self.first else "M009",
            source,
            line,
            entity=case,
            date=day.isoformat(),
            first=self.first.year,
            last=self.last.year,
            calendar=self.source or "the calendar",
        )

    def _index(self, day: date) -> int:
        i = day.toordinal() - self._base
        if i < 0 or i >= len(self._counts):
            self.check(day)
        return i

    def is_workday(self, day: date) -> bool:
        """Whether ``day`` is a working day (调休 days included, holidays out)."""
        i = self._index(day)
        return self._counts[i] != (self._counts[i - 1] if i else 0)

    def working_days(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (the start day is not
        counted); negative if ``end`` is before ``start``."""
        return self._counts[self._index(end)] - self._counts[self._index(start)]

    def number(self, day: date) -> int:
        """How many working days of the calendar fall on or before ``day``: the
        difference of two numbers is :meth:`working_days`."""
        return self._counts[self._index(day)]

    def numbers(self, days: Sequence[date]) -> list[int]:
        """:meth:`number` of each of ``days``, which are in time order (datetimes too):
        one range check for all of them, so it is the fast way through a case."""
        if not days:
            return []
        self._index(days[0])
        self._index(days[-1])
        base, counts = self._base, self._counts
        return [counts[d.toordinal() - base] for d in days]

    def tables(self) -> tuple[Any, Any]:
        """The calendar as two numpy arrays (extra ``scale``), built once: the working
        days up to and including each date from :attr:`first` on (:meth:`number` of
        ``first + i`` is ``counts[i]``), and the ordinal of each working day in order
        (:meth:`working_day` of ``k`` is ``days[k - 1]``). A replay in bulk counts the
        working days of a step with two look-ups.

        Examples:
            >>> cal = china_calendar()
            >>> counts, days = cal.tables()
            >>> i = date(2011, 10, 10).toordinal() - cal.first.toordinal()
            >>> int(counts[i]) == cal.number(date(2011, 10, 10))
            True
            >>> date.fromordinal(int(days[int(counts[i]) - 1]))
            datetime.date(2011, 10, 10)
        """
        if self._tables is None:
            import numpy as np

            self._tables = (
                np.array(self._counts, np.int64),
                np.array([d.toordinal() for d in self._days], np.int64),
            )
        return self._tables

    def add_working_days(self, day: date, n: int) -> date:
        """The ``n``-th working day after ``day`` (``day`` itself for ``n == 0``)."""
        if n <= 0:
            return day
        k = self._counts[self._index(day)] + n - 1
        if k >= len(self._days):
            self.check(self.last + timedelta(days=1))
        return self._days[k]

    def working_day(self, number: int) -> date:
        """The working day whose :meth:`number` is ``number`` (the first is 1)."""
        if number < 1:
            self.check(self.first - timedelta(days=1))
        if number > len(self._days):
            self.check(self.last + timedelta(days=1))
        return self._days[number - 1]

    def next_workday(self, day: date) -> date:
        """``day`` if it is a working day, else the first working day after it."""
        self._index(day)
        k = bisect_right(self._days, day - timedelta(days=1))
        if k >= len(self._days):
            self.check(self.last + timedelta(days=1))
        return self._days[k]

    def __repr__(self) -> str:
        return f"WorkCalendar({self.first.isoformat()}..{self.last.isoformat()}, {self.source})"


@cache
def china_calendar() -> WorkCalendar:
    """China's official working days for every year ``chinese-calendar`` covers; built
    once per process (about 8,000 days, a few milliseconds)."""
    from importlib.metadata import version

    import chinese_calendar  # type: ignore[import-untyped]

    years = [d.year for d in chinese_calendar.holidays]
    first, last = date(min(years), 1, 1), date(max(years), 12, 31)
    n = (last - first).days + 1
    workday = [bool(chinese_calendar.is_workday(first + timedelta(days=i))) for i in range(n)]
    return WorkCalendar(first, workday, source=f"chinese-calendar {version('chinese-calendar')}")
