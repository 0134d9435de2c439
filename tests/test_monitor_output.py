"""The monitor's output at scale (issue 22.5): JSON written a case at a time, the same
text as the document made whole, and no cycle collection while a result is formatted."""

from __future__ import annotations

import csv
import gc
import io
import json
import sys
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import powerreg
from powerreg.cli import main
from powerreg.collector import FREEZE_AT
from powerreg.monitor import monitor, synth_cases
from powerreg.monitor.simulate import HEADER

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_LOG = ROOT / "examples" / "cases" / "cases.csv"
REFERENCE = powerreg.load_reference()


FORMATTING = ("result.py", "records.py", "errors.py", "codes")


@pytest.fixture
def collections() -> Iterator[list[int]]:
    """The generations the cycle collector runs on while the test runs, from within the
    monitor's formatting (a result's methods, its records and their messages)."""
    seen: list[int] = []

    def note(phase: str, info: dict[str, int]) -> None:
        if phase != "start":
            return
        frame: Any = sys._getframe(0).f_back
        if frame is not None and frame.f_code.co_name == "__exit__":
            return  # the pause ending: the young garbage of the formatting, once
        while frame is not None:
            name = frame.f_code.co_filename
            if "powerreg" in name and any(part in name for part in FORMATTING):
                seen.append(info["generation"])
                return
            frame = frame.f_back

    gc.callbacks.append(note)
    try:
        yield seen
    finally:
        gc.callbacks.remove(note)


def test_json_is_written_a_case_at_a_time_as_the_whole_document() -> None:
    result = monitor(EXAMPLE_LOG, REFERENCE, as_of=date(2011, 12, 30), lang="en")
    for lang in ("en", "zh"):
        out = io.StringIO()
        result.write_json(out, lang)  # type: ignore[arg-type]
        text = out.getvalue()
        assert json.loads(text) == result.to_dict(lang)  # type: ignore[arg-type]
        assert text == result.to_json(lang)  # type: ignore[arg-type]
        lines = text.splitlines()
        start = lines.index('  "cases": [')
        assert len(lines) == start + len(result.cases) + 3  # a line per case
        assert json.loads(lines[start + 1].strip().rstrip(",")) == result.to_dict(lang)["cases"][0]  # type: ignore[arg-type]
    run = CliRunner().invoke(
        main,
        ["monitor", str(EXAMPLE_LOG), "--as-of", "2011-12-30", "--format", "json", "--lang", "en"],
    )
    assert run.exit_code == 0, run.output
    assert json.loads(run.output) == result.to_dict("en")


def test_no_cases_still_make_a_document(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_text("case_id,power_id,step_id,timestamp\n", encoding="utf-8")
    result = monitor(path, REFERENCE)
    assert json.loads(result.to_json())["cases"] == []
    assert result.to_json() == json.dumps(result.to_dict(), ensure_ascii=False, indent=2)
    assert json.loads(result.to_json()) == result.to_dict()


def test_formatting_runs_no_cycle_collection(collections: list[int]) -> None:
    result = monitor(EXAMPLE_LOG, REFERENCE, as_of=date(2011, 12, 30), lang="en")
    collections.clear()
    for lang in ("en", "zh"):
        result.to_text(lang)  # type: ignore[arg-type]
        result.write_json(io.StringIO(), lang)  # type: ignore[arg-type]
        result.to_markdown(lang)  # type: ignore[arg-type]
        result.to_dict(lang)  # type: ignore[arg-type]
    assert collections == []


def test_a_big_result_is_frozen_out_of_later_collections(tmp_path: Path) -> None:
    log = synth_cases(REFERENCE, 150, seed=3)
    assert log.events >= FREEZE_AT
    path = log.write_csv(tmp_path / "cases.csv")
    gc.unfreeze()
    try:
        result = monitor(path, REFERENCE)
        assert gc.get_freeze_count() > 0
        assert result.rows >= FREEZE_AT
    finally:
        gc.unfreeze()
    gc.unfreeze()
    small = tmp_path / "small.csv"
    small.write_text(EXAMPLE_LOG.read_text(encoding="utf-8"), encoding="utf-8")
    monitor(small, REFERENCE)
    assert gc.get_freeze_count() == 0


# ---------------------------------------------------------------- the fast writers

_ODD = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=90
)


def _reference_lines(result: Any, lang: str) -> list[str]:
    """The lines of findings as :meth:`MonitorResult.line` renders each, one by one."""
    return [result.line(f, lang) for f in result.findings()]


def _reference_json(result: Any, lang: str) -> str:
    """The document as the writer before the fast one wrote it: the head indented, then
    each case's dict (``to_dict``'s) through the C encoder, a line each."""
    head = json.dumps(result._head(lang), ensure_ascii=False, indent=2)
    if not result.cases:
        return str(head[:-2] + ',\n  "cases": []\n}')
    encode = json.JSONEncoder(ensure_ascii=False).encode
    cases = ",\n    ".join(encode(result._case_dict(c, lang)) for c in result.cases)
    return str(head[:-2] + ',\n  "cases": [\n    ' + cases + "\n  ]\n}")


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 14),
    deviation_rate=st.sampled_from([0.0, 0.3, 1.0]),
    delay_rate=st.sampled_from([0.0, 0.2, 0.6]),
    renames=st.lists(_ODD, max_size=4),
    lost=st.integers(0, 3),
    as_of=st.one_of(st.none(), st.dates(date(2011, 1, 10), date(2011, 6, 30))),
    lang=st.sampled_from(["en", "zh"]),
)
def test_fast_text_and_json_are_the_reference_to_the_byte(
    tmp_path: Path,
    seed: int,
    n: int,
    deviation_rate: float,
    delay_rate: float,
    renames: list[str],
    lost: int,
    as_of: date | None,
    lang: str,
) -> None:
    """Generated logs — deviations, late steps, open cases (``as_of``), rows left out
    (incomplete cases), case ids with quotes, backslashes, control characters, long and
    Chinese text — give the text lines and the JSON document of the templates and
    fragments exactly as the messages rendered one by one and the dicts encoded whole."""
    log = synth_cases(REFERENCE, n, seed=seed, deviation_rate=deviation_rate, delay_rate=delay_rate)
    ids = sorted({row[0] for row in log.rows})
    new_id = {old: f"{text}{i}" for i, (old, text) in enumerate(zip(ids, renames, strict=False))}
    rows = [[new_id.get(row[0], row[0]), *row[1:]] for row in log.rows]
    for row in rows[:lost]:  # a row at a step on no chart: left out, its case incomplete
        rows.append([row[0], row[1], "S99", *row[3:]])
    path = tmp_path / "cases.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)
    result = monitor(path, REFERENCE, as_of=as_of, lang=lang)  # type: ignore[arg-type]
    text = result.to_text()
    findings = _reference_lines(result, lang)
    assert text.split("\n")[: len(findings)] == findings
    out = io.StringIO()
    result.write_json(out)
    assert out.getvalue() == _reference_json(result, lang)
    assert json.loads(out.getvalue()) == result.to_dict()


# ---------------------------------------------------------------- from the bulk columns

_LEVELS = ("red", "yellow", "deviation", "never")


def _outputs(result: Any) -> tuple[Any, ...]:
    """Every output of a result, and what it says of its findings: the text and the
    JSON first (made from a bulk result's columns), then the rest (made from records)."""
    text = result.to_text()
    out = io.StringIO()
    result.write_json(out)
    fails = [result.fails(level) for level in _LEVELS]
    records = "_some_made" in result.__dict__
    return (
        (text, out.getvalue(), fails, result.totals, [p.to_dict() for p in result.powers]),
        records,
        result.to_markdown(),
    )


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 24),
    deviation_rate=st.sampled_from([0.0, 0.3, 1.0]),
    delay_rate=st.sampled_from([0.0, 0.2, 0.6]),
    renames=st.lists(_ODD, max_size=4),
    lost=st.sampled_from([0, 0, 2]),
    as_of=st.one_of(st.none(), st.dates(date(2011, 1, 10), date(2011, 6, 30))),
    lang=st.sampled_from(["en", "zh"]),
    parquet=st.booleans(),
)
@example(  # a NUL in a CSV: Python's csv module reads it, so the line reader takes the file
    seed=0,
    n=1,
    deviation_rate=0.0,
    delay_rate=0.0,
    renames=["\x00"],
    lost=0,
    as_of=None,
    lang="en",
    parquet=False,
)
def test_output_from_the_bulk_columns_is_the_reference_to_the_byte(
    tmp_path: Path,
    seed: int,
    n: int,
    deviation_rate: float,
    delay_rate: float,
    renames: list[str],
    lost: int,
    as_of: date | None,
    lang: str,
    parquet: bool,
) -> None:
    """A result as ``monitor()`` returns it from a log read in bulk writes its text,
    JSON and Markdown from the replay's columns, making no record (or, when rows were
    left out, only those of its cases with findings or lines lost): byte for byte what
    the same result gives once every record is made. Odd case ids (quotes, backslashes,
    control characters, CJK) go through Parquet, which the bulk reading always takes."""
    import pickle

    import pyarrow as pa
    import pyarrow.parquet as pq

    from powerreg.monitor import bulkoutput, lazyresult
    from powerreg.monitor.lazyresult import LazyResult

    log = synth_cases(REFERENCE, n, seed=seed, deviation_rate=deviation_rate, delay_rate=delay_rate)
    ids = sorted({row[0] for row in log.rows})
    new_id = {old: f"{text}{i}" for i, (old, text) in enumerate(zip(ids, renames, strict=False))}
    rows = [[new_id.get(row[0], row[0]), *row[1:]] for row in log.rows]
    for row in rows[:lost]:  # a row at a step on no chart: left out, its case incomplete
        rows.append([row[0], row[1], "S99", *row[3:]])
    folder = Path(tempfile.mkdtemp(dir=tmp_path))  # one per example
    if parquet:
        path = folder / "cases.parquet"
        columns = {h: [r[j] or None for r in rows] for j, h in enumerate(HEADER)}
        pq.write_table(pa.table(columns), path)
    else:
        path = folder / "cases.csv"
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(HEADER)
            writer.writerows(rows)
    fresh = monitor(path, REFERENCE, as_of=as_of, lang=lang)  # type: ignore[arg-type]
    if parquet or not any(c in path.read_text("utf-8") for c in '"\r\x00'):
        # Parquet, and a CSV without a quote, a carriage return or a NUL (which only the
        # line reader takes as Python's csv module does), are read and replayed in bulk
        assert isinstance(fresh, LazyResult)
    # the JSON made in blocks of 3 cases' ends and written 2 cases at a time: blocks
    # and writes out of step, as a big log's are; the text made 5 findings at a time
    with (
        patch.object(bulkoutput, "ENDS_BLOCK", 3),
        patch.object(lazyresult, "CHUNK", 2),
        patch.object(bulkoutput, "LINES_BLOCK", 5),
    ):
        got, records, markdown = _outputs(fresh)
    if isinstance(fresh, LazyResult):
        assert fresh._make is not None  # the cases' records not made
        assert records == any(p.entity for p in fresh.problems)  # only if lines were lost
    made = monitor(path, REFERENCE, as_of=as_of, lang=lang)  # type: ignore[arg-type]
    reference = pickle.loads(pickle.dumps(made))  # a plain result, every record made
    theirs, _, their_markdown = _outputs(reference)
    assert (got, markdown) == (theirs, their_markdown)
    assert got[1] == _reference_json(reference, lang)
    assert fresh.cases == reference.cases  # made after all, the same records


def test_the_output_of_a_bulk_replay_makes_no_record(tmp_path: Path) -> None:
    path = synth_cases(REFERENCE, 120, 7, 0.3, 0.4).write_csv(tmp_path / "cases.csv")
    result = monitor(path, REFERENCE, as_of=date(2011, 3, 1), lang="en")
    text, document = result.to_text(), result.to_json()
    assert result._make is not None  # type: ignore[attr-defined]
    assert "_some_made" not in result.__dict__
    assert text.count(": M2") > 10  # findings written
    assert '"alerts": [{' in document
    assert (text, document) == (result.to_text(), result.to_json())
    with (tmp_path / "out.json").open("w", encoding="utf-8") as f:  # bytes under the text
        result.write_json(f)
    assert (tmp_path / "out.json").read_text(encoding="utf-8") == document
    made = result.cases
    assert len(made) == json.loads(document)["totals"]["cases"]
    assert result.to_json() == document  # from the records now, the same text


def test_a_bulk_result_with_no_case_left_still_makes_its_outputs(tmp_path: Path) -> None:
    import pickle

    path = synth_cases(REFERENCE, 5, 3).write_csv(tmp_path / "cases.csv")
    result = monitor(path, REFERENCE, as_of=date(2011, 1, 1), lang="en")  # before them all
    assert result.events == 0
    assert result.after_as_of > 0
    got = (result.to_text(), result.to_json())
    assert json.loads(got[1])["cases"] == []
    plain = pickle.loads(pickle.dumps(monitor(path, REFERENCE, as_of=date(2011, 1, 1))))
    assert got == (plain.to_text("en"), plain.to_json("en"))
