"""The notice of changes on the public site (issue 18.6)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from click.testing import CliRunner

import powerreg
from powerreg.cli import main
from powerreg.diff import diff
from powerreg.model import Registry
from powerreg.site import PublishPolicy, publish_site
from powerreg.synth.yamlfiles import write_registry

MINIMAL = Path(__file__).parents[1] / "examples" / "minimal"


def _edited(reg: Registry) -> Registry:
    data: dict[str, Any] = reg.model_dump(by_alias=True)
    xk = data["powers"]["XK-001"]
    xk["promised_limit"] = 15
    xk["flowcharts"][0]["steps"][3]["role"] = "技术评估中心<script>"
    high = next(r for r in xk["risk_points"] if r["level"] == "high")
    high["level"] = "medium"  # lowered without a reason: a D201 warning for the reviewers
    cf = data["powers"]["CF-001"]
    cf["disclosure"] = {"public": False, "reason": "涉及国家秘密"}
    cf["fee"] = "不收费（调整）"
    return Registry.model_validate(data)


def test_notice_shows_public_changes_only(tmp_path: Path) -> None:
    old = powerreg.load(MINIMAL)
    new = _edited(old)
    changes = diff(old, new)
    assert {"D201", "D105", "D118"} <= {c.code for c in changes.changes}
    out = tmp_path / "site"
    publish_site(
        new, out, policy=PublishPolicy(omit={"role"}), changes=changes, edition=date(2012, 1, 10)
    )
    page = (out / "changes.html").read_text("utf-8")
    assert "2012 年 1 月 10 日" in page
    assert "XK-001 承诺时限：20 个工作日 → 15 个工作日" in page
    assert "等级下调" in page  # the lowered level is a public change ...
    assert "未说明理由" not in page  # ... the reviewers' warning is not
    assert "技术评估中心" not in page  # a change to a field the policy leaves out
    assert "不收费（调整）" not in page  # a withheld power's content
    assert "本次调整：变更行政权力1项；风险等级下调1个。" in page
    assert 'href="changes.html"' in (out / "index.html").read_text("utf-8")


def test_site_without_previous_has_no_notice(tmp_path: Path) -> None:
    publish_site(powerreg.load(MINIMAL), tmp_path / "site")
    assert not (tmp_path / "site" / "changes.html").exists()
    assert "changes.html" not in (tmp_path / "site" / "index.html").read_text("utf-8")


def test_command_takes_the_previous_edition(tmp_path: Path) -> None:
    new_dir = tmp_path / "new"
    write_registry(_edited(powerreg.load(MINIMAL)), new_dir)
    out = tmp_path / "site"
    result = CliRunner().invoke(
        main,
        ["site", str(new_dir), "-o", str(out), "--previous", str(MINIMAL),
         "--edition-date", "2012-01-10"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    page = (out / "changes.html").read_text("utf-8")
    assert "&lt;script&gt;" in page  # registry text escaped
    assert "<script>" not in page.replace('<script src="', "")


def test_a_previous_edition_that_does_not_load_is_exit_2(tmp_path: Path) -> None:
    """As for diff: an edition that cannot be read is no difference, nor a site."""
    not_a_registry = tmp_path / "notes"
    not_a_registry.mkdir()
    out = tmp_path / "site"
    args = ["site", str(MINIMAL), "-o", str(out), "--previous", str(not_a_registry)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert "E007" in result.stderr
    assert "the previous edition does not load (2 problems)" in result.stderr
    assert not out.exists()
