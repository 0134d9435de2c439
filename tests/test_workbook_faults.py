"""Faults found by fuzzing ``powerreg import``: nothing in a book is passed over in
silence. A structured book missing a sheet is refused, each sheet named (not read as a
flat 一览表); a value under no heading, an error cell, a yes/no value in a number column,
a formula never calculated and a header written twice in a 一览表 are each a problem at
their cell; the command exits 1 and writes nothing."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner, Result

import powerreg
from powerreg.cli import main
from powerreg.workbook import read_workbook

from .conftest import EXAMPLE
from .test_workbook_errors import Edit, cell
from .test_workbook_flat import REGISTER, flat_book


def refused(path: Path, lang: str = "en") -> list[str]:
    """The problems ``powerreg import`` reports for a book it refuses (exit status 1,
    nothing written), one a line, the count line left out."""
    out = path.parent / "out"
    res: Result = CliRunner().invoke(main, ["import", str(path), "-o", str(out), "--lang", lang])
    assert res.exit_code == 1, res.output
    assert not out.exists()
    *lines, count = res.stderr.splitlines()
    if lang == "en":
        assert count == f"{len(lines)} problem{'s' if len(lines) > 1 else ''} in 1 file"
    return lines


def sheets_of(wb: openpyxl.Workbook) -> str:
    return ", ".join(wb.sheetnames)


# ------------------------------------------------------------------ a sheet missing


@pytest.mark.parametrize(
    "sheet", ["权力事项", "清单信息", "防控措施", "风险点", "流转", "职权类别"]
)
def test_a_structured_book_missing_a_sheet_is_refused(
    book: Callable[[Edit], Path], sheet: str
) -> None:
    kept: list[str] = []

    def edit(wb: openpyxl.Workbook) -> None:
        wb.remove(wb[sheet])
        kept.extend(wb.sheetnames)

    path = book(edit)
    assert refused(path) == [
        f"{path}: E002 no sheet '{sheet}' in the workbook (its sheets: {', '.join(kept)}); "
        "add it as export-workbook writes it"
    ]


def test_a_renamed_sheet_is_missing_not_a_cascade_of_empty_charts(
    book: Callable[[Edit], Path],
) -> None:
    def edit(wb: openpyxl.Workbook) -> None:
        wb["流程环节"].title = "Steps"

    path = book(edit)
    (line,) = refused(path)
    assert line.startswith(f"{path}: E002 no sheet '流程环节' in the workbook (its sheets: ")
    (zh,) = refused(path, "zh")
    assert zh.startswith(f"{path}: E002 工作簿中没有工作表“流程环节”")


def test_every_missing_sheet_is_named(book: Callable[[Edit], Path]) -> None:
    def edit(wb: openpyxl.Workbook) -> None:
        for name in ("权力事项", "防控措施", "机构"):  # 机构 is optional
            wb.remove(wb[name])

    found = refused(book(edit))
    assert [line.split("'")[1] for line in found] == ["权力事项", "防控措施"]


def test_a_one_sheet_overview_and_flat_books_with_such_names_still_read_as_flat(
    tmp_path: Path,
) -> None:
    wb = openpyxl.load_workbook(REGISTER)
    wb.worksheets[0].title = "风险点"  # the 一览表, named as a sheet of a structured book
    wb.create_sheet("权力事项").append(["序号", "事项名称", "备注"])
    path = tmp_path / "register.xlsx"
    wb.save(path)
    flat, register = read_workbook(path), read_workbook(REGISTER)
    assert (flat.department, flat.year) == (register.department, register.year)
    assert flat.powers == register.powers
    out = tmp_path / "reg"
    res = CliRunner().invoke(main, ["import", str(path), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert (out / "powers" / "XK-001.yaml").exists()


# ------------------------------------------------------------------ cells


def test_a_value_in_a_column_without_a_heading(book: Callable[[Edit], Path]) -> None:
    def edit(wb: openpyxl.Workbook) -> None:
        steps = wb["流程环节"]
        steps.cell(2, steps.max_column + 2, "这一列没有表头")
        wb["清单信息"]["C3"] = "备注"

    path = book(edit)
    width = len(openpyxl.load_workbook(path)["流程环节"][1]) - 2  # the headed columns
    letter = openpyxl.utils.get_column_letter(width + 2)
    assert refused(path) == [
        f"{path}:流程环节!{letter}2: E002 the value '这一列没有表头' is in a column without a "
        "heading; give the column a heading or remove the value",
        f"{path}:清单信息!C3: E002 the value '备注' is in a column without a heading; give the "
        "column a heading or remove the value",
    ]


def _days(wb: openpyxl.Workbook) -> str:
    return cell(wb["流程环节"], "办理时限", 事项编号="CF-001", 环节编号="S2")


def test_an_error_cell_is_no_empty_cell(book: Callable[[Edit], Path]) -> None:
    at: list[str] = []

    def edit(wb: openpyxl.Workbook) -> None:
        at.append(_days(wb))
        wb["流程环节"][at[0]] = "#DIV/0!"  # openpyxl writes an error cell

    path = book(edit)
    assert refused(path) == [
        f"{path}:流程环节!{at[0]}: E002 the cell holds the error #DIV/0!, not a value; correct "
        "the formula or type the value"
    ]


def test_a_yes_no_value_is_no_number_of_days(book: Callable[[Edit], Path]) -> None:
    at: list[str] = []

    def edit(wb: openpyxl.Workbook) -> None:
        at.append(_days(wb))
        wb["流程环节"][at[0]] = True
        wb["清单信息"]["B5"] = False  # 年度: reported once, not also as missing

    path = book(edit)
    assert refused(path) == [
        f"{path}:流程环节!{at[0]}: E002 'days' must be a number of working days, not the yes/no "
        "value TRUE",
        f"{path}:清单信息!B5: E002 'year' must be a whole number, not the yes/no value FALSE",
    ]
    assert refused(path, "zh")[0] == (
        f"{path}:流程环节!{at[0]}: E002 办理时限 应为 工作日数，而不是 逻辑值 TRUE"
    )


def test_a_formula_never_calculated_is_said_so(book: Callable[[Edit], Path]) -> None:
    def edit(wb: openpyxl.Workbook) -> None:
        meta = wb["清单信息"]
        assert meta["A5"].value == "年度"
        meta["B5"] = "=2000+11"  # saved by openpyxl: no value computed

    path = book(edit)
    assert refused(path) == [
        f"{path}:清单信息!B5: E002 the cell holds a formula with no computed value (=2000+11); "
        "open and save the book in Excel or LibreOffice so it is calculated, or type the value"
    ]


def test_a_calculated_formula_is_read(book: Callable[[Edit], Path], tmp_path: Path) -> None:
    path = book(lambda wb: None)
    # a formula Excel calculated: the value it computed is kept with it
    xml_part = "xl/worksheets/sheet2.xml"  # 清单信息, after the 一览表
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    meta = parts[xml_part].decode()
    assert ">2011<" in meta
    parts[xml_part] = meta.replace("<v>2011</v>", "<f>2000+11</f><v>2011</v>", 1).encode()
    calculated = tmp_path / "calculated.xlsx"
    with zipfile.ZipFile(calculated, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    assert read_workbook(calculated) == powerreg.load(EXAMPLE)


# ------------------------------------------------------------------ a flat 一览表


def _flat_rows(*extra: Any) -> list[list[Any]]:
    return [
        ["某局2011年廉政风险点及防控措施一览表"],
        ["事项名称", "权力类别", "风险点", "风险等级", "风险类别", "防控措施", *extra[:1]],
        ["审批", "行政许可", "刁难", "高", "岗位职责", "1.公开；2.监督", *extra[1:]],
    ]


def test_a_flat_header_written_twice(tmp_path: Path) -> None:
    path = flat_book(tmp_path / "b.xlsx", _flat_rows("防控措施", "3.集体讨论"))
    assert refused(path) == [
        f"{path}:一览表!G2: E002 column '防控措施' appears twice (also column F); keep one"
    ]


def test_a_flat_header_merged_across_two_columns_is_one(tmp_path: Path) -> None:
    rows = _flat_rows(None, "3.集体讨论")
    path = flat_book(tmp_path / "b.xlsx", rows, merged=["F2:G2"])
    measures = read_workbook(path).powers["XK-001"].risk_points[0].countermeasures
    assert [m.description for m in measures] == ["公开", "监督", "集体讨论"]


def test_a_flat_book_s_error_cells_and_formulas_never_calculated(tmp_path: Path) -> None:
    """In a flat 一览表 too: an error is not the text of its code, and a formula never
    calculated is not an empty cell; each is said at its cell, and nothing else of it."""
    rows = _flat_rows()
    rows.append(["备案", "行政许可", '=CONCAT("拖","延")', "中", "岗位职责", "#N/A"])
    path = flat_book(tmp_path / "b.xlsx", rows)
    assert refused(path) == [
        f"{path}:一览表!C4: E002 the cell holds a formula with no computed value "
        '(=CONCAT("拖","延")); open and save the book in Excel or LibreOffice so it is '
        "calculated, or type the value",
        f"{path}:一览表!F4: E002 the cell holds the error #N/A, not a value; correct the "
        "formula or type the value",
    ]
