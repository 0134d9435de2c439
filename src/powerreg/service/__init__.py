"""Live electronic supervision (网上实时监察): a service that takes the events of cases as
they happen, replays each case on its flowchart as :mod:`powerreg.monitor` does, and
keeps the supervision office's feed of deviations, warnings, yellow and red cards.

Layout, one concept per module: :mod:`.state` (the SQLite state database),
:mod:`.auth` (tokens and rights), :mod:`.body` (a request's body read, and its
refusal), :mod:`.intake` (a request's events, checked),
:mod:`.feed` (findings by identity: raised, withdrawn, restored), :mod:`.plan` (a
case as held, and what one change writes), :mod:`.posting` (a request's events against
the cases held), :mod:`.replays` and :mod:`.replanning` (cases replayed, and what they
find), :mod:`.supervisor` (events in, cases settled, the feed written; the reads),
:mod:`.settler` (the settling in a process of its own, on two cores),
:mod:`.clock` (the day, and the timer),
:mod:`.app` (the HTTP face, Starlette; extra ``serve``), :mod:`.server` (uvicorn on a
socket) and :mod:`.export` (the state into a published catalog).

Only :mod:`.app` and :mod:`.server` need the extra ``serve``; nothing here imports them.
"""

from __future__ import annotations

from .auth import Token, Tokens, add_token
from .body import BadEvent, Refused
from .export import export_state, state_result
from .state import StateUnavailable, Store
from .supervisor import Receipt, Supervisor

__all__ = [
    "BadEvent",
    "Receipt",
    "Refused",
    "StateUnavailable",
    "Store",
    "Supervisor",
    "Token",
    "Tokens",
    "add_token",
    "export_state",
    "state_result",
]
