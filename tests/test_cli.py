"""The command line: exit codes, stdout/stderr, and problem lines exactly as SPEC §5."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from powerreg.cli import main

from .conftest import EXAMPLE, WriteRegistry


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_validate_ok() -> None:
    code, out, err = run("validate", str(EXAMPLE))
    assert (code, err) == (0, "")
    assert out == (
        "ok: example-epb: 2 categories, 2 powers, 2 flowcharts, 4 risk points, 11 countermeasures"
        " (3 files read)\n"
    )


def test_validate_reports_every_problem_on_stderr(write_registry: WriteRegistry) -> None:
    text = (EXAMPLE / "powers" / "XK-001.yaml").read_text(encoding="utf-8")
    root = write_registry(
        {"XK-001": text.replace("level: medium", "level: 特高").replace("S4 -> S5", "S4 -> S55")}
    )
    code, out, err = run("validate", str(root))
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "powers/XK-001.yaml:30:9: E004 transition to 'S55' is not a step of flowchart F1 "
        "(steps: S1, S2, S3, S4, S5, S6, S7, S8, S9)",
        "powers/XK-001.yaml:39:12: E002 unknown level '特高'; use one of high, medium, low "
        "(or 高, 一级, 中, 二级, 低, 三级)",
        "2 problems in 1 file",
    ]


def test_stats_text_and_json() -> None:
    code, out, _ = run("stats", str(EXAMPLE))
    assert code == 0
    assert (
        "梳理出2类、2项行政权力，查找出4个廉政风险点，绘制权力运行流程图2项、2张，制定防范措施11条"
        in out
    )
    code, out, _ = run("stats", str(EXAMPLE), "--format", "json")
    data = json.loads(out)
    assert (data["powers"], data["flowcharts"], data["risk_points"], data["countermeasures"]) == (
        2,
        2,
        4,
        11,
    )
    assert data["risk_points_by_level"] == {"high": 3, "medium": 1, "low": 0}


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    code, out, err = run("validate", str(tmp_path / "nope"))
    assert (code, out) == (2, "")
    assert "does not exist" in err


def test_schema_check(tmp_path: Path) -> None:
    code, _, err = run("schema", "-o", str(tmp_path), "--check")
    assert code == 1
    assert "out of date" in err
    assert run("schema", "-o", str(tmp_path))[0] == 0
    assert run("schema", "-o", str(tmp_path), "--check")[0] == 0


def test_version_and_module_entry_point() -> None:
    code, out, _ = run("--version")
    assert code == 0
    assert out.startswith("powerreg, version ")
    proc = subprocess.run(
        [sys.executable, "-m", "powerreg", "validate", str(EXAMPLE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0
    assert proc.stdout.startswith("ok: example-epb")


CASES = EXAMPLE.parent / "cases" / "cases.csv"


def test_monitor_command(tmp_path: Path) -> None:
    code, out, err = run("monitor", str(CASES), "--as-of", "2011-12-30", "--lang", "en")
    assert (code, err) == (0, "")
    assert out.splitlines()[-1].startswith("8 cases of 4 powers (55 events, 0 rows left out)")
    text = CASES.read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "cases.csv"
    bad.write_text(
        "\n".join([*text, "X-1,XK-404,F1,S1,2011-10-10 09:00,,"]) + "\n", encoding="utf-8"
    )
    code, out, err = run("monitor", str(bad), "--lang", "en")
    assert code == 1
    assert f"cases.csv:{len(text) + 1}: M003 power 'XK-404' is not in the registry" in err
    assert "1 row of 56 left out" in err


def test_monitor_date_beyond_the_calendar_is_a_usage_error() -> None:
    code, _, err = run("monitor", str(CASES), "--as-of", "2031-01-01")
    assert code == 2
    assert "chinese-calendar" in err
    assert "Traceback" not in err


def test_synth_cases_command(tmp_path: Path) -> None:
    out = tmp_path / "log.csv"
    code, stdout, _ = run(
        "synth-cases",
        "-n",
        "20",
        "--seed",
        "3",
        "-o",
        str(out),
        "--truth",
        str(tmp_path / "truth.json"),
    )
    assert code == 0
    assert stdout.startswith(f"wrote {out}: ")
    assert json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))
    assert run("monitor", str(out))[0] == 0


def test_any_library_refusal_is_a_message_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import powerreg.reference
    from powerreg.errors import PowerregError

    def refuse() -> None:
        raise PowerregError("the reference registry is unavailable")

    monkeypatch.setattr(powerreg.reference, "load_reference", refuse)
    code, out, err = run("stats")
    assert (code, out) == (1, "")
    assert err == "error: the reference registry is unavailable\n"


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_has_help_with_an_example(command: str) -> None:
    code, out, _ = run(command, "--help")
    assert code == 0
    assert "Example" in out
    assert "Usage: " in out
