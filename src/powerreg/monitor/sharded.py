"""A big Parquet log or CSV file replayed in one process a share of its cases at a time
(extra ``scale``), so that memory follows a share, not the log.

:func:`~.run.monitor` replays a log at once: its columns, then its events as arrays,
then the replay's, all in memory (about 400 MiB at a million events). A log of more
than four times :func:`share_rows` rows (500,000 by default, ``POWERREG_SHARE_ROWS`` to
set: a log of more than 2,000,000 rows) is split instead into shares of about that many
rows by case, as the Dask engine shares it out (:mod:`.shares`): one reading of the log
writes each share's rows to a file of its own; then each share is read and replayed as
the engine's tasks replay theirs (:func:`~.sharereplay.replay_share`), and its replay
written to a file (:class:`~.sharereplay.Spilled`) before the next. What stays in
memory is each case's place in the log, the rows left out, and the counts (a 10M-event
log peaks at about 310 MiB, a 1M-event one replayed at once at about 400). The shares
are gathered (:func:`~.sharereplay.gathered`) into the result one process gives, every
case, deviation, alert and row left out in the same order and form: its outputs read
the shares' columns (:class:`~.sharedbulk.SharesBulk`), its records are made from the
shares' files when first asked for. The files live in a temporary directory, removed
once the records are made or the result is dropped (or at exit).

A Parquet log's rows are counted from its files' metadata, and its files read a row
group at a time. A CSV file is split so when it is plain (:mod:`.plaincsv`: no quote,
carriage return or NUL, no blank line, every row as wide as the header, …): its lines
counted and its plainness checked a block of its bytes at a time, then its rows read
by pyarrow a block of whole lines at a time (:func:`~.plaincsv.plain_blocks`), each
keeping its line (its row below the header), so that every problem names the line it
names at once (a 10M-event file of 659 MB peaks at 327-340 MiB in 21 shares, where it
peaked at 2,163 MiB read whole; about 19 s of CPU either way). Any other
CSV file (one pyarrow refuses as it reads it, too: the split is dropped) is read whole,
as ever, by the bulk reading or the line reader. JSON Lines are read whole by the
line reader, as ever: there is no bulk reading of them to split (pyarrow's
``open_json`` reads a block at a time, but types each value as it finds it, a number
or a list, where the line reader makes each one's text, and it refuses a line that is
no object, which the line reader reports and reads on).

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
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa

from ..errors import UsageError
from ..lang import Lang
from ..model import Registry
from .calendar import WorkCalendar
from .chartindex import ChartIndex
from .columnar import file_name, is_parquet, parquet_files
from .events import source_name
from .plaincsv import NotPlain, PlainCsv, line_limit, plain_blocks, plain_csv
from .reader import RowIndex
from .result import MonitorResult
from .rows import MAX_FIELD
from .sharereplay import Share, gathered, replay_share
from .shares import group_rows, read_share, split, split_tables

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
    plain: PlainCsv | None = None,
) -> MonitorResult | None:
    """:func:`~.run.monitor` of a big Parquet log or plain CSV file a share of its
    cases at a time (``plain``: a CSV file's checks, if made already); None if the log
    is small enough to replay at once, or cannot be read so (the reading at once says
    why, or reads it row by row)."""
    root = Path(log)
    per_share = share_rows()
    if is_parquet(root):
        big = _parquet_log(root, per_share)
    else:
        plain = plain_csv(root) if plain is None else plain
        big = None if plain is None else _csv_log(root, plain, per_share)
    if big is None:
        return None
    index = RowIndex(registry)
    charts: dict[tuple[str, str], ChartIndex] = {}  # each compiled once, for every share
    spill = SpillDirectory("powerreg-shares-")
    shares: list[Share] = []
    try:
        with tempfile.TemporaryDirectory(prefix="powerreg-split-") as tmp:
            try:
                parts = big.split(Path(tmp))
            except NotPlain:  # (a CSV file pyarrow refused as it read it)
                spill.remove()
                return None
            for k, mine in enumerate(parts):
                share = replay_share(
                    read_share(mine), big.names, big.source, registry, cal, as_of, index,
                    charts, big.row_word,
                )  # fmt: skip
                for _, part in mine:
                    part.unlink()
                shares.append(share.spilled(spill.path / f"share-{k}.pickle", spill))
                del share
                pa.default_memory_pool().release_unused()
        return gathered(shares, big.names, big.source, registry, as_of, lang, charts)
    except BaseException:  # (the shares live on in the traceback: their files not)
        spill.remove()
        raise


@dataclass(frozen=True)
class _BigLog:
    """A log to replay in shares: each of its files as problems name it, the log's name,
    what a problem calls a row's place, and its split into its shares' files
    (:func:`~.shares.split_tables`) in a directory."""

    names: list[str]
    source: str
    row_word: str
    split: Callable[[Path], list[list[tuple[int, Path]]]]


def _parquet_log(root: Path, per_share: int) -> _BigLog | None:
    """A Parquet log of more rows than are replayed at once (counted from the files'
    metadata); None if not, or if it cannot be read."""
    try:
        files = parquet_files(root)
        rows = sum(sum(group_rows(p)) for p in files)
    except UsageError:
        return None
    n = shares_for(rows, per_share)
    if n == 1:
        return None
    names = [file_name(root, p) for p in files]
    return _BigLog(names, root.name, "row", lambda into: split(files, n, into))


def _csv_log(path: Path, plain: PlainCsv, per_share: int) -> _BigLog | None:
    """A plain CSV file (:mod:`.plaincsv`) of more rows than are replayed at once; None
    if not."""
    n = shares_for(plain.rows, per_share)
    if n == 1 or line_limit() > MAX_FIELD:
        # (a longer field, with the csv module's limit raised, is one a share's bulk
        # reading refuses: its share read row by row would say so, the whole file not)
        return None
    # a row's line: its row below the header (the one line before the first row)
    files = [(plain_blocks(path, plain), 1)]
    name = source_name(path)
    return _BigLog([name], name, "line", lambda into: split_tables(files, n, into))


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
