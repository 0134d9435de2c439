"""The text and JSON of a replay's findings and cases, made fast and byte for byte as
:class:`~.result.MonitorResult` defines them (its ``message``, ``line`` and ``to_dict``
are the reference; tests/test_monitor_output.py compares the two).

A message is the rendering of a template made once per finding that differs only in its
case, days and date; a case's JSON is built from fragments made once, every text escaped
by ``json``'s own encoder (registry and log text is data: it can never break out of its
JSON string).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from datetime import date
from functools import cache, cached_property
from typing import Any, Protocol

from ..codes import shown, template
from ..lang import Lang
from ..textsafe import one_line
from .caseevents import DAY_US, EPOCH_ORDINAL, CaseEvents
from .chartindex import ChartIndex
from .findings import Alert, CaseResult, Deviation
from .records import finding_params

_encode = json.encoder.encode_basestring  # a str as JSON, as json.dumps(ensure_ascii=False)


class Replayed(Protocol):
    """What the formatter reads of a :class:`~.result.MonitorResult` (a protocol, so that
    this module does not import the result, which imports it)."""

    source: str
    as_of: date | None

    @property
    def _incomplete(self) -> bool: ...

    @property
    def _by_id(self) -> dict[str, CaseResult]: ...

    def chart_of(self, finding: Deviation | Alert | CaseResult) -> ChartIndex: ...

    def message(self, finding: Deviation | Alert, lang: Lang | None = None) -> str: ...

    def deviation_dict(self, d: Deviation, lang: Lang | None = None) -> dict[str, Any]: ...

    def alert_dict(self, a: Alert, lang: Lang | None = None) -> dict[str, Any]: ...


#: Cases a write of :meth:`MonitorResult.write_json` holds.
CHUNK = 2000
_STATUS = ("open", "closed")
#: The end of the JSON of a case with no finding and no line lost.
_PLAIN = '"fits": true, "incomplete": false, "lines_left_out": [], "deviations": [], "alerts": []}'
_JSON = {None: "null", True: "true", False: "false"}
_QUOTE = '"'
#: Stand-ins for a finding's own values while its message's template is made: control
#: characters, which no shown parameter holds (:func:`~powerreg.codes.shown` escapes them).
_CASE, _ELAPSED, _LIMIT, _DATE = "\x00", "\x01", "\x02", "\x03"
_LINE, _POSITION, _MESSAGE = "\x04", "\x05", "\x06"
#: Where each stand-in goes in a message's template, and in an alert's JSON template
#: (its JSON fields as JSON strings, ``"\\u0000"``; its message inside a JSON string).
_MESSAGE_PLACES = {_CASE: "{0}", _ELAPSED: "{1}", _LIMIT: "{2}", _DATE: "{3}"}
_ALERT_FIELDS = {
    **{json.dumps(k): v for k, v in {_CASE: "{0}", _LINE: "{1}", _POSITION: "{2}"}.items()},
    **{json.dumps(k): v for k, v in {_ELAPSED: "{3}", _LIMIT: "{4}", _DATE: '"{5}"'}.items()},
}
_ALERT_MESSAGE = {_CASE: "{6}", _ELAPSED: "{3}", _LIMIT: "{4}", _DATE: "{5}"}
_DEVIATION_MESSAGE = {_CASE: "{3}"}
_MESSAGE_FIELD = json.dumps(_MESSAGE)


def _alert_key(a: Alert, still: bool) -> tuple[Any, ...]:
    """What an alert's message and JSON depend on besides its case, line, position,
    days, limit and date; ``still``: its case is still open on ``as_of``."""
    return (a.code, a.scope, a.power_id, a.flowchart_id, a.step, a.risk_points, still)


def _deviation_key(d: Deviation) -> tuple[Any, ...]:
    """What a deviation's message and JSON depend on besides its case, line, position."""
    return (
        d.code, d.power_id, d.flowchart_id, d.step, d.source, d.kind, d.steps,
        d.on_every_path, d.risk_points,
    )  # fmt: skip


def _inside_json(text: str) -> str:
    """``text`` escaped as the inside of a JSON string (json's escaping is character by
    character, so the pieces of a text escaped one by one make the whole escaped)."""
    return str(_encode(text)[1:-1])


@cache
def _splitter(keys: tuple[str, ...]) -> re.Pattern[str]:
    """A pattern that splits a text at ``keys``, keeping them."""
    return re.compile("(" + "|".join(re.escape(k) for k in keys) + ")")


def _placed(text: str, places: dict[str, str], escape: Callable[[str], str] = str) -> str:
    """``text`` as a ``str.format`` template: each stand-in (``places``' keys) replaced
    by its field, the rest escaped (``escape``) and its braces doubled. A key may be the
    stand-in as a JSON string (``"\\u0004"``), found whole in ``text``.

    Examples:
        >>> _placed("{a} " + _CASE + " " + _LIMIT, _MESSAGE_PLACES).format("id", 0, 3)
        '{a} id 3'
    """
    out = []
    for piece in _splitter(tuple(places)).split(text):
        field = places.get(piece)
        if field is None:
            piece = escape(piece).replace("{", "{{").replace("}", "}}")
        out.append(piece if field is None else field)
    return "".join(out)


class Formatter:
    """The lines, messages and JSON of one result's findings and cases in one language,
    fast: a message is the rendering of a template made once per finding that differs
    only in its case, days and date (the rest — chart, steps, labels, risk points — is
    rendered once, as :meth:`MonitorResult.message` renders it), and a case's JSON is
    built from fragments made once, its texts escaped by ``json``'s own encoder.
    :meth:`MonitorResult.message`, :meth:`~MonitorResult.line` and ``to_dict`` are the
    reference: the output is theirs to the byte (``tests/test_monitor_output.py``).

    Examples:
        >>> import json, powerreg
        >>> from powerreg.monitor import monitor
        >>> r = monitor("examples/cases/cases.csv", powerreg.load_reference())
        >>> fast = Formatter(r, "zh")
        >>> all(fast.line(f) == r.line(f, "zh") for f in r.findings())
        True
        >>> all(json.loads(fast.case_json(c)) == r._case_dict(c, "zh") for c in r.cases)
        True
    """

    def __init__(self, result: Replayed, lang: Lang) -> None:
        self.result = result
        self.lang = lang
        self.where = one_line(result.source)
        self.incomplete = result._incomplete
        self.templates: dict[tuple[Any, ...], str] = {}
        self.fragments: dict[tuple[Any, ...], str] = {}
        self.alert_json: dict[tuple[Any, ...], str] = {}
        self.raw: dict[tuple[Any, ...], str] = {}
        self.deviation_parts: dict[tuple[Any, ...], str] = {}
        self.days: dict[int, str] = {}
        self.clock: dict[int, str] = {}
        self.shown: dict[str, str] = {}  # a text parameter as shown (labels repeat)

    @cached_property
    def by_id(self) -> dict[str, CaseResult]:
        """The result's cases with findings by id (made when a message needs them)."""
        return self.result._by_id

    def message(self, f: Deviation | Alert) -> str:
        """:meth:`MonitorResult.message` of ``f``, in the formatter's language."""
        r, lang = self.result, self.lang
        if self.incomplete and self.by_id[f.case_id].lost:
            return r.message(f, lang)  # rare: the lines lost are the case's own
        if type(f) is Deviation:
            return self.deviation_message(f).format(shown(f.case_id, lang))
        assert isinstance(f, Alert)
        still = False
        if r.as_of is not None:
            case = self.by_id[f.case_id]
            still = case.status == "open" and (
                f.scope == "case" or f.position == len(case.events) - 1
            )
        made = self.alert_message(f, still)
        return made.format(shown(f.case_id, lang), f.elapsed, f.limit, f.date.isoformat())

    def alert_message(self, a: Alert, still: bool) -> str:
        """The message of alerts like ``a`` (same code, chart, step; its case ``still``
        open on ``as_of`` or not) as a ``str.format`` template of its case as shown,
        days, limit and date (``{0}``-``{3}``)."""
        key = _alert_key(a, still)
        made = self.templates.get(key)
        if made is None:
            made = self._template(a, key, self.result.as_of if still else None)
        return made

    def alert_json_template(self, a: Alert, still: bool) -> str:
        """Alerts like ``a`` as JSON (:meth:`_alert_template`), made once a kind."""
        key = _alert_key(a, still)
        made = self.alert_json.get(key)
        if made is None:
            made = self.alert_json[key] = self._alert_template(
                a, key, self.result.as_of if still else None
            )
        return made

    def _template(self, f: Deviation | Alert, key: tuple[Any, ...], as_of: date | None) -> str:
        """The message of ``f`` as a ``str.format`` template of its case (``{0}``) and,
        for an alert, its days, limit and date (``{1}``-``{3}``)."""
        text = self.templates[key] = _placed(self._rendered(f, key, as_of), _MESSAGE_PLACES)
        return text

    def _rendered(self, f: Deviation | Alert, key: tuple[Any, ...], as_of: date | None) -> str:
        """The message of ``f`` with stand-ins for its case, days, limit and date (made
        once per ``key``: a message's template and an alert's JSON share it)."""
        got = self.raw.get(key)
        if got is None:
            got = self.raw[key] = self._render(f, as_of)
        return got

    def _render(self, f: Deviation | Alert, as_of: date | None) -> str:
        lang = self.lang
        name, params = finding_params(f, self.result.chart_of(f), as_of=as_of, lang=lang)
        seen = self.shown
        values = {}
        for k, v in params.items():
            got = seen.get(v) if type(v) is str else None
            if got is None:
                got = shown(v, lang)
                if type(v) is str:
                    seen[v] = got
            values[k] = got
        values["case"] = _CASE
        if isinstance(f, Alert):
            values.update(elapsed=_ELAPSED, limit=_LIMIT, date=_DATE)
        return template(name, lang).format_map(values)

    def line(self, f: Deviation | Alert) -> str:
        """:meth:`MonitorResult.line` of ``f``."""
        if f.line:
            return f"{self.where}:{f.line}: {f.code} {self.message(f)}"
        return f"{self.where}: {f.code} {self.message(f)}"

    def _time(self, packed: int) -> str:
        """``datetime.isoformat`` of a packed time (:func:`~.caseevents.unpack_time`).

        Examples:
            >>> from datetime import datetime
            >>> from powerreg.monitor.caseevents import pack_time
            >>> f = Formatter.__new__(Formatter)
            >>> f.days, f.clock = {}, {}
            >>> ts = (datetime(2011, 10, 8, 9, 30), datetime(1, 1, 1, 0, 0, 0, 7))
            >>> [f._time(pack_time(t)) == t.isoformat() for t in ts]
            [True, True]
        """
        day, clock = divmod(packed, DAY_US)
        d = self.days.get(day)
        if d is None:
            d = self.days[day] = date.fromordinal(day + EPOCH_ORDINAL).isoformat()
        c = self.clock.get(clock)
        if c is None:
            seconds, micro = divmod(clock, 1_000_000)
            minutes, s = divmod(seconds, 60)
            h, m = divmod(minutes, 60)
            c = f"{h:02d}:{m:02d}:{s:02d}" + (f".{micro:06d}" if micro else "")
            if len(self.clock) < 100_000:
                self.clock[clock] = c
        return f"{d}T{c}"

    def case_json(self, c: CaseResult) -> str:
        """``c`` as one line of JSON: :meth:`MonitorResult._case_dict` as
        ``json.JSONEncoder(ensure_ascii=False)`` encodes it."""
        events = c.events
        if type(events) is CaseEvents:  # the times without making the events
            packed, size = events.packed, events._n
            if size is None:
                size = len(packed) // 3
            started, last = self._time(packed[0]), self._time(packed[3 * size - 3])
        else:
            size = len(events)
            started, last = events[0].time.isoformat(), events[-1].time.isoformat()
        status = c.status
        # what lies between the case's id and its start, made once per chart and status
        key = (c.power_id, c.flowchart_id, c.inferred, status)
        middle = self.fragments.get(key)
        if middle is None:
            middle = self.fragments[key] = self._middle(*key)
        limit = c.limit
        closed = status == "closed"
        return (
            f'{{"case_id": {_encode(c.case_id)}, {middle}, "started": "{started}", '
            f'"ended": {f"{_QUOTE}{last}{_QUOTE}" if closed else "null"}, '
            f'"events": {size}, "elapsed_days": {c.elapsed}, '
            f'"limit_days": {"null" if limit is None else limit}, '
            f'"on_time": {_JSON[None if not closed or limit is None else c.elapsed <= limit]}, '
            f"{self.tail(c, size)}"
        )

    def tail(self, c: CaseResult, size: int) -> str:
        """The end of :meth:`case_json`'s line of ``c`` (of ``size`` events), from
        ``"fits"`` on."""
        lost, devs = c.lost, c.deviations
        return (
            f'"fits": {_JSON[not devs and not lost]}, "incomplete": {_JSON[bool(lost)]}, '
            f'"lines_left_out": [{", ".join(map(str, lost)) if lost else ""}], '
            f'"deviations": [{self._deviations_json(c) if devs else ""}], '
            f'"alerts": [{self._alerts_json(c, size - 1) if c.alerts else ""}]}}'
        )

    def _middle(self, power_id: str, flowchart_id: str, inferred: bool, status: str) -> str:
        """What lies between a case's id and its start in its JSON."""
        plain = {
            "power_id": power_id,
            "flowchart_id": flowchart_id,
            "flowchart_inferred": inferred,
            "status": status,
        }
        return json.dumps(plain, ensure_ascii=False)[1:-1]

    def _deviations_json(self, c: CaseResult) -> str:
        """The deviations of ``c`` as JSON, each as :meth:`MonitorResult.deviation_dict`."""
        r, lang = self.result, self.lang
        if self.incomplete and c.lost:  # rare: each message names the lines lost
            return ", ".join(
                [json.dumps(r.deviation_dict(d, lang), ensure_ascii=False) for d in c.deviations]
            )
        return self.deviation_items(c.deviations)

    def deviation_items(self, deviations: Iterable[Deviation]) -> str:
        """``deviations`` (of a case that lost no line) as JSON, each as
        :meth:`MonitorResult.deviation_dict`, separated by commas."""
        lang = self.lang
        return ", ".join(
            [
                self.deviation_json(d).format(
                    _encode(d.case_id),
                    "null" if d.line is None else d.line,
                    d.position,
                    _encode(shown(d.case_id, lang))[1:-1],
                )
                for d in deviations
            ]
        )

    def deviation_message(self, d: Deviation) -> str:
        """The message of deviations like ``d`` (same code, chart, steps, risk points)
        as a ``str.format`` template of its case as shown (``{0}``)."""
        key = _deviation_key(d)
        made = self.templates.get(key)
        if made is None:
            made = self._template(d, key, None)
        return made

    def deviation_json(self, d: Deviation) -> str:
        """Deviations like ``d`` as JSON (:meth:`MonitorResult.deviation_dict`), a
        ``str.format`` template of the case id as JSON (``{0}``), line, position
        (``{1}``, ``{2}``) and the case id as shown, escaped for inside a JSON string
        (``{3}``)."""
        key = _deviation_key(d)
        made = self.deviation_parts.get(key)
        if made is None:
            fixed = {
                "code": d.code,
                "case_id": _CASE,
                "line": _LINE,
                "position": _POSITION,
                "step": d.step,
                "source": d.source,
                "kind": d.kind,
                "steps": list(d.steps),
                "on_every_path": d.on_every_path,
                "risk_points": [
                    {"id": p.id, "level": p.level, "step": p.step} for p in d.risk_points
                ],
                "message": _MESSAGE,
            }
            text = _placed(json.dumps(fixed, ensure_ascii=False), _ALERT_FIELDS)
            message = _placed(self._rendered(d, key, None), _DEVIATION_MESSAGE, _inside_json)
            made = self.deviation_parts[key] = text.replace(_MESSAGE_FIELD, f'"{message}"')
        return made

    def _alerts_json(self, c: CaseResult, last: int) -> str:
        """The alerts of ``c`` as JSON, each as :meth:`MonitorResult.alert_dict`: one
        ``str.format`` template per kind of alert, its message inside already escaped."""
        r, lang = self.result, self.lang
        if self.incomplete and c.lost:  # rare: each message names the lines lost
            return ", ".join(
                [json.dumps(r.alert_dict(a, lang), ensure_ascii=False) for a in c.alerts]
            )
        open_ = r.as_of is not None and c.status == "open"
        out = []
        case_id = encoded_id = inner_id = None
        for a in c.alerts:
            if a.case_id is not case_id:
                case_id = a.case_id
                encoded_id = _encode(case_id)
                inner_id = _encode(shown(case_id, lang))[1:-1]
            still = open_ and (a.scope == "case" or a.position == last)
            out.append(
                self.alert_json_template(a, still).format(
                    encoded_id,
                    "null" if a.line is None else a.line,
                    "null" if a.position is None else a.position,
                    a.elapsed,
                    a.limit,
                    a.date.isoformat(),
                    inner_id,
                )
            )
        return ", ".join(out)

    def _alert_template(self, a: Alert, key: tuple[Any, ...], as_of: date | None) -> str:
        """An alert's JSON as a ``str.format`` template of its case id as JSON (``{0}``),
        line, position, days, limit, date (``{1}``-``{5}``) and its case id as shown,
        escaped for inside a JSON string (``{6}``)."""
        fixed = {
            "code": a.code,
            "card": a.card,
            "case_id": _CASE,
            "scope": a.scope,
            "step": a.step,
            "line": _LINE,
            "position": _POSITION,
            "elapsed_days": _ELAPSED,
            "limit_days": _LIMIT,
            "date": _DATE,
            "risk_points": [{"id": p.id, "level": p.level, "step": p.step} for p in a.risk_points],
            "message": _MESSAGE,
        }
        text = _placed(json.dumps(fixed, ensure_ascii=False), _ALERT_FIELDS)
        message = _placed(self._rendered(a, key, as_of), _ALERT_MESSAGE, _inside_json)
        return text.replace(_MESSAGE_FIELD, f'"{message}"')
