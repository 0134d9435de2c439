"""The monitor's output at scale (issue 22.5): JSON written a case at a time, the same
text as the document made whole, and no cycle collection while a result is formatted."""

from __future__ import annotations

import gc
import io
import json
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import powerreg
from powerreg.cli import main
from powerreg.collector import FREEZE_AT
from powerreg.monitor import monitor, synth_cases

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
