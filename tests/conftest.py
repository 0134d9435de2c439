"""Factories that write registries from dicts or text, for every test module."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import yaml
from hypothesis import settings

from powerreg.machine import process_stat

# CI explores the same examples every run, so a landing never hangs on luck; a developer's
# runs explore new ones (and hypothesis keeps every failure it finds in .hypothesis/).
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "minimal"

META: dict[str, Any] = {
    "schema_version": 1,
    "id": "test-registry",
    "department": "测试市环境保护局",
    "department_en": "Test Environmental Protection Bureau",
    "year": 2011,
    "source": "written for the tests",
    "categories": [
        {"code": "XK", "name": "行政许可", "name_en": "Licensing"},
        {"code": "CF", "name": "行政处罚", "name_en": "Penalty"},
    ],
}


def power_data(pid: str = "XK-001", category: str = "XK", **overrides: Any) -> dict[str, Any]:
    """A small valid power: one chart start → review (decision) → end, one risk point."""
    data: dict[str, Any] = {
        "id": pid,
        "category": category,
        "name": "建设项目环境影响报告表审批",
        "name_en": "Approval of EIA report forms",
        "legal_basis": ["《中华人民共和国环境影响评价法》第二十二条"],
        "subject": "测试市环境保护局",
        "division": "环评科",
        "statutory_days": 30,
        "promised_days": 20,
        "flowcharts": [
            {
                "id": "F1",
                "title": "审批流程",
                "steps": [
                    {"id": "S1", "kind": "start", "label": "申请"},
                    {"id": "S2", "kind": "decision", "label": "审查", "role": "环评科", "days": 5},
                    {"id": "S3", "label": "批准", "role": "局长", "days": 1},
                    {"id": "S4", "label": "不予批准", "role": "局长", "days": 1},
                    {"id": "S5", "kind": "end", "label": "送达"},
                ],
                "transitions": [
                    "S1 -> S2",
                    {"from": "S2", "to": "S3", "when": "符合"},
                    {"from": "S2", "to": "S4", "when": "不符合"},
                    "S3 -> S5",
                    "S4 -> S5",
                ],
            }
        ],
        "risk_points": [
            {
                "id": "R1",
                "at": "F1/S2",
                "level": "high",
                "type": "process",
                "description": "降低标准审批",
                "likelihood": 3,
                "impact": 2,
                "countermeasures": [
                    {
                        "id": "M1",
                        "kind": "institution",
                        "stage": "before",
                        "description": "集体审议",
                    },
                    {
                        "id": "M2",
                        "kind": "supervision",
                        "stage": "during",
                        "description": "纪检列席",
                    },
                    {"id": "M3", "kind": "disclosure", "stage": "after", "description": "结果公开"},
                ],
            }
        ],
    }
    data.update(overrides)
    return data


class _PlainDumper(yaml.SafeDumper):
    """Writes an object met twice out in full: powerreg refuses anchors and aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def in_fresh_process(module: str, function: str) -> Any:
    """What ``tests.<module>.<function>()`` returns (JSON), called in a new Python: one
    running a single thread, as a pool's fork or the fast reading of YAML needs."""
    code = f"import json; from tests.{module} import {function} as f; print(json.dumps(f()))"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.splitlines()[-1])


def dump(data: Any) -> str:
    """YAML text of test data, as a person would write it (no anchors, keys in order)."""
    return yaml.dump(data, Dumper=_PlainDumper, allow_unicode=True, sort_keys=False)


WriteRegistry = Callable[..., Path]


@pytest.fixture
def write_registry(tmp_path: Path) -> WriteRegistry:
    """Write a registry directory: ``write_registry(powers={"XK-001": dict_or_text})``.

    ``meta`` (dict or text) replaces registry.yaml; ``meta=None`` with ``no_meta=True``
    leaves it out. Values that are ``str`` are written verbatim, ``bytes`` as bytes.
    """

    def write(
        powers: dict[str, Any] | None = None,
        meta: Any = None,
        *,
        no_meta: bool = False,
        no_powers_dir: bool = False,
        name: str = "reg",
    ) -> Path:
        root = tmp_path / name
        root.mkdir()
        if not no_meta:
            m = META if meta is None else meta
            (root / "registry.yaml").write_text(
                m if isinstance(m, str) else dump(m), encoding="utf-8"
            )
        if not no_powers_dir:
            (root / "powers").mkdir()
            for stem, content in (
                powers if powers is not None else {"XK-001": power_data()}
            ).items():
                path = root / "powers" / f"{stem}.yaml"
                if isinstance(content, bytes):
                    path.write_bytes(content)
                else:
                    path.write_text(
                        content if isinstance(content, str) else dump(content), encoding="utf-8"
                    )
        return root

    return write


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, empty load cache directory for this test (never the session's)."""
    where = tmp_path / "cache"
    monkeypatch.setenv("POWERREG_CACHE_DIR", str(where))
    monkeypatch.delenv("POWERREG_CACHE", raising=False)
    return where


def site_files(site: Path) -> dict[str, bytes]:
    """Every file of a published site and its bytes, but its marker (which records
    how long each step took)."""
    from powerreg.site import MARKER

    return {
        p.relative_to(site).as_posix(): p.read_bytes()
        for p in sorted(site.rglob("*"))
        if p.is_file() and p.name != MARKER
    }


def child_processes() -> set[int]:
    """This process's children, running or ended and not yet waited for (from /proc):
    what a test compares before and after, where ``os.wait()`` would block on a child an
    earlier test left for the life of the process (a roll-up's forkserver)."""
    me = str(os.getpid())
    pids = [int(entry) for entry in os.listdir("/proc") if entry.isdigit()]
    return {pid for pid in pids if (stat := process_stat(pid)) is not None and stat[1] == me}


def wait_until(done: Callable[[], bool], seconds: float = 30.0) -> bool:
    """Whether ``done()`` came true within ``seconds`` (asked every 20 ms)."""
    import time

    end = time.monotonic() + seconds
    while not done():
        if time.monotonic() > end:
            return False
        time.sleep(0.02)
    return True


@pytest.fixture
def handed_to_remover(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The previous outputs this test's writes handed to a background remover
    (``powerreg.atomic``), in order; the remover still removes them."""
    from powerreg import atomic

    handed: list[Path] = []
    remove_later = atomic._remove_later

    def recorded(previous: Path, target: Path) -> bool:
        handed.append(previous)
        return remove_later(previous, target)

    monkeypatch.setattr(atomic, "_remove_later", recorded)
    return handed


@pytest.fixture
def temp_dir(tmp_path: Path) -> Iterator[Path]:
    """Python's temporary directory for the test: one of its own, empty."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    with mock.patch.object(tempfile, "tempdir", str(tmp)):
        yield tmp


@pytest.fixture
def own_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """``threading.active_count`` counting the threads of this test only: the threads
    an earlier test left running (a Dask client leaves its IO loop and offload threads
    for the life of the process) are not this test's, and a job that forks only from a
    single-threaded process would take them for its own otherwise."""
    before = [t for t in threading.enumerate() if t is not threading.main_thread()]
    count = threading.active_count
    monkeypatch.setattr(
        threading, "active_count", lambda: count() - sum(t.is_alive() for t in before)
    )


@pytest.fixture
def book(tmp_path: Path) -> Callable[[Callable[[Any], None]], Path]:
    """A structured workbook of examples/minimal (extra ``workbook``), edited by a
    function given the openpyxl workbook, saved."""
    import openpyxl

    from powerreg import load
    from powerreg.workbook import write_workbook

    def make(edit: Callable[[Any], None]) -> Path:
        path = write_workbook(load(EXAMPLE), tmp_path / "BOOK.xlsx")
        wb = openpyxl.load_workbook(path)
        edit(wb)
        wb.save(path)
        return path

    return make
