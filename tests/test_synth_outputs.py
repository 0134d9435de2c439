"""What ``synth`` and ``synth-cases`` may write over, and how much they may make."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from powerreg.cli import main

from .conftest import EXAMPLE


def synth_cases(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(main, ["synth-cases", str(EXAMPLE), "-n", "5", *args])
    return res.exit_code, res.output


@pytest.mark.parametrize("name", ["cases.csv", "cases.jsonl", "cases.parquet", "by-month"])
def test_a_log_is_written_again_over_itself(tmp_path: Path, name: str) -> None:
    if name.endswith("parquet") or name == "by-month":
        pytest.importorskip("pyarrow")
    out = tmp_path / name
    extra = ["--format", "parquet"] if name == "by-month" else []
    truth = tmp_path / "truth.json"
    for seed in ("1", "2"):
        code, said = synth_cases("-o", str(out), "--truth", str(truth), "--seed", seed, *extra)
        assert code == 0, said
    assert out.exists()
    assert '"seed": 2' in truth.read_text("utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, "truth.json"])


def test_nothing_else_is_replaced(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("precious", "utf-8")
    link = tmp_path / "link.csv"
    link.symlink_to(notes)
    registry = tmp_path / "reg"
    registry.mkdir()
    for item in EXAMPLE.rglob("*"):
        target = registry / item.relative_to(EXAMPLE)
        if item.is_dir():
            target.mkdir()
        else:
            target.write_bytes(item.read_bytes())
    power = registry / "powers" / "XK-001.yaml"
    before = power.read_bytes()
    refused = [
        ["-o", str(notes)],
        ["-o", str(link)],
        ["-o", str(tmp_path / "c.csv"), "--truth", str(notes)],
    ]
    for args in refused:
        code, said = synth_cases(*args)
        assert code == 2, said
        assert "refusing to replace it" in said
    assert notes.read_text("utf-8") == "precious"
    assert not (tmp_path / "c.csv").exists()  # the truth refused: the log not written either
    res = CliRunner().invoke(
        main, ["synth-cases", str(registry), "-n", "5", "-o", str(registry / "registry.yaml")]
    )
    assert res.exit_code == 2
    assert "inside the registry being read" in res.output
    args = ["-n", "5", "-o", str(tmp_path / "x.csv"), "--truth", str(power)]
    res = CliRunner().invoke(main, ["synth-cases", str(registry), *args])
    assert res.exit_code == 2
    assert power.read_bytes() == before
    assert sorted(os.listdir(registry / "powers")) == sorted(os.listdir(EXAMPLE / "powers"))


@pytest.mark.parametrize(
    ("args", "limit"),
    [
        (["synth", "99999999999999999999", "-o", "big"], "0<=x<=1000000"),
        (["synth-cases", "-n", "1000001", "-o", "c.csv"], "0<=x<=1000000"),
    ],
)
def test_a_size_past_the_limit_is_refused_at_once(
    tmp_path: Path, args: list[str], limit: str
) -> None:
    res = CliRunner().invoke(main, [*args[:-1], str(tmp_path / args[-1])])
    assert res.exit_code == 2
    assert limit in res.output
    assert list(tmp_path.iterdir()) == []
