"""Enum values as people type them (issue 16.6): Chinese step kinds; case and full-width
forms folded; the JSON Schema lists every accepted word."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import powerreg
from powerreg.errors import RegistryError
from powerreg.model import Countermeasure, Level, RiskPoint, Stage, Step, StepKind
from powerreg.schemas import json_schemas


@pytest.mark.parametrize(
    ("word", "kind"),
    [
        ("开始", StepKind.START),
        ("环节", StepKind.TASK),
        ("办理", StepKind.TASK),
        ("判断", StepKind.DECISION),
        ("结束", StepKind.END),
        ("Decision", StepKind.DECISION),
        ("ＥＮＤ", StepKind.END),
        (" task ", StepKind.TASK),
    ],
)
def test_step_kinds_in_chinese_and_any_case(word: str, kind: StepKind) -> None:
    assert Step.model_validate({"id": "S1", "kind": word, "label": "x"}).kind is kind


def test_other_enums_fold_case_and_width() -> None:
    r = RiskPoint.model_validate(
        {"id": "R1", "at": "F1/S1", "level": "HIGH", "type": "Process", "description": "d"}
    )
    assert r.level is Level.HIGH
    m = Countermeasure.model_validate(
        {"id": "M1", "kind": "监督", "stage": "事　前", "description": "d"}
    )
    assert m.stage is Stage.BEFORE


def test_unknown_words_are_still_refused() -> None:
    with pytest.raises(ValueError, match="kind"):
        Step.model_validate({"id": "S1", "kind": "步骤", "label": "x"})


def test_schema_lists_the_chinese_step_kinds() -> None:
    text = str(json_schemas())
    for word in ("开始", "环节", "判断", "结束"):
        assert word in text


def test_a_misspelt_value_gets_a_did_you_mean(tmp_path: Path) -> None:
    root = tmp_path / "reg"
    shutil.copytree(Path(__file__).parents[1] / "examples" / "minimal", root)
    path = root / "powers" / "XK-001.yaml"
    path.write_text(path.read_text("utf-8").replace("kind: decision", "kind: decison", 1))
    with pytest.raises(RegistryError) as info:
        powerreg.load(root)
    [p] = info.value.problems
    assert p.key == "E002.enum_close"
    assert p.params["close"] == "decision"
    assert "did you mean 'decision'?" in p.message("en")
    assert "是否应为 decision？" in p.message("zh")
