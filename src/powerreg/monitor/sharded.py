"""A big Parquet log replayed in one process a share of its cases at a time (extra
``scale``), so that memory follows a share, not the log.

:func:`~.run.monitor` replays a log at once: its columns, then its events as arrays,
then the replay's, all in memory (about 400 MiB at a million events). A Parquet log of
more than four times :func:`share_rows` rows (counted from the files' metadata; 500,000
by default, ``POWERREG_SHARE_ROWS`` to set: a log of more than 2,000,000 rows) is split
instead into shares of about that many rows by case, as the Dask engine shares it out
(:mod:`.shares`): one reading of the files writes each share's rows to a file of its
own; then each share is read and replayed as the engine's tasks replay theirs
(:func:`~.sharereplay.replay_share`), and its replay written to a file
(:class:`~.sharereplay.Spilled`) before the next. What stays in memory is each case's
place in the log, the rows left out, and the counts (a 10M-event log peaks at about
310 MiB, a 1M-event one replayed at once at about 400). The shares are gathered
(:func:`~.sharereplay.gathered`) into the result one process gives, every case,
deviation, alert and row left out in the same order and form: its outputs read the
shares' columns (:class:`~.sharedbulk.SharesBulk`), its records are made from the
shares' files when first asked for. The files live in a temporary directory, removed
once the records are made or the result is dropped (or at exit).

Examples:
    >>> shares_for(2_000_000, 500_000), shares_for(2_000_001, 500_000)
    (1, 5)
    >>> share_rows({"POWERREG_SHARE_ROWS": "5000"}), share_rows({}) == SHARE_ROWS
    (5000, True)
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa

from ..errors import UsageError
from ..lang import Lang
from ..model import Registry
from .calendar import WorkCalendar
from .chartindex import ChartIndex
from .columnar import file_name, open_parquet, parquet_files
from .reader import RowIndex
from .result import MonitorResult
from .sharereplay import Share, gathered, replay_share
from .shares import read_share, split

#: Rows of a share by default: a 10M-event log's replay peaks at 317 MiB in shares of
#: 500,000 rows, 409 MiB in shares of 1,000,000 (a 1M-event log's at once: 407 MiB)
SHARE_ROWS = 500_000
#: Set to a number of rows: a Parquet log of more than four times as many is replayed
#: in shares of about that many (a test's small logs in a few shares, say).
SHARE_ROWS_ENV = "POWERREG_SHARE_ROWS"


def share_rows(environ: Mapping[str, str] = os.environ) -> int:
    """The rows of a share: :data:`SHARE_ROWS_ENV`'s if set to a positive number, else
    :data:`SHARE_ROWS`."""
    text = environ.get(SHARE_ROWS_ENV, "").strip()
    if text.isdigit() and int(text) > 0:
        return int(text)
    return SHARE_ROWS


def shares_for(rows: int, per_share: int) -> int:
    """How many shares a log of ``rows`` rows is replayed in: one (at once) up to four
    times ``per_share`` (a log replayed at once is the fastest), else about
    ``per_share`` rows a share."""
    return 1 if rows <= 4 * per_share else -(-rows // per_share)


def monitor_in_shares(
    log: str | os.PathLike[str],
    registry: Registry,
    as_of: date | None,
    cal: WorkCalendar,
    lang: Lang | None,
) -> MonitorResult | None:
    """:func:`~.run.monitor` of a Parquet log a share of its cases at a time; None if
    the log is small enough to replay at once (or cannot be read: the reading at once
    says why)."""
    root = Path(log)
    try:
        files = parquet_files(root)
        rows = sum(_rows(p) for p in files)
    except UsageError:
        return None
    n = shares_for(rows, share_rows())
    if n == 1:
        return None
    names = [file_name(root, p) for p in files]
    index = RowIndex(registry)
    charts: dict[tuple[str, str], ChartIndex] = {}  # each compiled once, for every share
    spill = SpillDirectory("powerreg-shares-")
    shares: list[Share] = []
    try:
        with tempfile.TemporaryDirectory(prefix="powerreg-split-") as tmp:
            parts = split(files, n, Path(tmp))
            for k, mine in enumerate(parts):
                share = replay_share(
                    read_share(mine), names, root.name, registry, cal, as_of, index, charts
                )
                for _, part in mine:
                    part.unlink()
                shares.append(share.spilled(spill.path / f"share-{k}.pickle", spill))
                del share
                pa.default_memory_pool().release_unused()
        return gathered(shares, names, root.name, registry, as_of, lang, charts)
    except BaseException:  # (the shares live on in the traceback: their files not)
        spill.remove()
        raise


class SpillDirectory:
    """A temporary directory removed with this object (or at exit, or by
    :meth:`remove`): what each spilled share holds on to (no warning when it goes, as
    :class:`tempfile.TemporaryDirectory` gives when it goes unclosed)."""

    def __init__(self, prefix: str) -> None:
        self.path = Path(tempfile.mkdtemp(prefix=prefix))
        self._remove = weakref.finalize(self, shutil.rmtree, self.path, ignore_errors=True)

    def remove(self) -> None:
        """Remove the directory now."""
        self._remove()


def _rows(path: Path) -> int:
    with open_parquet(path) as f:
        got: Any = f.metadata.num_rows
        return int(got)
