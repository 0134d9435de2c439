"""The service's state into the published catalog: the same tables ``powerreg monitor
--catalog`` writes (``cases``, ``case_events``, ``alerts``), so the catalog and the site
show the live supervision as they show a replayed log.

The state's events are read back as the monitor reads a log (each event checked again,
its number ``seq`` standing for the line) and replayed with :func:`~powerreg.monitor.
monitor` as of the service's day: the cases, findings and per-power on-time rates are
those the service holds, by construction.

Examples:
    >>> import json, powerreg, tempfile
    >>> from datetime import date
    >>> from pathlib import Path
    >>> from .auth import Token
    >>> from .clock import fixed
    >>> from .supervisor import Supervisor
    >>> state = Path(tempfile.mkdtemp()) / "state.db"
    >>> sup = Supervisor(powerreg.load_reference(), state, clock=fixed(date(2011, 10, 31)))
    >>> body = json.dumps({"event_id": "1", "case_id": "A1", "power_id": "XK-001",
    ...                    "step_id": "S1", "timestamp": "2011-10-10 09:00"}).encode()
    >>> _ = sup.post(body, Token("xk", frozenset({"XK-001"}), send=True, read=False))
    >>> sup.close()
    >>> result = state_result(state, powerreg.load_reference())
    >>> result.as_of, [(c.case_id, c.status) for c in result.cases]
    (datetime.date(2011, 10, 31), [('A1', 'open')])
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from ..errors import UsageError
from ..model import Registry
from ..monitor import MonitorResult, add_to_catalog, monitor
from ..monitor.calendar import WorkCalendar, china_calendar
from ..monitor.reader import RowReader
from .state import Store


def state_result(
    state: str | os.PathLike[str],
    registry: Registry,
    *,
    as_of: date | None = None,
    calendar: WorkCalendar | None = None,
) -> MonitorResult:
    """Every case of the state database ``state`` replayed as of ``as_of`` (default:
    the day the service brought it up to), as :func:`~powerreg.monitor.monitor` gives it.

    The state is opened read-only: a running service is not disturbed.

    Raises:
        UsageError: no state database there, or one of another registry.
    """
    cal = calendar or china_calendar()
    store = Store(Path(state), readonly=True)
    try:
        known = store.meta("registry")
        if known is not None and known != registry.id:
            raise UsageError(
                "service.export_other_registry",
                path=store.path,
                known=known,
                registry=registry.id,
            )
        if as_of is None:
            day = store.meta("as_of")
            as_of = date.fromisoformat(day) if day else None
        reader = RowReader(registry, store.path.name, "event", calendar=cal, as_of=as_of)
        n = 0
        with store.lock:
            for seq, case, power, chart, step, stamp, actor, note in store.all_events():
                n += 1
                reader.add(seq, case, power, step, stamp, chart or "", actor or "", note or "")
        log = reader.finish(n)
    finally:
        store.close()
    return monitor(log, registry, as_of=as_of, calendar=cal)


def export_state(
    state: str | os.PathLike[str],
    registry: Registry,
    catalog: str | os.PathLike[str],
    *,
    as_of: date | None = None,
) -> MonitorResult:
    """Add the cases, events and findings of the state database ``state`` to the
    catalog at ``catalog`` (written by ``powerreg export``), as ``powerreg monitor
    --catalog`` adds those of a log; the replayed result.

    Raises:
        UsageError: see :func:`state_result` and
            :func:`~powerreg.monitor.add_to_catalog`.
    """
    result = state_result(state, registry, as_of=as_of)
    add_to_catalog(result, catalog)
    return result
