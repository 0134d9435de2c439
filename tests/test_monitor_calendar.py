"""Limits counted on arrays (WorkCalendar.budgets, the replay in bulk's way) are those
counted day by day (WorkCalendar.budget, the case-by-case replay's)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from powerreg.errors import UsageError
from powerreg.model import Limit, TimeUnit
from powerreg.monitor.calendar import WorkCalendar, china_calendar

CAL = china_calendar()


@given(
    amount=st.integers(0, 3650),
    unit=st.sampled_from(list(TimeUnit)),
    offsets=st.lists(st.integers(0, (CAL.last - CAL.first).days), min_size=1, max_size=30),
    near_end=st.booleans(),
)
@settings(max_examples=300, deadline=None)
def test_budgets_on_arrays_are_budgets_day_by_day(
    amount: int, unit: TimeUnit, offsets: list[int], near_end: bool
) -> None:
    limit = Limit(amount=amount, unit=unit)
    # days near the calendar's end have their end clamped to its last day
    days = [CAL.last - timedelta(days=o % 60) if near_end else CAL.first + timedelta(days=o)
            for o in offsets]  # fmt: skip
    got = CAL.budgets(limit, np.array([d.toordinal() for d in days], np.int64))
    assert got.tolist() == [CAL.budget(limit, d) for d in days]


def test_budgets_of_a_day_the_calendar_does_not_know_are_refused_as_budget_refuses_it() -> None:
    limit = Limit(amount=1, unit=TimeUnit.MONTHS)
    early = CAL.first - timedelta(days=1)
    with pytest.raises(UsageError) as theirs:
        CAL.budget(limit, early)
    with pytest.raises(UsageError) as ours:
        CAL.budgets(limit, np.array([CAL.first.toordinal(), early.toordinal()]))
    assert str(ours.value) == str(theirs.value)


def test_budgets_near_the_year_9999_are_counted_day_by_day() -> None:
    cal = WorkCalendar(date(9999, 12, 1), [True] * 31)
    days = [date(9999, 12, 1), date(9999, 12, 20)]
    for limit in (Limit(amount=1, unit=TimeUnit.MONTHS), Limit(amount=5, unit=TimeUnit.DAYS)):
        ordinals = np.array([d.toordinal() for d in days])
        try:
            want: object = [cal.budget(limit, d) for d in days]
        except (ValueError, OverflowError) as err:
            want = type(err)
        try:
            got: object = cal.budgets(limit, ordinals).tolist()
        except (ValueError, OverflowError) as err:
            got = type(err)
        assert got == want
