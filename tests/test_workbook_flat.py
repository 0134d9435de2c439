"""Importing a department's flat 一览表 (issue 15.1, 15.6): merged cells, a title row,
headers found in any order, numbered measures split into countermeasures, Chinese enum
words and full-width slips tidied; charts from a 流程环节 sheet, else a placeholder step
and an audit finding that says so; the CLI's import and export-workbook."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

import powerreg
from powerreg.cli import main
from powerreg.errors import RegistryError
from powerreg.model import Registry
from powerreg.workbook import PLACEHOLDER_AT, read_workbook, write_workbook
from powerreg.workbook.columns import OVERVIEW

from .conftest import ROOT

EXAMPLES = ROOT / "examples" / "workbooks"
REGISTER = EXAMPLES / "risk-register.xlsx"
BROKEN = EXAMPLES / "risk-register-broken.xlsx"


def flat_book(
    path: Path,
    rows: Sequence[Sequence[Any]],
    merged: Sequence[str] = (),
    steps: Sequence[Sequence[Any]] | None = None,
) -> Path:
    """A one-sheet 一览表 of ``rows`` (title and header included) with ``merged`` ranges,
    and a sheet 流程环节 of ``steps`` if given."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "一览表"
    for row in rows:
        ws.append(list(row))
    for cells in merged:
        ws.merge_cells(cells)
    if steps is not None:
        sheet = wb.create_sheet("流程环节")
        for row in steps:
            sheet.append(list(row))
    wb.save(path)
    return path


def problems(path: Path, **options: Any) -> list[tuple[str, str | None, str]]:
    with pytest.raises(RegistryError) as err:
        read_workbook(path, **options)
    return [(p.code, f"{p.sheet}!{p.cell}", p.message("en")) for p in err.value.problems]  # type: ignore[misc]


# ------------------------------------------------------------------ the example


@pytest.fixture(scope="module")
def register() -> Registry:
    return read_workbook(REGISTER)


def test_the_example_register(register: Registry) -> None:
    assert (register.id, register.department, register.year) == (
        "risk-register",
        "示例市环境保护局",
        2011,
    )
    assert [(c.code, c.name) for c in register.categories] == [
        ("XK", "行政许可"),
        ("CF", "行政处罚"),
    ]
    assert {p.id: p.name for p in register.powers.values()} == {
        "XK-001": "建设项目环境影响报告表审批",
        "CF-001": "超标排放水污染物处罚",  # the stray spaces gone
        "CF-002": "拒绝现场检查或弄虚作假处罚",
    }
    s = register.stats()
    assert (s.powers, s.risk_points, s.countermeasures) == (3, 5, 13)
    cf = register.powers["CF-002"]
    assert (cf.subject, cf.division) == ("示例市环境保护局", "环境监察支队")


def test_levels_types_and_numbered_measures(register: Registry) -> None:
    xk = register.powers["XK-001"]
    assert [(r.level.value, r.type.value) for r in xk.risk_points] == [
        ("high", "duty"),  # 一级
        ("medium", "process"),  # 二级
        ("high", "process"),
    ]
    assert [m.description for m in xk.risk_points[1].countermeasures] == [
        "制定审查工作规程，量化审查标准",  # １．…；２．…: full-width numbers
        "实行审查与审批分离",
    ]
    assert [(m.kind.value, m.stage.value) for m in xk.risk_points[2].countermeasures] == [
        ("separation", "during"),  # 集体讨论决定
        ("education", "before"),  # 廉政教育
        ("supervision", "after"),  # 抽查回访
    ]
    assert {m.responsible for m in xk.risk_points[0].countermeasures} == {"受理岗"}
    cf2 = register.powers["CF-002"].risk_points[0]
    assert cf2.level.value == "medium"  # " 中 "
    assert [m.description for m in cf2.countermeasures] == [
        "执行行政处罚自由裁量基准",  # ①…②…③…
        "重大处罚集体讨论决定",
        "处罚结果公开",
    ]


def test_a_risk_point_merged_over_one_measure_a_row(register: Registry) -> None:
    (risk,) = register.powers["CF-001"].risk_points
    assert [(m.description, m.stage.value, m.responsible) for m in risk.countermeasures] == [
        ("两名以上执法人员现场调查，全程录音录像", "during", "执法人员"),
        ("开展案卷评查", "after", "法制科"),  # 【事后】 says so, and is left out
    ]


def test_charts_from_the_steps_sheet_else_a_placeholder(register: Registry) -> None:
    (chart,) = register.powers["XK-001"].flowcharts
    assert [(s.kind.value, s.label, s.role, s.days) for s in chart.steps] == [
        ("start", "申请", None, None),
        ("task", "受理", "受理岗", 5),
        ("task", "审查", "审查岗", 10),
        ("task", "决定", "科长", 3),
        ("end", "送达", "受理岗", 2),
    ]
    assert [(t.source, t.target) for t in chart.transitions] == [
        ("S1", "S2"),
        ("S2", "S3"),
        ("S3", "S4"),
        ("S4", "S5"),
    ]
    assert [r.at for r in register.powers["XK-001"].risk_points] == ["F1/S2", "F1/S3", "F1/S4"]
    cf = register.powers["CF-001"]
    assert [fc.id for fc in cf.flowcharts] == ["F0"]
    assert cf.risk_points[0].at == PLACEHOLDER_AT
    # the step it named is kept where the person drawing the chart will see it
    assert cf.risk_points[0].description.endswith("（所在环节：调查取证）")


def test_the_audit_says_which_charts_are_placeholders(register: Registry, tmp_path: Path) -> None:
    out = tmp_path / "reg"
    runner = CliRunner()
    res = runner.invoke(main, ["import", str(REGISTER), "-o", str(out), "--lang", "en"])
    assert res.exit_code == 0, res.output
    report = powerreg.audit(powerreg.load(out), lang="en")
    found = [(f.code, f.severity, f.entity, f.file) for f in report.findings if f.code == "A107"]
    assert found == [
        ("A107", "warning", "CF-001/F0/S2", "powers/CF-001.yaml"),
        ("A107", "warning", "CF-002/F0/S2", "powers/CF-002.yaml"),
    ]
    a107 = next(f for f in report.findings if f.code == "A107")
    assert "draw the chart and put each risk point at its step" in a107.message("en")


def test_the_broken_copy(tmp_path: Path) -> None:
    assert problems(BROKEN) == [
        (
            "E002",
            "一览表!G4",
            "unknown level '较高'; use one of 高, 中, 低 (一级, 二级, 三级)",
        ),
        (
            "E004",
            "一览表!E5",
            "step '复核' is not a step of power '建设项目环境影响报告表审批' on sheet 流程环节 "
            "(steps: 申请、受理、审查、决定、送达); write one of them, or add the step there",
        ),
        (
            "E002",
            "一览表!H5",
            "unknown type '业务'; did you mean '业务流程'? "
            "(one of 思想道德, 岗位职责, 业务流程, 制度机制, 外部环境)",
        ),
        ("E002", "一览表!H8", "missing required field 'type'; add it"),
    ]


def test_the_examples_are_what_the_script_writes(tmp_path: Path) -> None:
    script = ROOT / "scripts" / "make_example_workbook.py"
    subprocess.run([sys.executable, str(script), "--out", str(tmp_path)], check=True)
    for name in ("risk-register.xlsx", "risk-register-broken.xlsx"):
        made, kept = (
            openpyxl.load_workbook(tmp_path / name),
            openpyxl.load_workbook(EXAMPLES / name),
        )
        assert made.sheetnames == kept.sheetnames
        for ws in made.worksheets:
            other = kept[ws.title]
            assert list(ws.values) == list(other.values)
            assert {str(r) for r in ws.merged_cells.ranges} == {
                str(r) for r in other.merged_cells.ranges
            }


# ------------------------------------------------------------------ layouts


def test_a_two_row_header_with_stage_columns_and_power_columns(tmp_path: Path) -> None:
    path = flat_book(
        tmp_path / "b.xlsx",
        [
            ["某县环境保护局2012年权力运行廉政风险防控一览表"],
            ["事项编号", " 事项 名称 ", "职权类别", "设定依据", "承诺时限", "风险点", "等级",
             "风险类型", "防控措施", None, None],
            [None, None, None, None, None, None, None, None, "前期预防", "中期监控", "后期处置"],
            ["QT-7", "环境污染纠纷调解", "其他行政权力", "《环境保护法》；《信访条例》",
             "１５", "偏袒一方", "低", "思想道德", "回避", "全程记录", "回访"],
        ],
        merged=["A1:K1", "I2:K2", "A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:E3", "F2:F3",
                "G2:G3", "H2:H3"],
    )  # fmt: skip
    reg = read_workbook(path)
    assert (reg.department, reg.year, reg.id) == ("某县环境保护局", 2012, "b")
    p = reg.powers["QT-7"]
    assert (p.category, p.legal_basis) == ("QT", ["《环境保护法》", "《信访条例》"])
    assert p.promised_limit is not None
    assert p.promised_limit.text("zh") == "15 个工作日"
    assert [(m.description, m.stage.value) for m in p.risk_points[0].countermeasures] == [
        ("回避", "before"),
        ("全程记录", "during"),
        ("回访", "after"),
    ]


def test_no_title_asks_for_the_department_and_year(tmp_path: Path) -> None:
    rows = [["事项名称", "权力类别", "风险点", "风险等级", "风险类别", "防控措施"],
            ["审批", "行政许可", "刁难", "高", "岗位职责", "1.公开；2.监督"]]  # fmt: skip
    path = flat_book(tmp_path / "b.xlsx", rows)
    found = problems(path)
    assert [(c, at) for c, at, _ in found] == [("E002", "一览表!A1"), ("E002", "一览表!A1")]
    assert found[0][2].startswith("the workbook does not say its department")
    assert "--department" in found[0][2]
    assert "--year" in found[1][2]
    reg = read_workbook(path, department="某局", year=2011, registry_id="mou-ju")
    assert (reg.id, reg.department, reg.powers["XK-001"].division) == ("mou-ju", "某局", "某局")
    assert [m.kind.value for m in reg.powers["XK-001"].risk_points[0].countermeasures] == [
        "disclosure",
        "supervision",
    ]


def test_required_columns_and_bad_cells(tmp_path: Path) -> None:
    rows = [["某局2011年一览表"],
            ["事项编号", "事项名称", "权力类别", "风险点", "风险等级", "防控措施"],
            ["XK 1", "审批", "行政许可", "刁难", "较高", "公开"],
            [None, None, None, "拖延", "高风险", "监督"]]  # fmt: skip
    found = problems(flat_book(tmp_path / "b.xlsx", rows))
    assert [(c, at) for c, at, _ in found] == [
        ("E002", "一览表!G2"),  # no 风险类别 column: where to add it
        ("E002", "一览表!A3"),  # a power id with a space
        ("E002", "一览表!E3"),  # 较高; 高风险 below is 高
    ]
    assert found[0][2] == "missing required field '风险类别'; add it"
    assert found[1][2].startswith("bad id 'XK 1' in 'id'")


def test_unknown_category_names_get_codes_and_steps_name_their_power(tmp_path: Path) -> None:
    rows = [["某局2011年一览表"],
            ["事项名称", "权力类别", "风险点", "风险等级", "风险类别", "防控措施", "所在环节"],
            ["备案", "行政备案", "漏报", "中", "业务流程", "1.公开", "登记"],
            ["确认", "行政确认", "虚报", "低", "业务流程", "1.公开", None]]  # fmt: skip
    steps = [["事项名称", "环节名称", "岗位"], ["备案", "登记", "窗口"], [None, "办结", "窗口"],
             ["不存在的事项", "受理", "窗口"]]  # fmt: skip
    found = problems(flat_book(tmp_path / "b.xlsx", rows, steps=steps))
    assert found == [
        (
            "E004",
            "流程环节!A4",
            "事项名称 '不存在的事项' is not on sheet 一览表; add it there or correct it here",
        )
    ]
    path = flat_book(tmp_path / "c.xlsx", rows, steps=steps[:3])
    reg = read_workbook(path)
    assert [(c.code, c.name) for c in reg.categories] == [("C1", "行政备案"), ("QR", "行政确认")]
    assert reg.powers["C1-001"].risk_points[0].at == "F1/S1"
    assert reg.powers["QR-001"].risk_points[0].at == PLACEHOLDER_AT


def test_a_book_that_is_no_register(tmp_path: Path) -> None:
    path = flat_book(tmp_path / "b.xlsx", [["姓名", "电话"], ["张三", "123"]])
    assert problems(path) == [
        (
            "E002",
            "None!None",  # the whole book
            "no sheet is a 一览表 nor is the book one export-workbook writes (sheets: 一览表): a "
            "一览表 has a header row with 事项名称 and 风险点 among its first rows; a structured "
            "book has the sheets 清单信息 and 权力事项",
        )
    ]


def test_the_exported_overview_reads_back_as_a_register(tmp_path: Path) -> None:
    ref = powerreg.load_reference()
    path = write_workbook(ref, tmp_path / "ref.xlsx")
    wb = openpyxl.load_workbook(path)
    for name in wb.sheetnames:
        if name != OVERVIEW:
            wb.remove(wb[name])
    wb.save(path)
    back = read_workbook(path)
    assert (back.department, back.year) == (ref.department, ref.year)
    # in the order the register lists them
    assert sorted(c.name for c in back.categories) == sorted(c.name for c in ref.categories)
    assert sorted(back.powers) == sorted(ref.powers)
    for pid, p in ref.powers.items():
        q = back.powers[pid]
        assert q.name == p.name
        assert [r.level for r in q.risk_points] == [r.level for r in p.risk_points]
        assert [len(r.countermeasures) for r in q.risk_points] == [
            len(r.countermeasures) for r in p.risk_points
        ]


# ------------------------------------------------------------------ the command line


def test_cli_import_and_export(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "reg"
    res = runner.invoke(main, ["import", str(REGISTER), "-o", str(out), "--lang", "zh"])
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith(f"已写入 {out}：梳理出2类、3项行政权力")
    assert "2 项事项在工作簿中没有流程图" in res.stderr
    assert sorted(p.name for p in (out / "powers").iterdir()) == [
        "CF-001.yaml",
        "CF-002.yaml",
        "XK-001.yaml",
    ]
    assert powerreg.load(out) == read_workbook(REGISTER)
    book = tmp_path / "ref.xlsx"
    res = runner.invoke(main, ["export-workbook", "-o", str(book), "--lang", "en"])
    assert res.exit_code == 0, res.output
    assert res.stdout == (
        f"wrote {book}: 84 powers, 118 flowcharts, 247 risk points, 779 countermeasures\n"
    )
    again = tmp_path / "again"
    assert runner.invoke(main, ["import", str(book), "-o", str(again)]).exit_code == 0
    assert powerreg.load(again) == powerreg.load_reference()


def test_cli_import_errors_write_nothing(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "reg"
    assert runner.invoke(main, ["import", str(REGISTER), "-o", str(out)]).exit_code == 0
    before = {p: p.read_bytes() for p in out.rglob("*.yaml")}
    res = runner.invoke(main, ["import", str(BROKEN), "-o", str(out), "--lang", "en"])
    assert res.exit_code == 1
    lines = res.stderr.splitlines()
    assert lines[0] == (
        f"{BROKEN}:一览表!G4: E002 unknown level '较高'; use one of 高, 中, 低 (一级, 二级, 三级)"
    )
    assert lines[-1] == "4 problems in 1 file"
    assert {p: p.read_bytes() for p in out.rglob("*.yaml")} == before
    notes = tmp_path / "notes.xlsx"
    notes.write_text("事项名称,风险点\n", encoding="utf-8")
    res = runner.invoke(main, ["import", str(notes), "-o", str(tmp_path / "x"), "--lang", "en"])
    assert res.exit_code == 2
    assert "is not an Excel workbook (.xlsx) but text (CSV?)" in res.stderr
    assert not (tmp_path / "x").exists()
    res = runner.invoke(main, ["export-workbook", "-o", str(notes)])
    assert res.exit_code == 2
    assert "refusing to replace it" in res.stderr
