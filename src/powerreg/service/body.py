"""A request's body, read: a JSON array of events or JSON Lines (:func:`read_body`), and
how a request is refused (:class:`Refused`, each bad event a :class:`BadEvent`, a body
that cannot be read :func:`body_problem`). The events themselves are checked by
:mod:`.intake`.

**A request is taken whole or not at all**: a refusal lists every bad event by its
index in the request, its ``event_id`` and the field at fault, with the problem in
English and Chinese, and says that nothing of the request was stored.

Examples:
    >>> read_body(b'[{"event_id": "e1"}]'), read_body(b'{"a": 1}\\n\\n{"a": 2}')
    ([{'event_id': 'e1'}], [{'a': 1}, {'a': 2}])
    >>> try:
    ...     read_body(b"[1, 2")
    ... except Refused as err:
    ...     print(err.status, err.bad[0].problem.code, err.to_dict()["count"])
    400 M015 1
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..errors import PowerregError, Problem, problem

#: What problems name as the source of an event.
SOURCE = "POST /events"
#: Most problems a refusal lists (it says how many there are).
MAX_LISTED = 100


@dataclass(frozen=True)
class BadEvent:
    """An event refused: its index in the request (None for the body as a whole), its
    ``event_id`` if it has one, the field at fault, and the problem."""

    index: int | None
    event_id: str | None
    field: str | None
    problem: Problem

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the reply, with the message in English and Chinese."""
        return {
            "index": self.index,
            "event_id": self.event_id,
            "field": self.field,
            "code": self.problem.code,
            "message": self.problem.message("en"),
            "message_zh": self.problem.message("zh"),
        }


class Refused(PowerregError):
    """A request refused whole: the HTTP ``status`` (400 body unreadable, 403 a power
    not the sender's, 409 an ``event_id`` reused, 413 body too large, 422 events that
    fail their checks) and every bad event."""

    def __init__(self, status: int, bad: list[BadEvent]) -> None:
        self.status = status
        self.bad = bad
        first = bad[0].problem.message("en") if bad else ""
        super().__init__(f"{status}: {len(bad)} bad event(s): {first}")

    def to_dict(self) -> dict[str, Any]:
        """The reply's body: the first :data:`MAX_LISTED` problems, and how many."""
        n = len(self.bad)
        shown = f" (the first {MAX_LISTED} listed)" if n > MAX_LISTED else ""
        return {
            "error": f"the request was refused and nothing of it was stored: "
            f"{n} problem{'s' * (n != 1)}{shown}",
            "error_zh": f"请求被拒绝，未保存任何事件：共 {n} 个问题"
            + (f"（列出前 {MAX_LISTED} 个）" if shown else ""),
            "count": n,
            "problems": [b.to_dict() for b in self.bad[:MAX_LISTED]],
        }


def body_problem(key: str, **params: Any) -> Refused:
    """The refusal of a body that cannot be read (M015), 413 when it is too large."""
    status = 413 if key in ("M015.too_large", "M015.too_many") else 400
    return Refused(status, [BadEvent(None, None, None, problem(key, SOURCE, **params))])


def read_body(body: bytes) -> list[Any]:
    """The items of a body: a JSON array's elements, or JSON Lines' values (a line that
    is not JSON is an item that fails its check later, with its index).

    Raises:
        Refused: 400, the body is not UTF-8 or not a JSON array.
    """
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise body_problem("M015.utf8", detail=f"byte {err.start}: {err.reason}") from err
    head = text.lstrip()
    if head.startswith("["):
        try:
            items = json.loads(text)
        except RecursionError as err:
            raise body_problem("M015.json", detail="nested too deep", line=1, column=1) from err
        except json.JSONDecodeError as err:
            raise body_problem(
                "M015.json", detail=err.msg, line=err.lineno, column=err.colno
            ) from err
        except ValueError as err:
            raise body_problem("M015.json", detail=str(err), line=1, column=1) from err
        if not isinstance(items, list):
            raise body_problem("M015")
        return items
    if head and not head.startswith("{"):
        raise body_problem("M015")
    return list(_json_lines(text))


class Unreadable:
    """A line of JSON Lines that is not JSON: the problem's key and parameters."""

    def __init__(self, key: str, **params: Any) -> None:
        self.key = key
        self.params = params


def _json_lines(text: str) -> Iterator[Any]:
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            yield json.loads(line)
        except RecursionError:
            yield Unreadable("M001.deep_json")
        except json.JSONDecodeError as err:
            yield Unreadable("M001.json", detail=err.msg, column=err.colno)
        except ValueError as err:
            yield Unreadable("M001.json_value", detail=str(err))
