"""Power pages made while their charts are still being drawn.

``powerreg build`` starts its ``dot`` processes first and writes the catalog and the site
while they draw (:mod:`powerreg.mainjob`). A power's page shows its charts inline, so it
could only be written once the drawing is done, leaving the second core idle while
this process writes the pages that come last. Instead, while the drawing is at work,
each power's page is made at once with a mark where each of its charts goes, and kept;
once the drawing is done, each mark is replaced by its chart as the page would have
inlined it (:func:`chart_svg`), and the page is written: byte for byte the page made
after the drawing.

A mark is a random token made for this site, so no registry text holds one by chance;
a page that holds a mark other than exactly once (or whose chart was not drawn) is made
again the ordinary way instead. At most :data:`MAX_BYTES` of pages wait: past that, the
rest wait for the drawing, as before.

Given the drawing at work (:class:`Progress`, a :class:`powerreg.render.Drawing`), the
pages are not all left to its end: while the site waits for it, each page whose charts
``dot`` has finished is filled from them as they are (the same text the drawing's files
will hold) and written, so that what is left once the drawing ends — with one core
idle — is the pages of its last charts only.

Examples:
    >>> import tempfile
    >>> charts = Path(tempfile.mkdtemp())
    >>> _ = (charts / "F1.svg").write_text('<svg width="8pt"><g id="a"/></svg>')
    >>> later = Deferred(charts, lambda: None)
    >>> marks = later.marks()
    >>> page = f"<p>{marks.mark(charts / 'F1.svg', '图', 'F1.')}</p>"
    >>> later.keep("p.html", page, marks, lambda: "never needed")
    >>> written = []
    >>> later.finish(lambda path, text: written.append((path, text)))
    >>> written  # doctest: +NORMALIZE_WHITESPACE
    [('p.html', '<p><svg role="img" aria-label="图" focusable="false"
                  width="8pt"><g id="F1.a"/></svg></p>')]
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, overload

from markupsafe import Markup

from .charts import inline_svg

#: Most bytes (as characters) of pages kept waiting for the drawing.
MAX_BYTES = 64 * 1024 * 1024

#: Seconds the site waits for the drawing between two looks at what it has finished.
POLL_SECONDS = 0.005


class Progress(Protocol):
    """A drawing at work, as the pages waiting for it see it (:class:`powerreg.render.Drawing`)."""

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the drawing to end; whether it has."""

    def newly_drawn(self) -> list[str]:
        """The charts (``<power id>/<flowchart id>``) finished since the last call."""

    def drawn_text(self, name: str) -> str | None:
        """A finished chart's SVG as the drawing's file will hold it, or ``None``."""


def chart_svg(path: Path, label: str, prefix: str) -> Markup | None:
    """The chart at ``path`` as a page inlines it, or None where it was not drawn."""
    if not path.is_file():
        return None
    return inline_svg(path.read_text(encoding="utf-8"), label, prefix)


@dataclass
class Marks:
    """The marks of one page: each stands for the chart :func:`chart_svg` gives for its
    path, label and prefix."""

    token: str
    charts: list[tuple[str, Path, str, str]] = field(default_factory=list)

    def mark(self, path: Path, label: str, prefix: str) -> Markup:
        """The mark of a chart, to put into the page where the chart goes."""
        mark = f"{self.token}{len(self.charts)}."
        self.charts.append((mark, path, label, prefix))
        return Markup(mark)


@dataclass
class _Page:
    path: str
    text: str
    marks: Marks
    again: Callable[[], str]
    #: charts not yet seen finished (:meth:`Deferred.finish` with a drawing)
    missing: int = 0
    written: bool = False


class Deferred:
    """Pages waiting for the charts under ``charts``, which ``ready()`` waits for."""

    def __init__(self, charts: Path, ready: Callable[[], object]) -> None:
        self.charts = charts
        self._ready = ready
        self._token = f"powerreg-chart-{secrets.token_hex(16)}-"
        self._pages: list[_Page] = []
        self._size = 0
        self._waiting: dict[str, list[_Page]] = {}  # by the name of a chart not yet seen
        self._all_drawn: list[_Page] = []  # every chart seen finished
        #: whether the charts are drawn (pages are then made with them at once)
        self.done = False

    def marks(self) -> Marks:
        """Marks for one more page."""
        return Marks(self._token)

    @property
    def full(self) -> bool:
        """Whether no more pages should wait."""
        return self._size >= MAX_BYTES

    def keep(self, path: str, text: str, marks: Marks, again: Callable[[], str]) -> None:
        """Keep the page ``text`` for ``path``, made with ``marks``, until the charts are
        drawn; ``again`` makes it the ordinary way, should its marks not do."""
        page = _Page(path, text, marks, again, missing=len(marks.charts))
        self._pages.append(page)
        self._size += len(text)
        for _, chart, _, _ in marks.charts:
            self._waiting.setdefault(self._name(chart), []).append(page)
        if not marks.charts:
            self._all_drawn.append(page)

    def wait(self) -> None:
        """Wait for the charts (once)."""
        if not self.done:
            self._ready()
            self.done = True

    def finish(self, write: Callable[[str, str], None], drawing: Progress | None = None) -> None:
        """Wait for the charts, then ``write(path, text)`` each page kept, its marks
        replaced by its charts; given the ``drawing`` at work, those whose charts it has
        finished are written while it goes on (see the module)."""
        if drawing is not None and not self.done:
            while not drawing.wait(0):
                if not self._write_drawn(drawing, write):
                    drawing.wait(POLL_SECONDS)
        self.wait()
        pages, self._pages, self._size = self._pages, [], 0
        self._waiting, self._all_drawn = {}, []
        for page in pages:
            if not page.written:
                write(page.path, self._filled(page))

    def _write_drawn(self, drawing: Progress, write: Callable[[str, str], None]) -> bool:
        """Write the pages whose charts ``drawing`` has finished; whether any was."""
        for name in drawing.newly_drawn():
            for page in self._waiting.pop(name, ()):
                page.missing -= 1
                if page.missing == 0:
                    self._all_drawn.append(page)
        ready, self._all_drawn = self._all_drawn, []
        for page in ready:
            text = self._filled(page, drawing.drawn_text)
            if text is not None:  # else: made once the drawing has ended
                write(page.path, text)
                page.written = True
                self._size -= len(page.text)
                page.text = ""
        return bool(ready)

    def _name(self, chart: Path) -> str:
        """The drawing's name of a chart (``<power id>/<flowchart id>``); a path outside
        ``charts`` is no chart of the drawing's, and its page waits for its end."""
        try:
            return chart.relative_to(self.charts).as_posix().removesuffix(".svg")
        except ValueError:
            return f"/{chart}"  # no name of the drawing's starts with a slash

    @overload
    def _filled(self, page: _Page) -> str: ...
    @overload
    def _filled(self, page: _Page, drawn: Callable[[str], str | None]) -> str | None: ...

    def _filled(self, page: _Page, drawn: Callable[[str], str | None] | None = None) -> str | None:
        """The page with its charts: from their files, or as ``drawn`` gives them while
        the drawing is at work (``None`` where it does not, or the marks would not do)."""
        text = page.text
        for mark, path, label, prefix in page.marks.charts:
            if drawn is None:
                svg = chart_svg(path, label, prefix)
            else:
                drawing = drawn(self._name(path))
                svg = None if drawing is None else inline_svg(drawing, label, prefix)
            if svg is None or text.count(mark) != 1:
                return page.again() if drawn is None else None
            text = text.replace(mark, svg)
        return text
