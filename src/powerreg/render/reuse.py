"""Drawings kept from the previous run: a chart whose DOT text has not changed is not drawn again.

``dot`` is nearly all of a build's work (about 8 of its 20 minutes at 100,000 powers), and
a keeper who edits a few powers and builds again changes a few charts. Each run of
:func:`powerreg.render.render_all` (and so of ``powerreg build``) records in its marker,
for every diagram, the digest of the DOT text it was drawn from and the size and
modification time of the file it gave (:func:`stamp`: as ``rsync`` and ``git`` tell a
file unchanged without reading it), and what drew it: the digest of what ``dot`` wrote
for :data:`PROBE`, the graph each ``dot`` process draws first (the primer of
:mod:`powerreg.render.files`), which changes with graphviz's version and with the fonts
that measure the text. The next run links into its new directory every previous file
whose DOT text, stamp and drawing environment are the same, and hands ``dot`` only the
rest. A file changed since, a marker that cannot be read, another graphviz or another
font: drawn afresh. ``--redraw`` draws everything.

Examples:
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> drawn = folder / "XK-1" / "F1.svg"
    >>> _ = drawn.parent.mkdir(), drawn.write_text("<svg/>")
    >>> kept = Kept("env-1", {"XK-1/F1": (source_digest("digraph {}"), stamp(drawn))})
    >>> previous = Previous.read_from(folder, kept.as_json())
    >>> previous.file("XK-1/F1", source_digest("digraph {}"), "svg", "env-1") == drawn
    True
    >>> previous.file("XK-1/F1", source_digest("digraph { a }"), "svg", "env-1") is None
    True
    >>> previous.file("XK-1/F1", source_digest("digraph {}"), "svg", "env-2") is None
    True
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .style import FONT

#: The graph whose drawing stands for the drawing environment: text in the charts' font,
#: Chinese and Latin, in a plain label and an HTML-like one (no link: graphviz numbers
#: links for the life of a process), so that another graphviz or another font gives
#: other bytes.
PROBE = (
    f'digraph probe {{ node [fontname="{FONT}" fontsize=12 shape=box]; '
    'a [label="权力运行流程 廉政风险点 Aa0"]; '
    'b [label=<<TABLE><TR><TD><FONT POINT-SIZE="10">防范措施 R1</FONT></TD></TR></TABLE>>]; '
    "a -> b }\n"
)

#: The marker's key for the drawings (name → [DOT digest, file stamp]) and for what
#: drew them.
DRAWN_KEY = "drawn"
ENVIRONMENT_KEY = "environment"


def source_digest(source: str) -> str:
    """The digest of a chart's DOT text (SHA-1, which this machine's CPU computes: a
    checksum of our own text, not a defence against forgery)."""
    data = source.encode("utf-8", "surrogatepass")
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


def file_digest(data: bytes) -> str:
    """The digest of a file's bytes (the probe's drawing)."""
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


def stamp(path: Path) -> str:
    """A drawn file's size and modification time, ``size:mtime_ns``: what tells it
    unchanged since it was written (any write changes them) without reading it."""
    st = path.stat()
    return f"{st.st_size}:{st.st_mtime_ns}"


@dataclass
class Kept:
    """What a run records for the next one: what drew it, and each diagram's digests."""

    environment: str | None
    drawn: dict[str, tuple[str, str]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The marker's fields."""
        return {
            ENVIRONMENT_KEY: self.environment,
            DRAWN_KEY: {name: list(pair) for name, pair in self.drawn.items()},
        }


class Previous:
    """The drawings of the previous run in a directory, as its marker lists them."""

    def __init__(self, folder: Path, environment: str | None, drawn: dict[str, Any]) -> None:
        self.folder = folder
        self.environment = environment
        self._drawn = drawn

    @classmethod
    def read(cls, folder: Path | None, marker: str) -> Previous | None:
        """The previous drawings in ``folder`` (its marker file ``marker``), or ``None``
        where there are none to take: no folder, no marker, or one that cannot be read."""
        if folder is None:
            return None
        try:
            data = json.loads((folder / marker).read_bytes())
        except (OSError, ValueError, RecursionError):  # nested past reason: not ours
            return None
        return cls.read_from(folder, data)

    @classmethod
    def read_from(cls, folder: Path, data: Any) -> Previous | None:
        """As :meth:`read`, from the marker's data."""
        if not isinstance(data, dict):
            return None
        env, drawn = data.get(ENVIRONMENT_KEY), data.get(DRAWN_KEY)
        if not isinstance(env, str) or not isinstance(drawn, dict) or not drawn:
            return None
        return cls(folder, env, drawn)

    def drawn(self, name: str) -> str | None:
        """The digest of the DOT text diagram ``name`` was drawn from, if it was."""
        pair = self._drawn.get(name)
        if isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str):
            return pair[0]
        return None

    def file(self, name: str, source: str, fmt: str, environment: str | None) -> Path | None:
        """The previous file of diagram ``name``, if it was drawn from DOT text of digest
        ``source`` in the same ``environment`` and is still as it was written (its
        :func:`stamp`); else ``None``."""
        if environment is None or environment != self.environment:
            return None
        if self.drawn(name) != source:
            return None
        path = self.folder / f"{name}.{fmt}"
        try:
            now = stamp(path)
        except OSError:
            return None
        if now != self._drawn[name][1]:
            return None  # changed, or cut short, since it was written
        return path


def take(previous: Path, target: Path) -> None:
    """Put the previous file ``previous`` at ``target``: a hard link (the two runs share
    the bytes; neither is ever written in place), else a copy."""
    try:
        os.link(previous, target)
    except OSError:
        with open(previous, "rb") as src, open(target, "wb") as dst:
            dst.write(src.read())
