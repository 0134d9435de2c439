"""Positions found when first asked (powerreg.lateplaces): the same places as a load
that finds them all, from any thread, never from bytes other than those loaded."""

from __future__ import annotations

import importlib
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

import powerreg
from powerreg import audit
from powerreg.cli import main
from powerreg.synth import generate, write_registry

from .conftest import dump


@pytest.fixture
def generated(tmp_path: Path) -> Path:
    """Thirty generated powers: enough files to be read fast, so their entities' places
    are left to be found when asked."""
    return write_registry(generate(30, seed=5), tmp_path / "reg")


def _gids(reg: powerreg.Registry) -> list[str]:
    out = []
    for p in reg.powers.values():
        out.append(p.id)
        for fc in p.flowcharts:
            out += [fc.gid, *(s.gid for s in fc.steps)]
        for r in p.risk_points:
            out += [r.gid, *(m.gid for m in r.countermeasures)]
    return out


def test_a_load_leaves_the_entities_places_and_finds_them_as_a_full_load(
    generated: Path,
) -> None:
    lazy = powerreg.load(generated, cache=False)
    full = powerreg.load(generated, cache=False, locate_all=True)
    assert len(lazy._sources.pending) == 30
    assert not full._sources.pending
    assert set(lazy._sources.positions) < set(full._sources.positions)
    for gid in _gids(lazy):
        assert lazy.location(gid) == full.location(gid) is not None, gid
    assert lazy._sources.complete() == full._sources.positions
    assert not lazy._sources.pending


def test_audit_findings_of_a_lazy_load_stand_where_a_full_load_puts_them(
    generated: Path,
) -> None:
    file = sorted((generated / "powers").glob("*.yaml"))[3]
    data: dict[str, Any] = yaml.safe_load(file.read_text(encoding="utf-8"))
    data["risk_points"][-1]["countermeasures"] = []  # a risk point left uncountered
    file.write_text(dump(data), encoding="utf-8")
    lazy = powerreg.load(generated, cache=False)
    assert file.stem in lazy._sources.pending  # still read fast, its places left
    full = powerreg.load(generated, cache=False, locate_all=True)

    def where(reg: powerreg.Registry) -> list[tuple[str, str | None, str | None, int]]:
        return [(f.code, f.entity, f.file, f.line) for f in audit(reg, lang="en").findings]

    found = where(lazy)
    assert found == where(full)
    mine = [f for f in found if f[1] and f[1].startswith(f"{file.stem}/R")]
    assert mine
    assert all(f[2] == f"powers/{file.name}" and f[3] > 1 for f in mine)


def test_threads_asking_at_once_get_the_same_places(generated: Path) -> None:
    lazy = powerreg.load(generated, cache=False)
    full = powerreg.load(generated, cache=False, locate_all=True)
    gids = _gids(lazy)
    answers: list[dict[str, Any]] = [{} for _ in range(4)]

    def ask(k: int) -> None:
        for gid in gids[k::2] + gids:
            answers[k][gid] = lazy.location(gid)

    threads = [threading.Thread(target=ask, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expected = {gid: full.location(gid) for gid in gids}
    assert all(a == expected for a in answers)


def test_a_copy_finds_its_places_too(generated: Path) -> None:
    lazy = powerreg.load(generated, cache=False)
    copy = lazy.model_copy(deep=True)
    full = powerreg.load(generated, cache=False, locate_all=True)
    step = _gids(copy)[2]
    assert copy.location(step) == full.location(step) is not None


@pytest.mark.parametrize("cached", [False, True])
def test_a_file_changed_or_removed_since_gives_no_places_but_the_powers_own(
    generated: Path, cache: Path, cached: bool
) -> None:
    """With the load cache on, the digest kept is the cache's key of the file (computed
    once); without it, a digest of the bytes alone: either way a change is seen."""
    if cached:
        powerreg.load(generated)  # filled: the second load takes every file from it
    lazy = powerreg.load(generated, cache=cached)
    assert len(lazy._sources.pending) == 30
    full = powerreg.load(generated, cache=False, locate_all=True)
    first_step = f"{min(lazy.powers)}/F1/S1"
    assert lazy.location(first_step) == full.location(first_step) is not None
    first, second = sorted((generated / "powers").glob("*.yaml"))[1:3]
    steps = {p: f"{p}/F1/S1" for p in (first.stem, second.stem)}
    at_first = lazy.location(first.stem)
    first.write_text(first.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # same lines
    second.unlink()
    assert lazy.location(steps[first.stem]) is None  # other bytes: never their lines
    assert lazy.location(steps[second.stem]) is None
    assert lazy.location(first.stem) == at_first


def test_the_commands_that_write_a_catalog_find_every_place_while_loading(
    generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loading = importlib.import_module("powerreg.load")  # (powerreg.load is the function)
    asked: list[bool] = []
    real = loading.load

    def load(path: Any, **kwargs: Any) -> powerreg.Registry:
        asked.append(kwargs.get("locate_all", False))
        return real(path, **kwargs)

    monkeypatch.setattr(loading, "load", load)
    runner = CliRunner()
    for args, writes in (
        (["validate", str(generated)], False),
        (["audit", str(generated)], False),
        (["export", str(generated), "-o", str(tmp_path / "c.db")], True),
    ):
        asked.clear()
        result = runner.invoke(main, args)
        assert result.exit_code == 0, result.output
        assert asked == [writes], args
    rows = powerreg.load(tmp_path / "c.db")
    full = real(generated, cache=False, locate_all=True)
    assert {g: rows.location(g) for g in _gids(rows)} == {g: full.location(g) for g in _gids(full)}
