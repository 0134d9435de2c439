"""For the registry keeper (issue 16.1, 16.4, 16.5): no power file silently unread, a
duplicate names its first, limit findings at the limit's line, one file validated."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import powerreg
from powerreg.cli import main
from powerreg.directory import load_power_file
from powerreg.errors import RegistryError, UsageError

MINIMAL = Path(__file__).parents[1] / "examples" / "minimal"


@pytest.fixture
def reg_dir(tmp_path: Path) -> Path:
    root = tmp_path / "reg"
    shutil.copytree(MINIMAL, root)
    return root


def _problems(root: Path) -> list[tuple[str, str | None]]:
    with pytest.raises(RegistryError) as info:
        powerreg.load(root)
    return [(p.key, p.file) for p in info.value.problems]


def test_files_in_powers_that_are_never_read_are_reported(reg_dir: Path) -> None:
    powers = reg_dir / "powers"
    shutil.copy(powers / "XK-001.yaml", powers / "XK-017.yml")
    (powers / "XK-018.YAML").write_text("id: XK-018\n", "utf-8")
    (powers / "notes.txt").write_text("草稿", "utf-8")
    (powers / "old").mkdir()
    (powers / ".gitkeep").write_text("", "utf-8")  # hidden files are left alone
    assert _problems(reg_dir) == [  # in the order of the names
        ("E008.suffix", "powers/XK-017.yml"),
        ("E008.suffix", "powers/XK-018.YAML"),
        ("E008", "powers/notes.txt"),
        ("E008.folder", "powers/old/"),
    ]
    with pytest.raises(RegistryError) as info:
        powerreg.load(reg_dir)
    [yml] = [p for p in info.value.problems if p.file == "powers/XK-017.yml"]
    assert "rename it 'XK-017.yaml'" in yml.message("en")
    assert "XK-017.yaml" in yml.message("zh")


def test_validate_says_how_many_files_it_read() -> None:
    out = CliRunner().invoke(main, ["validate", str(MINIMAL), "--lang", "en"])
    assert out.output.rstrip().endswith("(3 files read)")


def test_a_duplicate_id_names_the_first_one(reg_dir: Path) -> None:
    path = reg_dir / "powers" / "XK-001.yaml"
    lines = path.read_text("utf-8").splitlines()
    first = next(i for i, line in enumerate(lines, 1) if "{id: S2," in line)
    third = next(i for i, line in enumerate(lines, 1) if "{id: S3," in line)
    lines[third - 1] = lines[third - 1].replace("{id: S3,", "{id: S2,")
    path.write_text("\n".join(lines) + "\n", "utf-8")
    with pytest.raises(RegistryError) as info:
        powerreg.load(reg_dir)
    [dup] = [p for p in info.value.problems if p.code == "E003"]
    assert (dup.line, dup.params["first"]) == (third, first)
    assert f"the first is on line {first}" in dup.message("en")
    assert f"第一个在第 {first} 行" in dup.message("zh")
    assert all(p.line > 0 for p in info.value.problems)


def test_limit_findings_point_at_the_limit_line(reg_dir: Path) -> None:
    path = reg_dir / "powers" / "XK-001.yaml"
    text = path.read_text("utf-8").replace("promised_limit: 20", "promised_limit: 40")
    path.write_text(text, "utf-8")
    line = next(i for i, s in enumerate(text.splitlines(), 1) if s.startswith("promised_limit"))
    report = powerreg.audit(powerreg.load(reg_dir))
    [a201] = [f for f in report.findings if f.code == "A201"]
    assert (a201.file, a201.line) == ("powers/XK-001.yaml", line)
    old_key = text.replace("promised_limit: 40", "promised_days: 40")  # the older key too
    path.write_text(old_key, "utf-8")
    report = powerreg.audit(powerreg.load(reg_dir))
    [a201] = [f for f in report.findings if f.code == "A201"]
    assert a201.line == line


def test_one_power_file_is_checked_against_its_registry(reg_dir: Path) -> None:
    reg = load_power_file(reg_dir / "powers" / "XK-001.yaml")
    assert list(reg.powers) == ["XK-001"]
    bad = reg_dir / "powers" / "CF-001.yaml"
    bad.write_text(bad.read_text("utf-8").replace("category: CF", "category: CX"), "utf-8")
    out = CliRunner().invoke(main, ["validate", str(bad), "--lang", "en"])
    assert out.exit_code == 1
    assert "powers/CF-001.yaml" in out.output
    assert "category 'CX' is not declared" in out.output
    ok = CliRunner().invoke(main, ["validate", str(reg_dir / "powers" / "XK-001.yaml")])
    assert ok.exit_code == 0
    assert "XK-001" in ok.output
    with pytest.raises(UsageError, match="not a power file"):
        load_power_file(reg_dir / "registry.yaml")
