"""What a pydantic validation error says, as a problem's template and its values.

The models refuse bad data with pydantic errors (a type, a path ``loc`` into the data,
the value); :func:`schema_message` turns one into the template key of an E002 message
that says what to do, and its parameters, the same for every reader of a registry: the
YAML loader (:mod:`powerreg.directory`) puts the problem at its file's line, the workbook
reader (:mod:`powerreg.workbook`) at its sheet's cell. :func:`entity_of` names the entity
a path passes through; :func:`quoted` cuts the values of a cross-reference message to
short excerpts.

Examples:
    >>> from pydantic import ValidationError
    >>> from powerreg.model import Step
    >>> try:
    ...     Step.model_validate({"id": "S1", "label": "受理", "days": -1})
    ... except ValidationError as err:
    ...     schema_message(err.errors()[0], Step)
    ('E002.too_small', {'field': 'days', 'bound': 0, 'value': '-1'}, False)
"""

from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel

from .codes import localized, render, value_kind
from .model import (
    ALIASES,
    Category,
    Countermeasure,
    Disclosure,
    Flowchart,
    Level,
    Limit,
    MeasureKind,
    RiskPoint,
    RiskType,
    Stage,
    Step,
    StepKind,
    Transition,
    Unit,
    UnitKind,
)
from .model.enums import normal_word
from .suggest import closest
from .textsafe import SNIPPET, excerpt, snippet

__all__ = [
    "ENTITY_MAX",
    "LIST_MAX",
    "entity_of",
    "quoted",
    "schema_message",
    "schema_words",
    "short_entity",
]

_ENUM_OF_FIELD: dict[str, type] = {
    "level": Level,
    "type": RiskType,
    "stage": Stage,
}
_ENTITY_LISTS = ("flowcharts", "steps", "risk_points", "countermeasures", "categories")


#: Longest entity a problem names: its global id is joined from ids read from the file,
#: which may be anything before the schema has checked them.
ENTITY_MAX = 200
#: Longest list of names a message quotes (ids from the file joined by commas).
LIST_MAX = 240
#: Parameters that list names rather than quote one value.
_LISTS = frozenset({"steps", "charts", "categories"})


def short_entity(entity: str | None) -> str | None:
    """An entity's global id as a problem names it: cut to :data:`ENTITY_MAX`."""
    return None if entity is None else excerpt(entity, ENTITY_MAX)


def quoted(params: dict[str, Any]) -> dict[str, Any]:
    """The parameters of a cross-reference message (E003, E004), found on the raw data
    before any id was checked: every text from the file cut to an excerpt, so a file
    holding one 10 kB id is not echoed whole.

    Examples:
        >>> quoted({"step": "S" * 100, "steps": "S1, S2", "what": {"en": "x", "zh": "x"}})["step"]
        'SSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSS…'
    """
    out: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, str):
            value = excerpt(value, LIST_MAX if key in _LISTS else SNIPPET)
        elif isinstance(value, dict):  # a {"en": …, "zh": …} pair naming one id
            value = {lang: excerpt(text, 2 * SNIPPET) for lang, text in value.items()}
        out[key] = value
    return out


def entity_of(data: Any, loc: tuple[Any, ...], power_id: str | None) -> str | None:
    """Global id of the deepest entity that ``loc`` passes through."""
    parts: list[str] = [power_id] if power_id else []
    node = data
    for prev, part in zip((None, *loc), loc, strict=False):
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if prev in _ENTITY_LISTS and isinstance(node, dict):
            local = node.get("id", node.get("code"))
            if isinstance(local, str):
                parts.append(local)
    return "/".join(parts) or None


def _enum_for(loc: tuple[Any, ...]) -> type | None:
    name = loc[-1] if loc else None
    if name == "kind":
        within = loc[-3] if len(loc) >= 3 else None
        return {"steps": StepKind, "units": UnitKind}.get(str(within), MeasureKind)
    return _ENUM_OF_FIELD.get(name) if isinstance(name, str) else None


def _model_at(loc: tuple[Any, ...], top: type[BaseModel]) -> type[BaseModel] | None:
    """The model class whose field list applies at ``loc`` (for 'did you mean')."""
    model: type[BaseModel] | None = top
    nested: dict[str, type[BaseModel]] = {
        "flowcharts": Flowchart,
        "steps": Step,
        "transitions": Transition,
        "risk_points": RiskPoint,
        "countermeasures": Countermeasure,
        "categories": Category,
        "disclosure": Disclosure,
        "units": Unit,
    }
    for part in loc:
        if isinstance(part, str):
            model = nested.get(part, model)
    return model


def _literal_at(loc: tuple[Any, ...], top: type[BaseModel]) -> str | None:
    """The values a field of literals accepts (``schema_version``: ``1``), if it is one."""
    model = _model_at(loc[:-1], top)
    info = model.model_fields.get(str(loc[-1])) if model and loc else None
    if info is None or typing.get_origin(info.annotation) is not typing.Literal:
        return None
    return " or ".join(repr(v) for v in typing.get_args(info.annotation))


#: Endings of the fields that hold a time limit (its amount and unit are inside).
_LIMITS = ("_limit", "_days")


def _field_name(loc: tuple[Any, ...]) -> str:
    """The field a message names: the last key of ``loc``, with the index of an item of
    a list of texts (``legal_basis[0]``).

    Examples:
        >>> _field_name(("flowcharts", 0, "title")), _field_name(("legal_basis", 2))
        ('title', 'legal_basis[2]')
    """
    if not loc:
        return "value"
    if loc[-1] in ("amount", "unit") and len(loc) > 1 and str(loc[-2]).endswith(_LIMITS):
        return snippet(loc[-2])  # a time limit's amount: name the limit (statutory_days)
    if isinstance(loc[-1], int) and len(loc) > 1:
        return f"{snippet(loc[-2])}[{loc[-1]}]"
    return snippet(loc[-1])


def schema_message(err: dict[str, Any], top: type[BaseModel]) -> tuple[str, dict[str, Any], bool]:
    """The template key and parameters of a message for one pydantic error that says what
    to do; and whether it concerns a key (unknown field) rather than a value. Values from
    the file are quoted as short excerpts (:func:`~powerreg.yamlsource.snippet`)."""
    kind = err["type"]
    loc = tuple(err["loc"])
    field = _field_name(loc)
    value = err.get("input")
    ctx = err.get("ctx", {})
    if kind == "extra_forbidden":
        model = _model_at(loc[:-1], top)
        names = [f.alias or n for n, f in model.model_fields.items()] if model else []
        close = closest(str(loc[-1]), names)
        if close:
            return "E002.unknown_field", {"field": field, "close": close}, True
        return "E002.unknown_field_list", {"field": field, "known": ", ".join(names)}, True
    if kind == "missing":
        return "E002.missing", {"field": field}, False
    if kind in ("enum", "literal_error"):
        enum = _enum_for(loc)
        if enum is not None:
            codes = [m.value for m in enum]  # type: ignore[attr-defined]
            aliases = list(ALIASES.get(enum, {}))
            accepted = ", ".join(codes) + (f" (or {', '.join(aliases)})" if aliases else "")
            params = {"field": field, "value": snippet(value), "accepted": accepted}
            # a typo of a code (decison) gets a did-you-mean, and so does a Chinese word
            # cut short (业务 → 业务流程); another Chinese word (较高, 特高) is not a typo of
            # ours: the list says what is accepted
            close = None
            if isinstance(value, str) and value.isascii():
                close = closest(normal_word(value), codes)
            elif isinstance(value, str) and value.strip():
                starts = [w for w in aliases if w.startswith(value.strip()) and w != value]
                close = starts[0] if len(starts) == 1 else None
            if close is not None:
                return "E002.enum_close", {**params, "close": close}, False
            return "E002.enum", params, False
        if kind == "literal_error":
            expected = str(ctx.get("expected", "?"))
            if isinstance(value, str) and value.strip() in expected.split(" or "):
                # the number written in quotes (schema_version: '1'): text, not the number
                return "E002.literal_quoted", {"field": field, "expected": value.strip()}, False
            return (
                "E002.not_literal",
                {"field": field, "expected": expected, "value": snippet(value)},
                False,
            )
    if kind == "int_parsing_size":  # an integer too large even to compare with a literal
        literal = _literal_at(loc, top)
        if literal is not None:
            return (
                "E002.not_literal",
                {"field": field, "expected": literal, "value": snippet(value)},
                False,
            )
    if kind == "string_pattern_mismatch":
        if field == "at":
            return "E002.at", {"value": snippet(value)}, False
        return "E002.bad_id", {"value": snippet(value), "field": field}, False
    if kind == "string_too_long":
        n, most = len(str(value)), ctx["max_length"]
        return "E002.too_long", {"field": field, "n": f"{n:,}", "max": f"{most:,}"}, False
    if kind == "string_too_short":
        return "E002.empty", {"field": field}, False
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "E002.not_int", {"field": field, "kind": value_kind(value)}, False
    if kind == "greater_than_equal":
        return (
            "E002.too_small",
            {"field": field, "bound": ctx["ge"], "value": snippet(value)},
            False,
        )
    if kind == "less_than_equal":
        return (
            "E002.too_large",
            {"field": field, "bound": ctx["le"], "value": snippet(value)},
            False,
        )
    if kind == "string_type":
        return "E002.not_text", {"field": field, "kind": value_kind(value)}, False
    if kind in ("bool_parsing", "bool_type"):
        return "E002.not_bool", {"field": field, "kind": value_kind(value)}, False
    if kind == "list_type":
        return "E002.not_list", {"field": field, "kind": value_kind(value)}, False
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "E002.not_map", {"field": field, "kind": value_kind(value)}, False
    if kind == "too_short":
        return "E002.too_few", {"field": field, "n": ctx["min_length"]}, False
    if kind == "time_limit_text":
        return "E002.limit_text", {"field": field, "value": snippet(ctx["value"])}, False
    if kind == "time_limit_too_long":
        shown = {
            key: localized(limit.text("en"), limit.text("zh"))
            for key, limit in (
                ("limit", Limit(amount=ctx["amount"], unit=ctx["unit"])),
                ("max", Limit(amount=ctx["max"], unit=ctx["unit"])),
            )
        }
        return "E002.limit_too_long", {"field": field, **shown}, False
    if kind == "value_error" and "transitions" in loc and isinstance(value, str):
        return "E002.transition_form", {"value": snippet(value)}, False
    if kind == "value_error":
        return "E002", {"field": field, "detail": str(ctx["error"])}, False
    return "E002", {"field": field, "detail": err["msg"]}, False


def schema_words(top: type[BaseModel], err: dict[str, Any]) -> dict[str, str] | None:
    """What a pydantic error of a settings file (a model ``top`` of its own) says, in
    both languages: the E002 message a registry's file would get, or ``None`` where
    that is only pydantic's own words again.

    Examples:
        >>> from pydantic import BaseModel, ValidationError
        >>> class Limits(BaseModel):
        ...     days: int = 1
        >>> try:
        ...     Limits.model_validate({"days": "x"})
        ... except ValidationError as err:
        ...     schema_words(Limits, err.errors()[0])["zh"]
        'days 应为整数，而不是文本“x”'
    """
    key, params, _ = schema_message(err, top)
    if key == "E002":
        return None
    return localized(render(key, "en", params), render(key, "zh", params))
