"""Reading a clean power file fast: rapidyaml parses, the careful reader stays the judge.

libyaml, driven event by event from Python (:mod:`.yamlsource`), costs nine tenths of a
cold load. rapidyaml (the ``fast`` extra) parses the same file in C++ some fifty times
faster and writes it out as JSON, which Python's C decoder turns into the same dicts and
lists. It is trusted only where it cannot differ from the careful reader, and any doubt
sends the file back to that reader, which reports every problem at its file, line and
column as before:

* a file holding a byte that could mean something the careful reader refuses or treats
  otherwise — ``&`` ``*`` ``!`` (anchors, aliases, tags), ``<<``, a directive or a
  document marker at a line's start, a complex key, a tab, a carriage return that
  does not end a line (Windows' ``\\r\\n`` is read here), a control character or a
  YAML line break other than ``\\n`` — is not read here;
* a number the careful reader would type otherwise, a string the YAML 1.2 core schema
  would read as a number, a boolean or null (``"012"``, ``"True"``, ``"~"``), a duplicate
  key, a string (a key perhaps) opening with a full-width space, an integer of more than
  :data:`~powerreg.yamlsource.MAX_DIGITS` digits: not read here;
* anything rapidyaml or the JSON decoder refuses: not read here (rapidyaml prints its
  message to fd 2, pointed at /dev/null meanwhile — so the fast reading runs only while
  this process runs one thread — and the careful reader will say it better).

A clean file's positions (where its entities start, for the source map) are taken from
rapidyaml's tree: each scalar it returns is a view into the parsed bytes, so its address
is its place (read where CPython keeps a memoryview's buffer, found at import, or by the
buffer protocol); a container starts at its first key, ``{``, ``[`` or ``-``, as libyaml
marks it. Every offset is checked against the bytes it claims (the key's text, the
quote, the bracket); one that does not match raises :class:`Unsure`, and the caller
reads the file carefully instead.

Without rapidyaml installed, :func:`read_clean` returns ``None`` and every file is read
carefully; the results are the same either way (tests compare them).

Examples:
    >>> from powerreg.yamlsource import read_bytes
    >>> raw = b"id: P1\\nrisks:\\n  - {id: R1, level: 2}\\n  - id: R2\\n"
    >>> doc = read_clean(raw, "p.yaml") or read_bytes(raw, "p.yaml")  # either says so
    >>> doc.data, doc.position(("id",)), doc.items(("risks",))
    ({'id': 'P1', 'risks': [{'id': 'R1', 'level': 2}, {'id': 'R2'}]}, (1, 5), [(3, 5), (4, 5)])
    >>> read_clean(b"a: &x 1\\nb: *x\\n", "p.yaml") is None   # an anchor: read carefully
    True
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
from collections.abc import Iterator
from functools import cache
from typing import Any

from .machine import fd2_alone
from .yamlsource import MAX_DIGITS, Pos, list_at

#: ``POWERREG_FAST_YAML=0`` reads every file carefully.
FAST_ENV = "POWERREG_FAST_YAML"

_ryml: Any = None
_tried = False


def available() -> bool:
    """Whether the fast reading is on: rapidyaml can be imported (it is, once, on the
    first call) and ``POWERREG_FAST_YAML=0`` does not turn it off.

    Examples:
        >>> isinstance(available(), bool)
        True
    """
    global _ryml, _tried, _views
    if os.environ.get(FAST_ENV, "1") == "0":
        return False
    if not _tried:
        _tried = True
        try:
            import ryml  # type: ignore[import-untyped]
        except ImportError:  # the ``fast`` extra is not installed
            return False
        _bits(ryml)
        _views = _Views()
        _ryml = ryml
    return _ryml is not None


#: Bytes after which a file is read carefully (see the module's list): these anywhere,
_CAREFUL_BYTES = b"&*!\t\x7f" + bytes(range(0x09)) + b"\x0b\x0c" + bytes(range(0x0E, 0x20))
#: these sequences anywhere (a merge key; a directive or a document marker at a line's
#: start), each looked for only if its rarest byte is there (a search for a sequence of
#: bytes costs a few microseconds a file, a search for one byte a tenth of that),
_CAREFUL_SEQUENCES = ((b"<", b"<<"), (b"%", b"\n%"), (b".", b"\n..."), (b"-", b"\n---"))
#: these characters anywhere (a BOM past the start; U+2028, U+2029, U+FFFE, U+FFFF),
#: looked for in the decoded text,
_CAREFUL_CHARACTERS = ("\ufeff", "\u2028", "\u2029", "\ufffe", "\uffff")
#: a C1 control character (U+0080 to U+009F, NEL among them), or a complex key. (The
#: patterns are compiled by ``re`` when first used: a load that reads nothing fast does
#: not compile them.)
_C1 = rb"\xc2[\x80-\x9f]"
_COMPLEX_KEY = rb"(?m)^[ ]*(?:-[ ]+)*\?(?:[ ]|$)"


def careful(raw: bytes, text: str | None = None) -> bool:
    """Whether ``raw`` holds anything that sends it to the careful reader (``text``:
    ``raw`` decoded, if it was; a file that is not UTF-8 is read carefully).

    Examples:
        >>> careful("id: P1\\nname: 许可\\n".encode()), careful(b"a: &x 1\\n")
        (False, True)
        >>> careful(b"? [a]\\n: 1\\n"), careful(b"a: 1\\n---\\nb: 2\\n")
        (True, True)
        >>> careful("a: 许\\u2028可\\n".encode()), careful(b"a: \\xff\\n")
        (True, True)
    """
    if len(raw.translate(None, _CAREFUL_BYTES)) != len(raw):
        return True
    if b"\r" in raw and raw.count(b"\r") != raw.count(b"\r\n"):
        return True  # a carriage return not ending a line (Windows' \r\n is read here)
    if raw[:1] == b"%" or raw[:3] in (b"---", b"..."):
        return True
    for rare, seq in _CAREFUL_SEQUENCES:
        if rare in raw and seq in raw:
            return True
    if text is None:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return True
    for char in _CAREFUL_CHARACTERS:
        if char in text:
            return True
    if b"\xc2" in raw and re.search(_C1, raw) is not None:
        return True
    return b"?" in raw and re.search(_COMPLEX_KEY, raw) is not None


#: A JSON string the YAML 1.2 core schema would have read otherwise had it been plain
#: (rapidyaml writes such plain scalars as strings): read the file carefully.
_TYPED_STRING = (
    r'"(?=[-+.0-9~nNtTfF"])(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+'
    r"|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r'|~|null|Null|NULL|true|True|TRUE|false|False|FALSE|[-+]?\.inf|\.nan|)"'
)


class Unsure(Exception):
    """The fast reading cannot vouch for a value or a position: read carefully."""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    d = dict(pairs)
    if len(d) != len(pairs):
        raise Unsure("duplicate key")
    return d


def _int(text: str) -> int:
    if len(text) > MAX_DIGITS:
        raise Unsure("long number")
    return int(text)


def _constant(text: str) -> Any:
    raise Unsure(text)  # NaN, Infinity: not YAML


_decoder = json.JSONDecoder(object_pairs_hook=_pairs, parse_int=_int, parse_constant=_constant)


class _Views:
    """Where the bytes of a buffer start (rapidyaml's views point into the parsed file).
    Made once, when rapidyaml is imported (:func:`available`), so that a load reading
    nothing fast (every file from the cache) neither imports ctypes nor looks for where
    CPython keeps a memoryview's buffer.
    """

    def __init__(self) -> None:
        import ctypes

        class Buffer(ctypes.Structure):  # CPython's Py_buffer
            _fields_ = [
                ("buf", ctypes.c_void_p),
                ("obj", ctypes.c_void_p),
                ("len", ctypes.c_ssize_t),
                ("itemsize", ctypes.c_ssize_t),
                ("readonly", ctypes.c_int),
                ("ndim", ctypes.c_int),
                ("format", ctypes.c_char_p),
                ("shape", ctypes.c_void_p),
                ("strides", ctypes.c_void_p),
                ("suboffsets", ctypes.c_void_p),
                ("internal", ctypes.c_void_p),
            ]

        self._get = ctypes.pythonapi.PyObject_GetBuffer
        self._get.argtypes = [ctypes.py_object, ctypes.c_void_p, ctypes.c_int]
        self._get.restype = ctypes.c_int
        self._release = ctypes.pythonapi.PyBuffer_Release
        self._release.argtypes = [ctypes.c_void_p]
        self._release.restype = None
        # one record, reused (the fast reading runs in one thread only: see read_clean)
        self._record = Buffer()
        self._record_at = ctypes.addressof(self._record)
        self._pointer_at = ctypes.c_void_p.from_address
        self._buf_at = self._calibrate(ctypes.sizeof(ctypes.c_void_p))

    def of_buffer(self, view: Any) -> int:
        """Where the bytes of ``view`` (bytes, bytearray, memoryview) start, by CPython's
        buffer protocol."""
        if self._get(view, self._record_at, 0) != 0:  # pragma: no cover - one has it
            raise Unsure("no buffer")
        at = int(self._record.buf or 0)
        self._release(self._record_at)
        return at

    def _calibrate(self, word: int) -> int | None:
        """Where, inside a memoryview object, CPython keeps the address of its bytes
        (the ``buf`` of the ``Py_buffer`` it embeds), found by looking inside one."""
        probes = [memoryview(bytearray(b"%d" % n * 16))[n:] for n in range(1, 4)]
        for at in range(2 * word, sys.getsizeof(probes[0]) - word + 1, word):
            if all(self._pointer_at(id(v) + at).value == self.of_buffer(v) for v in probes):
                return at
        return None  # pragma: no cover - every CPython since 3.3 embeds it

    def of(self, view: memoryview) -> int:
        """Where the bytes of a memoryview start: read where :meth:`_calibrate` found it
        (four times faster than the buffer protocol). A wrong answer could only send the
        file to the careful reader: every offset is checked against the bytes it claims."""
        if self._buf_at is None:  # pragma: no cover
            return self.of_buffer(view)
        at: int = self._pointer_at(id(view) + self._buf_at).value or 0
        return at


_views: _Views | None = None


# rapidyaml's node type bits (ryml.MAP, ryml.KEY_SQUO, ...), read once it is imported
_MAP = _SEQ = _FLOW = _KEY_QUOTED = _KEY_BLOCK = _VAL_QUOTED = _VAL_BLOCK = _VAL_NIL = 0


def _bits(ryml: Any) -> None:
    global _MAP, _SEQ, _FLOW, _KEY_QUOTED, _KEY_BLOCK, _VAL_QUOTED, _VAL_BLOCK, _VAL_NIL
    _MAP, _SEQ, _FLOW = ryml.MAP, ryml.SEQ, ryml.FLOW_SL | ryml.FLOW_ML
    _KEY_QUOTED, _KEY_BLOCK = ryml.KEY_SQUO | ryml.KEY_DQUO, ryml.KEY_LITERAL | ryml.KEY_FOLDED
    _VAL_QUOTED, _VAL_BLOCK = ryml.VAL_SQUO | ryml.VAL_DQUO, ryml.VAL_LITERAL | ryml.VAL_FOLDED
    _VAL_NIL = ryml.VALNIL


class FastDocument:
    """A clean file read by rapidyaml: its data, and the positions the loader asks for.

    :meth:`position` and :meth:`items` answer as :class:`~powerreg.yamlsource.Document`
    does, or raise :class:`Unsure`.
    """

    def __init__(
        self, file: str, data: Any, text: str, tree: Any, src: bytes, buf: bytearray
    ) -> None:
        self.file = file
        self.data = data
        #: the JSON rapidyaml wrote of it, which ``data`` decodes
        self.json = text
        self._tree = tree
        self._src = src  # the file's bytes, as read
        self._buf = buf  # the bytes parsed in place (rapidyaml's views point into them)
        assert _views is not None  # made with rapidyaml
        self._address = _views.of
        self._base = _views.of_buffer(buf)
        self._end = len(buf)
        self._counted = (0, 1)  # an offset and its line
        #: the positions of every list's items found on the bytes (see _block_lists)
        self._lists: dict[int, list[Pos]] | None = None

    def _node(self, loc: tuple[str | int, ...]) -> int:
        t, none = self._tree, _ryml.NONE
        n: int = t.root_id()
        for part in loc:
            n = t.child(n, part) if isinstance(part, int) else t.find_child(n, part)
            if n == none:
                raise Unsure(f"no node at {loc!r}")
        return n

    def _scalar(self, view: Any, quoted: bool) -> int:
        """Offset of a scalar whose text rapidyaml gives as ``view``: at its opening
        quote if quoted (as libyaml marks it)."""
        off = self._address(view) - self._base
        src = self._src
        if not 0 <= off <= self._end:
            raise Unsure("a view outside the file")
        if quoted:
            off -= 1
            if off < 0 or src[off] not in b"'\"":
                raise Unsure("quote")
        elif src[off : off + len(view)] != view:
            raise Unsure("text")
        return off

    def _key_offset(self, n: int, ty: int) -> int:
        if ty & _KEY_BLOCK:
            raise Unsure("block scalar key")
        return self._scalar(self._tree.key(n), bool(ty & _KEY_QUOTED))

    def _value_offset(self, n: int, ty: int) -> int:
        t = self._tree
        if ty & (_MAP | _SEQ):
            first = t.first_child(n)
            if first == _ryml.NONE:
                raise Unsure("empty container")
            fty = t.type(first)
            if ty & _MAP:
                inner = self._key_offset(first, fty)
                if not ty & _FLOW:
                    return inner  # a block mapping starts at its first key
                opener = b"{"
            else:
                inner = self._value_offset(first, fty)
                opener = b"[" if ty & _FLOW else b"-"
            src = self._src
            at = src.rfind(opener, 0, inner)
            if at < 0 or src[at + 1 : inner].strip(b" \r\n"):
                raise Unsure("container start")
            return at
        if ty & (_VAL_BLOCK | _VAL_NIL):
            raise Unsure("block or empty scalar")
        return self._scalar(t.val(n), bool(ty & _VAL_QUOTED))

    def _pos(self, off: int) -> Pos:
        src, (at, row) = self._src, self._counted
        # lines counted from the last position asked (they are asked mostly in order)
        row = row + src.count(b"\n", at, off) if off >= at else src.count(b"\n", 0, off) + 1
        self._counted = (off, row)
        lead = src[src.rfind(b"\n", 0, off) + 1 : off]
        return row, (len(lead) if lead.isascii() else len(lead.decode("utf-8"))) + 1

    def position(self, loc: tuple[str | int, ...], *, key: bool = False) -> Pos:
        """Where the value at ``loc`` starts (its key with ``key=True``), as libyaml
        marks it."""
        n = self._node(loc)
        ty = self._tree.type(n)
        if key:
            if not loc or isinstance(loc[-1], int):
                raise Unsure("no key")
            return self._pos(self._key_offset(n, ty))
        return self._pos(self._value_offset(n, ty))

    def items(self, loc: tuple[str | int, ...]) -> list[Pos] | None:
        """Where each item of the list at ``loc`` starts, or ``None`` if there is no
        list there."""
        node = list_at(self.data, loc)
        if node is None:
            return None
        if self._lists is None:
            self._lists = _block_lists(self._src, self.data)
        found = self._lists.get(id(node)) if self._lists else None
        if found is not None:
            return found
        t, none = self._tree, _ryml.NONE
        out: list[Pos] = []
        ch = t.first_child(self._node(loc))
        while ch != none:
            out.append(self._pos(self._item_offset(ch)))
            ch = t.next_sibling(ch)
        return out

    def _item_offset(self, ch: int) -> int:
        """Where the list item ``ch`` starts, as libyaml marks it: its first key or its
        text after ``- ``, the ``{`` of ``- {``; else where its value starts."""
        t, none, src = self._tree, _ryml.NONE, self._src
        # the common cases checked on the bytes, without asking the node's type: an
        # item "- key: ...", "- {key: ...}" or "- text", its key or text plain
        first = t.first_child(ch)
        try:
            view = t.key(first) if first != none else t.val(ch)
        except TypeError:  # an item with no key or no text of its own
            view = b""
        if view:
            off = self._address(view) - self._base
            if src[off : off + len(view)] == view:
                if off >= 2 and src[off - 2 : off] == b"- ":
                    return off
                if off >= 3 and first != none and src[off - 3 : off] == b"- {":
                    return off - 1
        return self._value_offset(ch, t.type(ch))


#: A block list's item after the first line: ``- `` after nothing but spaces at a
#: line's start (searched from its ``\n``: a pattern that starts with ``^`` is tried at
#: every byte, five times slower).
_ITEM = rb"\n( *)- "


def _block_lists(src: bytes, data: Any) -> dict[int, list[Pos]]:
    """Where the items of every list of ``data`` start, found on the bytes in one pass
    (``id(list)`` → positions), for a file with no ``[``: every list in it is then a
    block list, each item a line holding ``- `` at its list's indentation, in document
    order. Each such line is matched with the item the parse gave, in order, and must
    open with what that item opens with (:func:`_opens`); every line must be matched,
    each list's at one indentation (so a line inside a block or quoted scalar that
    looks like an item is never taken for one). An empty answer where anything
    differs (a flow list, an item on the line after its ``-``, a quoted or folded
    item): the caller walks rapidyaml's tree instead, as it did for every file before.

    Examples:
        >>> raw = b"id: P1\\nrisks:\\n- id: R1\\n  ms:\\n  - {id: M1}\\n- id: R2\\n"
        >>> data = {"id": "P1", "risks": [{"id": "R1", "ms": [{"id": "M1"}]}, {"id": "R2"}]}
        >>> sorted(_block_lists(raw, data).values())
        [[(3, 3), (6, 3)], [(5, 5)]]
        >>> _block_lists(b"a: [x]\\n", {"a": ["x"]})
        {}
    """
    if b"[" in src or src.lstrip(b" ")[:2] == b"- ":
        return {}  # (a list on the first line: not the shape of a power file)
    if b"-\n" in src or b"-\r\n" in src or src.endswith(b"-"):
        return {}  # perhaps an item whose content starts on the next line: every item
        # found on the lines must then be one (a line inside a scalar that looks like
        # one leaves a line unmatched: no positions from the lines)
    starts: list[tuple[int, int]] = []
    lines: list[int] = []
    row, at = 1, 0
    for m in re.finditer(_ITEM, src):
        off = m.end()
        row += src.count(b"\n", at, off)
        at = off
        starts.append((off, off - m.start() - 3))
        lines.append(row)
    tables: dict[int, list[Pos]] = {}
    taken = 0
    count = len(starts)

    def walk(node: Any) -> None:
        nonlocal taken
        if type(node) is dict:
            for value in node.values():
                if type(value) is dict or type(value) is list:
                    walk(value)
            return
        if not node:
            return
        if taken + len(node) > count:
            raise Unsure("fewer items on the lines than parsed")
        indent = starts[taken][1]
        table: list[Pos] = []
        for item in node:
            off, level = starts[taken]
            if level != indent:
                raise Unsure("an item at another indentation")
            if type(item) is str:  # (_opens, inlined: the hot case)
                if not item or not src.startswith(item.encode(), off):
                    raise Unsure("an item that does not open as parsed")
            elif not _opens(src, off, item):
                raise Unsure("an item that does not open as parsed")
            table.append((lines[taken], indent + 3))
            taken += 1
            if type(item) is dict and src[off] != 123:  # "{": a flow mapping holds no list
                walk(item)
        tables[id(node)] = table

    try:
        walk(data)
    except (Unsure, RecursionError):
        return {}
    return tables if taken == count else {}


def _opens(src: bytes, at: int, item: Any) -> bool:
    """Whether the bytes at ``at`` open the list item ``item`` as written plain: its
    first key (after ``{`` in flow) and, if that key's value is text, the text; or the
    item's text.

    Examples:
        >>> _opens(b"- {id: S1, k: 2}", 2, {"id": "S1", "k": 2})
        True
        >>> _opens(b"- id: S2", 2, {"id": "S1"})
        False
        >>> _opens(b"- S1 -> S2", 2, "S1 -> S2"), _opens(b"- 'S1'", 2, "S1")
        (True, False)
    """
    if type(item) is str:
        return bool(item) and src.startswith(item.encode(), at)
    if type(item) is not dict or not item:
        return False
    if src[at : at + 1] == b"{":
        at += 1
    key = next(iter(item))
    head = key.encode() + b": "
    if not src.startswith(head, at):
        return False
    value = item[key]
    return type(value) is not str or src.startswith(value.encode(), at + len(head))


#: Whether fd 2 points at /dev/null already (inside :func:`quiet`).
_quieted = False


def _silence() -> int | None:
    """Point fd 2 at /dev/null; the saved fd 2 to restore (``None``: no fd 2 to save)."""
    try:
        saved = os.dup(2)
    except OSError:  # no fd 2 to save: no fast reading
        return None
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, 2)
        finally:
            os.close(null)
    except OSError:
        os.close(saved)
        return None
    return saved


def _restore(saved: int) -> None:
    os.dup2(saved, 2)
    os.close(saved)


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Read many files fast with fd 2 pointed at /dev/null once for all of them, not
    around each (six system calls a file: a tenth of reading one here). Only while this
    process runs one thread, as :func:`read_clean` asks; otherwise nothing is done.

    Examples:
        >>> with quiet():  # rapidyaml's message of the broken one goes nowhere
        ...     docs = [read_clean(raw, "p.yaml") for raw in (b"a: [1\\n", b"id: P1\\n")]
        >>> docs[0] is None  # refused: read it carefully
        True
    """
    global _quieted
    if _quieted or not available() or not fd2_alone():
        yield
        return
    saved = _silence()
    if saved is None:
        yield
        return
    _quieted = True
    try:
        yield
    finally:
        _quieted = False
        _restore(saved)


def _parse(buf: bytearray) -> tuple[Any, str] | None:
    """rapidyaml's tree of the YAML in ``buf`` (parsed in place) and its JSON, or
    ``None`` if it refuses it. fd 2 points at /dev/null meanwhile: rapidyaml prints
    its errors there."""
    saved = None
    if not _quieted:
        saved = _silence()
        if saved is None:
            return None
    try:
        tree = _ryml.parse_in_place(buf)
        text: str = _ryml.emit_json(tree)
    except Exception:  # rapidyaml's parse and visit errors: read carefully
        return None
    finally:
        if saved is not None:
            _restore(saved)
    return tree, text


@cache
def _typed_string() -> re.Pattern[str]:
    return re.compile(_TYPED_STRING)


def read_clean(raw: bytes, file: str) -> FastDocument | None:
    """``raw`` read by rapidyaml if it is clean beyond doubt, else ``None`` (read it
    with :func:`powerreg.yamlsource.read_bytes`, which locates every problem).

    ``None`` too when rapidyaml is not installed, ``POWERREG_FAST_YAML=0`` turns it off,
    or threads other than this one run (its error printing is silenced on fd 2, which
    is only safe with no other thread writing there).
    """
    if not available() or not fd2_alone():
        return None
    if raw[:3] == b"\xef\xbb\xbf":
        raw = raw[3:]
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if careful(raw, decoded):
        return None
    buf = bytearray(raw or b"\n")
    parsed = _parse(buf)
    if parsed is None:
        return None
    tree, text = parsed
    if _typed_string().search(text) is not None or '"\u3000' in text:
        return None  # or a string (a key perhaps) opening with a full-width space
    try:
        data = _decoder.decode(text)
    except (Unsure, ValueError, RecursionError):
        return None
    return FastDocument(file, data, text, tree, raw, buf)
