"""A307 answered per step: a decision may say why it carries no risk point (issue 16.7)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import powerreg
from powerreg.catalog import export_sqlite, read_catalog
from powerreg.model import Registry

MINIMAL = Path(__file__).parents[1] / "examples" / "minimal"


def _with_unguarded_decision(reason: str | None) -> Registry:
    reg = powerreg.load(MINIMAL)
    data: dict[str, Any] = reg.model_dump(by_alias=True)
    power = data["powers"]["XK-001"]
    # take the risk points off the intake decision S2, so it guards nothing
    power["risk_points"] = [r for r in power["risk_points"] if r["at"] != "F1/S2"]
    step = next(s for s in power["flowcharts"][0]["steps"] if s["id"] == "S2")
    step["no_risk_reason"] = reason
    return Registry.model_validate(data)


def _a307(reg: Registry) -> list[str]:
    found = [f.entity or "" for f in powerreg.audit(reg).findings if f.code == "A307"]
    return [e for e in found if e.startswith("XK-001/")]  # CF-001/F1/S4 is the example's own


def test_a307_fires_for_a_decision_without_risk_point() -> None:
    assert _a307(_with_unguarded_decision(None)) == ["XK-001/F1/S2"]


def test_a_reason_on_the_step_answers_it_for_that_step_only() -> None:
    reg = _with_unguarded_decision("受理条件公开，受理风险并入 R2 防控")
    assert _a307(reg) == []
    assert reg.powers["XK-001"].flowcharts[0].step("S2").no_risk_reason is not None


def test_the_reason_is_kept_in_the_catalog(tmp_path: Path) -> None:
    reg = _with_unguarded_decision("受理条件公开，受理风险并入 R2 防控")
    db = export_sqlite(reg, tmp_path / "c.db")
    back = read_catalog(db)
    assert back == reg
    assert back.powers["XK-001"].flowcharts[0].step("S2").no_risk_reason == (
        "受理条件公开，受理风险并入 R2 防控"
    )


def test_the_message_says_how_to_answer() -> None:
    findings = powerreg.audit(_with_unguarded_decision(None)).findings
    [finding] = [f for f in findings if f.code == "A307" and f.entity == "XK-001/F1/S2"]
    assert "no_risk_reason" in finding.message("en")
    assert "no_risk_reason" in finding.message("zh")
