"""What the load cache keeps of a power file: the validated power as compact JSON, and
where its entities stand in the file.

An entry (:class:`CachedPower`) holds the :class:`~powerreg.model.Power` as rows (each
model a list of its fields in order, after a bit set of the fields that were set), where
its category was named, and the line and column of the power and each of its entities.
The rows are written and read by functions compiled once per model class, and a power is
built back without validating it twice (it was valid when written; the cache's checksum
and fingerprint say it is what was written) — the hot loop of a warm load. A model that
holds anything the rows could not give back exactly is :class:`Unencodable`, and its file
is not cached. The file that keeps the entries is :mod:`powerreg.loadcache`.

Examples:
    >>> from powerreg import load
    >>> power = load("examples/minimal").powers["XK-001"]
    >>> entry = CachedPower.of(power, None, [("XK-001", 1, 5)])
    >>> back = decode_payload(encode_payload(entry))
    >>> back.power == power, back.positions
    (True, [('XK-001', 1, 5)])
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import cache as once
from itertools import repeat
from typing import Any, Union

from pydantic import BaseModel

from .model import Power


class Unencodable(ValueError):
    """A model holds a value the cache cannot write back exactly (it is not cached)."""


_Encode = Callable[[Any], Any]
_Decode = Callable[[Any], Any]
_PLAIN = (str, int, float, bool, type(None))


def _plain(value: Any) -> Any:
    if type(value) in _PLAIN:
        return value
    if type(value) is list and all(type(v) in _PLAIN for v in value):
        return value
    raise Unencodable(f"cannot keep a {type(value).__name__}")


def _strip(annotation: Any) -> tuple[Any, bool]:
    """The annotation without ``Annotated`` and ``Optional``; whether it was optional."""
    optional = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                raise Unencodable(f"union {annotation!r}")
            optional, annotation = True, args[0]
        else:
            return annotation, optional


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


class _Codec:
    """Writes models of one class as lists (fields in order, after a bit set of which
    fields were set) and builds them back without validating: they were valid when
    written, and the checksum and the fingerprint say they are what was written."""

    def __init__(self) -> None:
        self.encoders: dict[type[BaseModel], _Encode] = {}
        self.decoders: dict[type[BaseModel], _Decode] = {}

    def field(
        self, owner: type[BaseModel], annotation: Any
    ) -> tuple[_Encode, _Decode | None, bool]:
        """How to write and read back one field: encoder, decoder (``None``: the JSON
        value is the value), and whether the decoder applies to each item of a list."""
        tp, _ = _strip(annotation)
        if typing.get_origin(tp) is list:
            (item,) = typing.get_args(tp)
            item, _ = _strip(item)
            if _is_model(item):
                return (*self.model(item), True)
            return _plain, None, False
        if _is_model(tp):
            return (*self.model(tp), False)
        if isinstance(tp, type) and issubclass(tp, Enum):
            return _enum_encoder(tp), _enum_decoder(tp), False
        if tp in _PLAIN or tp is Any:
            return _plain, None, False
        raise Unencodable(f"{owner.__name__}: field type {tp!r}")

    def model(self, cls: type[BaseModel]) -> tuple[_Encode, _Decode]:
        if cls in self.encoders:
            return self.encoders[cls], self.decoders[cls]
        if cls.__private_attributes__ or cls.__pydantic_post_init__ or cls.__pydantic_root_model__:
            raise Unencodable(f"{cls.__name__} has private attributes or a post-init")
        names = tuple(cls.model_fields)
        # set before the fields are compiled, so a model that holds itself terminates
        self.encoders[cls] = lambda v: encode(v)
        self.decoders[cls] = lambda v: decode(v)
        fields = [self.field(cls, f.annotation) for f in cls.model_fields.values()]
        encode = _compile_encoder(cls, names, [(enc, many) for enc, _, many in fields])
        decode = _compile_decoder(cls, names, [(dec, many) for _, dec, many in fields])
        self.encoders[cls], self.decoders[cls] = encode, decode
        return encode, decode


def _not_plain(cls: type[BaseModel]) -> Unencodable:
    return Unencodable(f"not a plain {cls.__name__}")


def _compile_encoder(
    cls: type[BaseModel], names: tuple[str, ...], fields: list[tuple[_Encode, bool]]
) -> _Encode:
    """A function that writes a ``cls`` as its row (the inverse of the decoder), or
    raises :class:`Unencodable` if it holds anything the row could not give back."""
    scope: dict[str, Any] = {
        "cls": cls,
        "P": _PLAIN,
        "plain": _plain,
        "bit": {name: 1 << i for i, name in enumerate(names)},
        "refuse": _not_plain,
    }
    items = []
    for i, (enc, many) in enumerate(fields):
        v = f"v{i}"
        if enc is _plain:
            items.append(f"{v} if type({v}) in P else plain({v})")
        else:
            scope[f"e{i}"] = enc
            call = f"[e{i}(x) for x in {v}]" if many else f"e{i}({v})"
            items.append(f"None if {v} is None else {call}")
    fetch = "".join(f"    v{i} = d[{name!r}]\n" for i, name in enumerate(names))
    source = (
        "def encode(obj):\n"
        "    if type(obj) is not cls or obj.__pydantic_extra__:\n"
        "        raise refuse(cls)\n"
        "    d = obj.__dict__\n"
        "    mask = 0\n"
        "    for name in obj.__pydantic_fields_set__:\n"
        "        mask |= bit[name]\n"
        f"{fetch}"
        f"    return [mask, {', '.join(items)}]\n"
    )
    exec(compile(source, f"<encode {cls.__name__}>", "exec"), scope)  # our own source
    encode: _Encode = scope["encode"]
    return encode


def _compile_decoder(
    cls: type[BaseModel], names: tuple[str, ...], fields: list[tuple[_Decode | None, bool]]
) -> _Decode:
    """A function that builds a ``cls`` from its row as ``model_construct`` would, but
    recursively and with the fields unrolled: the hot loop of a warm load."""
    sets: dict[int, frozenset[str]] = {}

    def fields_set(mask: int) -> frozenset[str]:
        if not 0 <= mask < 1 << len(names):
            raise ValueError("bad field set")
        found = sets[mask] = frozenset(n for i, n in enumerate(names) if mask >> i & 1)
        return found

    scope: dict[str, Any] = {
        "cls": cls,
        "new": object.__new__,
        # the setters of the instance's own slots, called directly: two thirds the cost
        # of object.__setattr__, which looks each one up (a power builds some 50 models)
        "put_dict": _setter(cls, "__dict__"),
        "put_set": _setter(cls, "__pydantic_fields_set__"),
        "put_extra": _setter(cls, "__pydantic_extra__"),
        "put_private": _setter(cls, "__pydantic_private__"),
        "sets": sets,
        "fields_set": fields_set,
    }
    items = []
    for i, (name, (dec, many)) in enumerate(zip(names, fields, strict=True)):
        v = f"v{i}"
        if dec is None:
            expr = v
        elif isinstance(dec, _EnumDecode) and not many:
            scope[f"m{i}"] = dec.members
            expr = f"None if {v} is None else {v}[0] if type({v}) is list else m{i}[{v}]"
        else:
            scope[f"d{i}"] = dec
            call = f"[d{i}(x) for x in {v}]" if many else f"d{i}({v})"
            expr = f"None if {v} is None else {call}"
        items.append(f"{name!r}: {expr}")
    unpack = ", ".join(["mask", *(f"v{i}" for i in range(len(names)))])
    source = (
        "def decode(row):\n"
        "    if row is None:\n"
        "        return None\n"
        f"    {unpack}, = row\n"
        "    obj = new(cls)\n"
        f"    put_dict(obj, {{{', '.join(items)}}})\n"
        "    fs = sets.get(mask)\n"
        "    put_set(obj, set(fields_set(mask) if fs is None else fs))\n"
        "    put_extra(obj, None)\n"
        "    put_private(obj, None)\n"
        "    return obj\n"
    )
    exec(compile(source, f"<decode {cls.__name__}>", "exec"), scope)  # our own source, built above
    decode: _Decode = scope["decode"]
    return decode


def _setter(cls: type[BaseModel], name: str) -> Callable[[Any, Any], None]:
    """The ``__set__`` of the descriptor that keeps ``name`` on instances of ``cls``
    (a slot of pydantic's ``BaseModel``), as ``object.__setattr__`` would find it.

    Raises:
        Unencodable: no class of ``cls``'s MRO defines it.
    """
    for klass in cls.__mro__:
        found = vars(klass).get(name)
        if found is not None and hasattr(found, "__set__"):
            setter: Callable[[Any, Any], None] = found.__set__
            return setter
    raise Unencodable(f"{cls.__name__} keeps no {name}")  # pragma: no cover - pydantic's


def _enum_encoder(cls: type[Enum]) -> _Encode:
    """A member as its value; a bare value (kept by ``use_enum_values``) in a list."""

    def encode(value: Any) -> Any:
        if type(value) is cls and type(value.value) in _PLAIN:
            return value.value
        if type(value) in _PLAIN and value in cls._value2member_map_:
            return [value]
        raise Unencodable(f"not a {cls.__name__}")

    return encode


class _EnumDecode:
    """Reads an enum field back: a value is its member, a one-item list a bare value.
    The decoders inline it (a call per enum field is a tenth of a warm load)."""

    def __init__(self, cls: type[Enum]) -> None:
        self.members = cls._value2member_map_

    def __call__(self, value: Any) -> Any:
        return value[0] if type(value) is list else self.members[value]


def _enum_decoder(cls: type[Enum]) -> _Decode:
    return _EnumDecode(cls)


@once
def _power_codec() -> tuple[_Encode, _Decode]:
    return _Codec().model(Power)


# ------------------------------------------------------------------ entries


@dataclass(frozen=True)
class CachedPower:
    """What a clean power file produced: the validated power, where its category was
    named (``(code, line, column, entity)``, ``None`` if it names none as text), the
    key, line and column of each entity the source map records (three lists), and
    whether those are all of them (``whole``) or the power's own place only, its
    entities' to be found in the file when first asked (:mod:`.lateplaces`)."""

    power: Power
    category: tuple[str, int, int, str | None] | None
    keys: Sequence[str]
    lines: Sequence[int]
    columns: Sequence[int]
    whole: bool = True

    @classmethod
    def of(
        cls,
        power: Power,
        category: tuple[str, int, int, str | None] | None,
        positions: Iterable[tuple[str, int, int]],
        *,
        whole: bool = True,
    ) -> CachedPower:
        """An entry from ``(key, line, column)`` of each located entity."""
        keys: list[str] = []
        lines: list[int] = []
        columns: list[int] = []
        for key, line, column in positions:
            keys.append(key)
            lines.append(line)
            columns.append(column)
        return cls(power, category, keys, lines, columns, whole)

    @property
    def positions(self) -> list[tuple[str, int, int]]:
        """``(key, line, column)`` of each located entity."""
        return list(zip(self.keys, self.lines, self.columns, strict=True))

    def locate(self, file: str, into: dict[str, tuple[str, int, int]]) -> None:
        """Record in a source map that the entities sit in ``file``."""
        into.update(zip(self.keys, zip(repeat(file), self.lines, self.columns), strict=True))


def entry_body(entry: CachedPower) -> list[Any]:
    """An entry as plain lists, strings and numbers: what a payload holds, as a worker
    hands it over when nothing is cached (pickled by the pipe, not written as JSON).

    Raises:
        Unencodable: the power holds a value the body could not give back exactly.

    Examples:
        >>> import pickle
        >>> from powerreg import load
        >>> entry = CachedPower.of(load("examples/minimal").powers["XK-001"], None, [])
        >>> entry_of_body(pickle.loads(pickle.dumps(entry_body(entry)))) == entry
        True
    """
    encode, _ = _power_codec()
    return [
        encode(entry.power),
        entry.category,
        entry.keys,
        entry.lines,
        entry.columns,
        entry.whole,
    ]


def entry_of_body(body: Any) -> CachedPower:
    """The entry a body holds (:func:`entry_body`); raises (anything) if it holds none."""
    _, decode = _power_codec()
    power_row, category, keys, lines, columns, whole = body
    if not (type(keys) is type(lines) is type(columns) is list) or not (
        len(keys) == len(lines) == len(columns)
    ):
        raise ValueError("bad positions")
    if type(whole) is not bool:
        raise ValueError("bad whole")
    power = decode(power_row)
    power.assign_global_ids()
    if category is not None:
        code, line, column, entity = category
        category = (code, line, column, entity)
    return CachedPower(power, category, keys, lines, columns, whole)


def encode_payload(entry: CachedPower) -> bytes:
    """An entry as the bytes kept in the cache (its body as compact JSON).

    Raises:
        Unencodable: the power holds a value the payload could not give back exactly.
    """
    return json.dumps(entry_body(entry), ensure_ascii=False, separators=(",", ":")).encode()


def decode_payload(payload: bytes) -> CachedPower:
    """The entry of a payload; raises (anything) if it is not one."""
    return entry_of_body(json.loads(payload))
