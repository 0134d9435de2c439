"""Drawings kept from the previous run: a chart whose DOT text has not changed is not drawn again.

``dot`` is nearly all of a build's work (about 8 of its 20 minutes at 100,000 powers), and
a keeper who edits a few powers and builds again changes a few charts. Each run of
:func:`powerreg.render.render_all` (and so of ``powerreg build``) records in its marker,
for every diagram, the digest of the DOT text it was drawn from and of the file it gave,
and what drew it: the digest of what ``dot`` wrote for :data:`PROBE`, the graph each
``dot`` process draws first (:data:`powerreg.render.files`' primer), which changes with
graphviz's version and with the fonts that measure the text. The next run
links into its new directory every previous file whose DOT text, digest and drawing
environment are the same, and hands ``dot`` only the rest. A file changed since, a
marker that cannot be read, another graphviz or another font: drawn afresh. ``--redraw``
draws everything.

Examples:
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "XK-1").mkdir(), (folder / "XK-1" / "F1.svg").write_text("<svg/>")
    >>> kept = Kept("env-1", {"XK-1/F1": (source_digest("digraph {}"), file_digest(b"<svg/>"))})
    >>> previous = Previous.read_from(folder, kept.as_json())
    >>> found = previous.file("XK-1/F1", source_digest("digraph {}"), "svg", "env-1")
    >>> found == (folder / "XK-1" / "F1.svg", file_digest(b"<svg/>"))
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

#: The marker's key for the drawings (name → [DOT digest, file digest]) and for what
#: drew them.
DRAWN_KEY = "drawn"
ENVIRONMENT_KEY = "environment"


def source_digest(source: str) -> str:
    """The digest of a chart's DOT text."""
    return hashlib.blake2b(source.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def file_digest(data: bytes) -> str:
    """The digest of a drawn file's bytes."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


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
        #: how many diagrams were taken from it
        self.taken = 0

    @classmethod
    def read(cls, folder: Path | None, marker: str) -> Previous | None:
        """The previous drawings in ``folder`` (its marker file ``marker``), or ``None``
        where there are none to take: no folder, no marker, or one that cannot be read."""
        if folder is None:
            return None
        try:
            data = json.loads((folder / marker).read_bytes())
        except (OSError, ValueError):
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

    def file(
        self, name: str, source: str, fmt: str, environment: str | None
    ) -> tuple[Path, str] | None:
        """The previous file of diagram ``name`` and its digest, if it was drawn from DOT
        text of digest ``source`` in the same ``environment`` and is still as it was
        written; else ``None``."""
        if environment is None or environment != self.environment:
            return None
        if self.drawn(name) != source:
            return None
        path = self.folder / f"{name}.{fmt}"
        try:
            data = path.read_bytes()
        except OSError:
            return None
        digest = file_digest(data)
        if digest != self._drawn[name][1]:
            return None  # changed, or cut short, since it was written
        self.taken += 1
        return path, digest


def take(previous: Path, target: Path) -> None:
    """Put the previous file ``previous`` at ``target``: a hard link (the two runs share
    the bytes; neither is ever written in place), else a copy."""
    try:
        os.link(previous, target)
    except OSError:
        with open(previous, "rb") as src, open(target, "wb") as dst:
            dst.write(src.read())
