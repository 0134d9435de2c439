"""Safe YAML reading that remembers where every value came from.

The registry's YAML is read from parser events (libyaml's C parser when present), not
with ``yaml.load``: anchors, aliases and tags are refused as they appear (so a
"billion laughs" file costs nothing), duplicate keys are reported instead of silently
overwritten, and every mapping entry and sequence item keeps its line and column, so a
problem found later — by pydantic, or by a cross-reference check — can be reported at
its place in the file.

Plain scalars follow the YAML 1.2 core schema: ``true``/``false``, ``null``/``~``,
integers and floats; everything else is a string, so ``when: no`` means the text "no"
(YAML 1.1's ``no`` → ``False`` surprises people).

Examples:
    >>> doc = read_text("a: 1\\nb: [x, {c: true}]\\n", "f.yaml")
    >>> doc.data, doc.problems
    ({'a': 1, 'b': ['x', {'c': True}]}, [])
    >>> doc.position(("b", 1, "c"))
    (2, 12)
    >>> [p.code for p in read_text("a: &x 1\\nb: *x\\n", "f.yaml").problems]
    ['E006', 'E006']
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from .errors import Problem, problem
from .readfile import DEFAULT_LIMIT, read_limited
from .textsafe import snippet

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_INT = re.compile(r"[-+]?[0-9]+\Z")
_INT_OTHER = re.compile(r"0o[0-7]+\Z|0x[0-9a-fA-F]+\Z")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_SPECIAL: dict[str, Any] = {
    "": None,
    "~": None,
    "null": None,
    "Null": None,
    "NULL": None,
    "true": True,
    "True": True,
    "TRUE": True,
    "false": False,
    "False": False,
    "FALSE": False,
    ".inf": float("inf"),
    "+.inf": float("inf"),
    "-.inf": float("-inf"),
    ".nan": float("nan"),
}

#: Position of a value: 1-based (line, column).
Pos = tuple[int, int]

#: Most characters of a plain integer read as a number. No field takes more than four
#: digits; converting a longer one costs time quadratic in its length (Python refuses
#: over 4,300 digits), so such a scalar is refused as it is read (E002).
MAX_DIGITS = 100


def resolve_plain(text: str) -> Any:
    """Value of a plain (unquoted) scalar under the YAML 1.2 core schema.

    Examples:
        >>> resolve_plain("60"), resolve_plain("no"), resolve_plain("~"), resolve_plain("1.5")
        (60, 'no', None, 1.5)
    """
    if text in _SPECIAL:
        return _SPECIAL[text]
    c = text[0]
    if c.isdigit() or c in "+-.":
        if _INT.match(text):
            return int(text)
        if _INT_OTHER.match(text):
            return int(text, 0)
        if _FLOAT.match(text):
            return float(text)
    return text


def _too_long_number(text: str) -> bool:
    """Whether a plain scalar is an integer of more than :data:`MAX_DIGITS` characters."""
    return len(text) > MAX_DIGITS and (_INT.match(text) or _INT_OTHER.match(text)) is not None


@dataclass
class Document:
    """A parsed YAML file: its data, where each value sits, and what was wrong."""

    file: str
    data: Any = None
    #: id(mapping) → {key: (key line, key column, value line, value column)};
    #: id(list) → [(line, column) of each item]. The containers live in ``data``.
    marks: dict[int, Any] = field(default_factory=dict)
    root: Pos = (1, 1)
    problems: list[Problem] = field(default_factory=list)

    def position(self, loc: tuple[str | int, ...], *, key: bool = False) -> Pos:
        """Where the value at ``loc`` starts, or its nearest existing container.

        With ``key=True`` a mapping entry is located at its key (for unknown fields).
        """
        node: Any = self.data
        pos = self.root
        for part in loc:
            table = self.marks.get(id(node))
            if table is None:
                break
            if isinstance(node, dict):
                if part not in node:
                    break
                kl, kc, vl, vc = table[part]
                pos = (kl, kc) if key else (vl, vc)
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                pos = table[part]
            else:
                break
            node = node[part]
        return pos

    def item_position(self, node: Any, index: int) -> Pos | None:
        """Position of item ``index`` of a list that belongs to this document."""
        table = self.marks.get(id(node))
        return table[index] if table is not None and index < len(table) else None


class _Frame:
    __slots__ = ("container", "is_map", "key", "key_pos", "table")

    def __init__(self, container: Any, table: Any, is_map: bool) -> None:
        self.container = container
        self.table = table
        self.is_map = is_map
        self.key: Any = _NO_KEY
        self.key_pos: Pos = (0, 0)


_NO_KEY = object()


def read_text(text: str, file: str) -> Document:
    """Parse one YAML document from ``text``; ``file`` names it in problems."""
    doc = Document(file)
    stack: list[_Frame] = []
    problems = doc.problems
    documents = 0
    loader = _Loader(text)
    # events are told apart by class name: under some import set-ups (coverage of a
    # sub-package) libyaml's events come from another copy of yaml.events
    scalar, mstart, sstart, mend, send, alias, dstart = (
        "ScalarEvent",
        "MappingStartEvent",
        "SequenceStartEvent",
        "MappingEndEvent",
        "SequenceEndEvent",
        "AliasEvent",
        "DocumentStartEvent",
    )

    def refused(kind: str, name: str, mark: Any) -> None:
        problems.append(
            problem(
                "E006", file, mark.line + 1, mark.column + 1, construct=kind, name=snippet(name)
            )
        )

    def put(value: Any, mark: Any) -> None:
        line, col = mark.line + 1, mark.column + 1
        if not stack:
            doc.data, doc.root = value, (line, col)
            return
        top = stack[-1]
        if not top.is_map:
            top.container.append(value)
            top.table.append((line, col))
            return
        if top.key is _NO_KEY:
            if isinstance(value, (dict, list)):
                problems.append(problem("E001.complex_key", file, line, col))
                value = f"<complex key at line {line}>"
            key = value if isinstance(value, str) else str(value)
            if key in top.container:
                first = top.table[key][0]
                problems.append(
                    problem("E001.duplicate_key", file, line, col, key=snippet(key), first=first)
                )
            top.key, top.key_pos = key, (line, col)
            return
        key = top.key
        top.container[key] = value
        top.table[key] = (*top.key_pos, line, col)
        top.key = _NO_KEY

    try:
        while loader.check_event():
            e = loader.get_event()
            cls = e.__class__.__name__
            if cls == scalar:
                if e.anchor is not None:
                    refused("anchor", "&" + e.anchor, e.start_mark)
                if e.tag is not None:
                    refused("tag", e.tag, e.start_mark)
                if stack and stack[-1].is_map and stack[-1].key is _NO_KEY:
                    value = e.value  # keys are names: keep their text
                elif e.implicit[0] and _too_long_number(e.value):
                    m = e.start_mark
                    problems.append(
                        problem(
                            "E002.long_number",
                            file,
                            m.line + 1,
                            m.column + 1,
                            value=snippet(e.value),
                            n=f"{len(e.value):,}",
                            max=MAX_DIGITS,
                        )
                    )
                    value = None
                else:
                    value = resolve_plain(e.value) if e.implicit[0] else e.value
                put(value, e.start_mark)
            elif cls in (mstart, sstart):
                if e.anchor is not None:
                    refused("anchor", "&" + e.anchor, e.start_mark)
                if e.tag is not None and not e.implicit:
                    refused("tag", e.tag, e.start_mark)
                is_map = cls == mstart
                container: Any = {} if is_map else []
                table: Any = {} if is_map else []
                put(container, e.start_mark)
                doc.marks[id(container)] = table
                stack.append(_Frame(container, table, is_map))
            elif cls in (mend, send):
                stack.pop()
            elif cls == alias:
                refused("alias", "*" + e.anchor, e.start_mark)
                put(None, e.start_mark)
            elif cls == dstart:
                documents += 1
                if documents > 1:
                    m = e.start_mark
                    problems.append(problem("E001.second_document", file, m.line + 1, m.column + 1))
                    break
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
        what = " ".join(s for s in (err.context, err.problem) if s)
        problems.append(problem("E001", file, line, col, detail=what or "invalid YAML"))
    except yaml.YAMLError as err:  # e.g. a reader error: a control character
        problems.append(problem("E001", file, 0, 0, detail=str(err).splitlines()[0]))
    finally:
        dispose = getattr(loader, "dispose", None)
        if dispose is not None:
            dispose()
    return doc


def decode(raw: bytes, file: str) -> tuple[str | None, Problem | None]:
    """UTF-8 text of a file (a leading BOM is dropped), or an E001 at the bad byte.

    Examples:
        >>> decode(b"a: 1\\nb: \\xff\\n", "f.yaml")[1].line
        2
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        col = err.start - (raw.rfind(b"\n", 0, err.start) + 1) + 1
        return None, problem(
            "E001.not_utf8",
            file,
            line,
            col,
            byte=f"{raw[err.start]:02x}",
        )
    return text.removeprefix("\ufeff"), None


def read_file(path: str | os.PathLike[str], file: str, limit: int = DEFAULT_LIMIT) -> Document:
    """Read and parse the YAML file at ``path``; ``file`` names it in problems.

    The file is read with :func:`~powerreg.readfile.read_limited`: only a regular file,
    and at most ``limit`` bytes of it. Text that is not UTF-8 or not YAML comes back as
    problems of the document; a file that cannot be read at all raises.

    Raises:
        UnreadableFile: the path is missing, not a regular file, over ``limit`` bytes,
            or cannot be read (its ``reason`` says which).

    Examples:
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "p.yaml")
        >>> with open(path, "wb") as f:
        ...     _ = f.write(b"a: 1\\nb: \\xff\\n")
        >>> [str(p) for p in read_file(path, "p.yaml").problems]
        ['p.yaml:2:4: E001 byte 0xff is not UTF-8; save the file as UTF-8']
    """
    text, bad = decode(read_limited(path, limit), file)
    if bad is not None:
        return Document(file, problems=[bad])
    assert text is not None
    return read_text(text, file)
