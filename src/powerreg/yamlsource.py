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
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from .errors import Problem, problem
from .readfile import DEFAULT_LIMIT, read_limited
from .textsafe import snippet

if TYPE_CHECKING:  # imported when a file is first read: a load from the cache reads none
    import yaml


@cache
def _yaml() -> Any:
    """PyYAML, and its loader: libyaml's (C) where it was built, else the Python one.
    Imported on the first file read (its import compiles a regular expression of most of
    Unicode: some 14 ms, which a build from the load cache need not spend)."""
    import yaml

    return yaml, getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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

#: First characters of a plain scalar that may be a number (the patterns above need an
#: ASCII digit, a sign or a point first); any other plain scalar that is not special is
#: a string.
_NUMBER_START = frozenset("0123456789+-.")

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

    def items(self, loc: tuple[str | int, ...]) -> list[Pos] | None:
        """Where each item of the list at ``loc`` starts, or ``None`` if there is no
        list there.

        Examples:
            >>> read_text("a:\\n  - x\\n  - {b: 1}\\n", "f.yaml").items(("a",))
            [(2, 5), (3, 5)]
        """
        node = list_at(self.data, loc)
        return None if node is None else self.marks.get(id(node))

    def item_position(self, node: Any, index: int) -> Pos | None:
        """Position of item ``index`` of a list that belongs to this document."""
        table = self.marks.get(id(node))
        return table[index] if table is not None and index < len(table) else None


def list_at(data: Any, loc: tuple[str | int, ...]) -> list[Any] | None:
    """The list at ``loc`` in ``data`` (keys and indexes), or ``None`` if there is none.

    Examples:
        >>> list_at({"a": [{"b": [1]}]}, ("a", 0, "b")), list_at({"a": 1}, ("a",))
        ([1], None)
    """
    node: Any = data
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node if isinstance(node, list) else None


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
    yaml, loader_class = _yaml()
    loader = loader_class(text)
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
            if key.startswith("\u3000"):
                problems.append(problem("E001.fullwidth_space", file, line, col))
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
                m = e.start_mark
                if e.anchor is not None:
                    refused("anchor", "&" + e.anchor, m)
                if e.tag is not None:
                    refused("tag", e.tag, m)
                raw = e.value
                top = stack[-1] if stack else None
                if top is not None and top.is_map and top.key is _NO_KEY:
                    # a key (the hot path of put(), inlined): names keep their text
                    line, col = m.line + 1, m.column + 1
                    if raw[:1] == "\u3000":
                        problems.append(problem("E001.fullwidth_space", file, line, col))
                    if raw in top.container:
                        first = top.table[raw][0]
                        problems.append(
                            problem(
                                "E001.duplicate_key",
                                file,
                                line,
                                col,
                                key=snippet(raw),
                                first=first,
                            )
                        )
                    top.key, top.key_pos = raw, (line, col)
                    continue
                if not e.implicit[0]:
                    value: Any = raw
                elif raw in _SPECIAL:
                    value = _SPECIAL[raw]
                elif raw[0] not in _NUMBER_START:
                    value = raw  # neither special nor a number: a string (most values)
                elif _too_long_number(raw):
                    problems.append(
                        problem(
                            "E002.long_number",
                            file,
                            m.line + 1,
                            m.column + 1,
                            value=snippet(raw),
                            n=f"{len(raw):,}",
                            max=MAX_DIGITS,
                        )
                    )
                    value = None
                else:
                    value = resolve_plain(raw)
                if top is None:
                    put(value, m)
                elif top.is_map:  # a value: the entry is complete
                    key = top.key
                    top.container[key] = value
                    top.table[key] = (*top.key_pos, m.line + 1, m.column + 1)
                    top.key = _NO_KEY
                else:
                    top.container.append(value)
                    top.table.append((m.line + 1, m.column + 1))
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
        slip = explain_slip(text, err)
        if slip is not None:
            problems.append(slip.problem(file))
        else:
            mark = err.problem_mark or err.context_mark
            line, col = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
            what = " ".join(s for s in (err.context, err.problem) if s)
            problems.append(problem("E001", file, line, col, detail=what or "invalid YAML"))
    except yaml.YAMLError as err:  # e.g. a reader error: a control character
        line, col = _at_byte(text, getattr(err, "position", None))
        problems.append(problem("E001", file, line, col, detail=str(err).splitlines()[0]))
    finally:
        dispose = getattr(loader, "dispose", None)
        if dispose is not None:
            dispose()
    if _YAML_ONLY_BREAK.search(text) is not None:
        _as_an_editor_counts(doc, text)
    return doc


#: Characters YAML counts as line breaks and editors do not (NEL, LS, PS).
_YAML_ONLY_BREAK = re.compile("[\x85\u2028\u2029]")
_YAML_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_EDITOR_BREAK = re.compile("\r\n|[\r\n]")


def _as_an_editor_counts(doc: Document, text: str) -> None:
    """Move every position of ``doc`` from the lines libyaml counts (a NEL, LS or PS
    ends one) to those an editor shows (only ``\\n``, ``\\r\\n`` and ``\\r`` end one),
    so that a problem after such a character is not a line or more too low.

    Examples:
        >>> doc = read_text("a: 'x\\u2028y'\\na: 2\\nb: 3\\n", "f.yaml")  # LS: a line break
        >>> [(p.code, p.line, p.column) for p in doc.problems], doc.position(("b",))
        ([('E001', 2, 1)], (3, 4))
    """
    yaml_starts = [0] + [m.end() for m in _YAML_BREAK.finditer(text)]
    editor_starts = [0] + [m.end() for m in _EDITOR_BREAK.finditer(text)]

    def moved(line: int, column: int) -> tuple[int, int]:
        if not 0 < line <= len(yaml_starts) or column < 1:
            return line, column
        at = yaml_starts[line - 1] + column - 1
        row = bisect_right(editor_starts, at)
        return row, at - editor_starts[row - 1] + 1

    doc.root = moved(*doc.root)
    for key, table in doc.marks.items():
        if isinstance(table, dict):
            doc.marks[key] = {
                k: (*moved(kl, kc), *moved(vl, vc)) for k, (kl, kc, vl, vc) in table.items()
            }
        else:
            doc.marks[key] = [moved(line, column) for line, column in table]
    doc.problems[:] = [
        p.model_copy(update=dict(zip(("line", "column"), moved(p.line, p.column), strict=True)))
        for p in doc.problems
    ]


def _at_byte(text: str, offset: object) -> tuple[int, int]:
    """The line and column of byte ``offset`` of ``text`` in UTF-8 (where libyaml's reader
    errors point: a control character), as an editor counts them; ``(0, 0)`` if unknown.

    Examples:
        >>> _at_byte("a: 1\\nb: 中文x\\x00y\\n", 15)
        (2, 7)
    """
    if not isinstance(offset, int) or offset < 0:
        return 0, 0
    before = text.encode("utf-8", "surrogatepass")[:offset].decode("utf-8", "replace")
    return before.count("\n") + 1, len(before) - before.rfind("\n")


_KEY_NO_SPACE = re.compile(r"[ ]*(?:-[ ]+)?([^\s:#'\"{}\[\]-][^\s:]*):(?![\s/])")
_KEY_FULLWIDTH = re.compile(r"[ ]*(?:-[ ]+)?([^\s:：#'\"]+)：")


@dataclass(frozen=True)
class Slip:
    """A common typing slip that broke a YAML file, located where it was made."""

    key: str
    line: int
    column: int
    params: dict[str, Any] = field(default_factory=dict)

    def problem(self, file: str) -> Problem:
        """The E001 problem that explains the slip."""
        return problem(self.key, file, self.line, self.column, **self.params)


def explain_slip(text: str, err: yaml.MarkedYAMLError) -> Slip | None:
    """The slip behind a YAML syntax error, in the writer's terms, or ``None``.

    libyaml reports where it gave up, often the line after the slip, in a parser's
    words; this looks at the line where the slip is (a tab or full-width space used to
    indent, a full-width colon, no space after a colon, a line indented more than the
    key above it) and says so there.

    Examples:
        >>> [p] = read_text("id: XK-1\\nname:foo\\nsubject: c\\n", "f.yaml").problems
        >>> p.line, p.column, p.message("en")
        (2, 6, "no space after the colon of 'name:'; write 'name: ' with a space before the value")
        >>> [p.key for p in read_text("a: 1\\nb：2\\n", "f.yaml").problems]
        ['E001.fullwidth_colon']
    """
    lines = text.split("\n")
    marks = [m for m in (err.context_mark, err.problem_mark) if m is not None]
    for mark in marks:
        n = mark.line
        if not 0 <= n < len(lines):
            continue
        row = lines[n]
        indent = len(row) - len(row.lstrip(" \t\u3000"))
        lead = row[:indent]
        if "\t" in lead:
            return Slip("E001.tab", n + 1, lead.index("\t") + 1)
        if "\u3000" in lead:
            return Slip("E001.fullwidth_space", n + 1, lead.index("\u3000") + 1)
        if ": " not in row and not row.rstrip().endswith(":"):
            m = _KEY_FULLWIDTH.match(row)
            if m:
                return Slip("E001.fullwidth_colon", n + 1, m.end(), {"key": snippet(m.group(1))})
            slip = _no_space(row, n)
            if slip is not None:
                return slip
    problem_text = err.problem or ""
    if "mapping values are not allowed" in problem_text and err.problem_mark is not None:
        n = err.problem_mark.line
        above = _key_above(lines, n)
        if above is not None:
            for i in range(above, n):  # a "key:value" above swallowed this line's key
                slip = _no_space(lines[i], i)
                if slip is not None:
                    return slip
            indent = len(lines[n]) - len(lines[n].lstrip(" "))
            return Slip("E001.indent", n + 1, indent + 1, {"above": above + 1})
    return None


def _no_space(row: str, n: int) -> Slip | None:
    """A ``key:value`` slip on line index ``n``, unless the line has a proper key."""
    if ": " in row or row.rstrip().endswith(":"):
        return None
    m = _KEY_NO_SPACE.match(row)
    return Slip("E001.colon_space", n + 1, m.end() + 1, {"key": snippet(m.group(1))}) if m else None


def _key_above(lines: list[str], n: int) -> int | None:
    """Index of the nearest line above ``n`` that is less indented and holds content."""
    if not 0 <= n < len(lines):
        return None
    indent = len(lines[n]) - len(lines[n].lstrip(" "))
    for i in range(n - 1, -1, -1):
        row = lines[i]
        body = row.strip()
        if not body or body.startswith("#"):
            continue
        if len(row) - len(row.lstrip(" ")) < indent:
            return i
    return None


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
    return read_bytes(read_limited(path, limit), file)


def read_bytes(raw: bytes, file: str) -> Document:
    """Parse the bytes of a YAML file (as :func:`read_file` does once it has read them).

    Examples:
        >>> read_bytes(b"a: [1, x]\\n", "f.yaml").data
        {'a': [1, 'x']}
    """
    text, bad = decode(raw, file)
    if bad is not None:
        return Document(file, problems=[bad])
    assert text is not None
    return read_text(text, file)
