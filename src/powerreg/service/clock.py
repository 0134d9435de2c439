"""The service's clock: the day in China, and the timer that brings the findings up to it.

Deadlines pass whether or not events arrive: a case stuck at a step must get its yellow
card on the working day the step's limit passes. The service therefore asks the clock
for the day on every request and, between requests, every ``every`` seconds
(:func:`ticking`); when the day has changed, the cases still open are replayed as of the
new day (:meth:`~.supervisor.Supervisor.tick`).

The day is China's (UTC+8), whatever the machine's time zone. For replaying a period
or for tests, the clock can stand still on a given day (:func:`fixed`), or follow the
events received (:class:`EventsClock`).

Examples:
    >>> from datetime import date
    >>> fixed(date(2011, 10, 10))()
    datetime.date(2011, 10, 10)
    >>> isinstance(china_today(), date)
    True
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone

from ..errors import UsageError

CHINA = timezone(timedelta(hours=8))

#: A clock: the day it is now.
Clock = Callable[[], date]

log = logging.getLogger("powerreg.service")


def china_today() -> date:
    """Today in China (UTC+8)."""
    return datetime.now(CHINA).date()


def fixed(day: date) -> Clock:
    """A clock that stands still on ``day``."""

    def today() -> date:
        return day

    return today


class EventsClock:
    """A clock that reads the events: today is the day of the latest event received
    (:meth:`saw`), for loading a history into the service as it happened — each case
    replayed as of the days its events arrived, the feed raised as it would have been.

    Examples:
        >>> clock = EventsClock()
        >>> clock.saw(date(2011, 10, 10))
        >>> clock.saw(date(2011, 10, 8))
        >>> clock()
        datetime.date(2011, 10, 10)
    """

    def __init__(self, start: date = date.min) -> None:
        self.day = start

    def saw(self, day: date) -> None:
        """An event of ``day`` was received."""
        self.day = max(self.day, day)

    def __call__(self) -> date:
        return self.day


def clock_of(today: str | None) -> Clock:
    """The clock ``powerreg supervise --today`` asks for: China's day (None), a fixed
    day (``2011-12-30``), or the events' (``events``).

    Raises:
        UsageError: neither a date nor ``events``.

    Examples:
        >>> clock_of("2011-12-30")(), isinstance(clock_of("events"), EventsClock)
        (datetime.date(2011, 12, 30), True)
    """
    if today is None:
        return china_today
    if today == "events":
        return EventsClock()
    try:
        return fixed(date.fromisoformat(today))
    except ValueError as err:
        raise UsageError("service.bad_today", today=repr(today)) from err


async def ticking(tick: Callable[[], object], every: float) -> None:
    """Call ``tick()`` every ``every`` seconds, in a worker thread (it may write to
    disk), until cancelled. A failed tick is logged and tried again next time."""
    while True:
        await asyncio.sleep(every)
        try:
            await asyncio.to_thread(tick)
        except Exception as err:  # the timer must outlive any one failure
            log.warning("the clock's tick failed: %s", type(err).__name__)
