"""Errors where the person will look (issue 15.2): every problem of a workbook at once, at
its sheet and cell, with the E codes of YAML; a file that is no workbook, is encrypted or
is too large is a clear usage error."""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msoffcrypto
import openpyxl
import pytest
from msoffcrypto.format.ooxml import OOXMLFile
from openpyxl.utils import get_column_letter

import powerreg
from powerreg.errors import RegistryError, UsageError
from powerreg.formats import json_items, sarif_log
from powerreg.workbook import (
    EncryptedWorkbook,
    NotAWorkbook,
    WorkbookTooLarge,
    read_workbook,
    write_workbook,
)
from powerreg.workbook.columns import SHEET

from .conftest import EXAMPLE

Edit = Callable[[openpyxl.Workbook], None]


def column(ws: Any, header: str) -> str:
    """The letter of the column with ``header`` in row 1."""
    for cell in ws[1]:
        if cell.value == header:
            return get_column_letter(cell.column)
    raise KeyError(header)


def row_of(ws: Any, **match: str) -> int:
    """The first row whose cells under the given headers hold the given values."""
    cols = {column(ws, h): v for h, v in match.items()}
    for r in range(2, ws.max_row + 1):
        if all(ws[f"{c}{r}"].value == v for c, v in cols.items()):
            return r
    raise KeyError(match)


def cell(ws: Any, header: str, **match: str) -> str:
    return f"{column(ws, header)}{row_of(ws, **match)}"


def problems(path: Path, lang: str = "en") -> list[tuple[str, str | None, str | None, str]]:
    with pytest.raises(RegistryError) as err:
        read_workbook(path)
    return [(p.code, p.sheet, p.cell, p.message(lang)) for p in err.value.problems]  # type: ignore[arg-type]


def set_cell(sheet: str, header: str, value: Any, **match: str) -> Edit:
    def edit(wb: openpyxl.Workbook) -> None:
        ws = wb[sheet]
        ws[cell(ws, header, **match)] = value

    return edit


def test_the_issue_s_example(book: Callable[[Edit], Path]) -> None:
    path = book(set_cell("风险点", "风险等级", "较高", 事项编号="CF-001", 风险点编号="R1"))
    with pytest.raises(RegistryError) as err:
        read_workbook(path)
    (p,) = err.value.problems
    where = f"{path}:风险点!D2"
    assert p.as_line("en") == (
        f"{where}: E002 unknown level '较高'; use one of 高, 中, 低 (一级, 二级, 三级)"
    )
    assert p.as_line("zh") == (
        f"{where}: E002 风险等级 的取值 较高 不在可选范围：请使用 高, 中, 低 (一级, 二级, 三级)"
    )
    assert (p.entity, p.line, p.column) == ("CF-001/R1", 2, 4)


def test_an_enum_word_far_from_any(book: Callable[[Edit], Path]) -> None:
    path = book(set_cell("风险点", "风险等级", "紧急", 事项编号="CF-001", 风险点编号="R1"))
    ((code, sheet, cell_, message),) = problems(path)
    assert (code, sheet, cell_) == ("E002", "风险点", "D2")
    assert message == "unknown level '紧急'; use one of 高, 中, 低 (一级, 二级, 三级)"


def _cells(path: Path, edits: list[tuple[str, str, Any, dict[str, str]]]) -> list[str]:
    wb = openpyxl.load_workbook(path)
    return [f"{s}!{cell(wb[s], h, **m)}" for s, h, _, m in edits]


#: (sheet, header, value written, the row it is written to) → (code, template)
CASES: list[tuple[tuple[str, str, Any, dict[str, str]], tuple[str, str]]] = [
    (
        ("风险点", "风险等级", "较高", {"风险点编号": "R1", "事项编号": "XK-001"}),
        ("E002", "enum"),
    ),
    (
        ("风险点", "风险类别", "业务", {"风险点编号": "R2", "事项编号": "XK-001"}),
        ("E002", "enum_close"),
    ),
    (("防控措施", "措施类别", "宣传", {"措施编号": "M1", "事项编号": "CF-001"}), ("E002", "enum")),
    (("防控措施", "防控阶段", "事先", {"措施编号": "M2", "事项编号": "CF-001"}), ("E002", "enum")),
    (("流程环节", "环节类型", "审批", {"环节编号": "S2", "事项编号": "CF-001"}), ("E002", "enum")),
    (("流程环节", "环节名称", None, {"环节编号": "S3", "事项编号": "CF-001"}), ("E002", "missing")),
    (
        ("流程环节", "办理时限", "五天", {"环节编号": "S2", "事项编号": "XK-001"}),
        ("E002", "not_int"),
    ),
    (
        ("流程环节", "办理时限", -3, {"环节编号": "S3", "事项编号": "XK-001"}),
        ("E002", "too_small"),
    ),
    (
        ("流程环节", "暂停计时", "也许", {"环节编号": "S4", "事项编号": "XK-001"}),
        ("E002", "not_bool"),
    ),
    (("权力事项", "承诺时限", "三个月", {"事项编号": "XK-001"}), ("E002", "limit_text")),
    (("权力事项", "事项名称", None, {"事项编号": "CF-001"}), ("E002", "missing")),
    (
        ("风险点", "发生可能性", 5, {"风险点编号": "R1", "事项编号": "CF-001"}),
        ("E002", "too_large"),
    ),
    (("流转", "终点环节", "S99", {"起点环节": "S1", "事项编号": "XK-001"}), ("E004", "")),
    (
        ("风险点", "所在环节", "F1/S99", {"风险点编号": "R2", "事项编号": "CF-001"}),
        ("E004", "at_step"),
    ),
    (("防控措施", "措施编号", "M 1", {"措施编号": "M1", "事项编号": "XK-001"}), ("E002", "bad_id")),
]


def test_every_problem_at_once_each_at_its_cell(book: Callable[[Edit], Path]) -> None:
    edits = [e for e, _ in CASES]
    # the cells are found before any is changed: a change may move what a match finds
    probe = book(lambda wb: None)
    where = _cells(probe, edits)

    def edit(wb: openpyxl.Workbook) -> None:
        for (sheet, _, value, _), at in zip(edits, where, strict=True):
            wb[sheet][at.split("!")[1]] = value

    path = book(edit)
    with pytest.raises(RegistryError) as err:
        read_workbook(path)
    found = {(f"{p.sheet}!{p.cell}", p.code, p.template or "") for p in err.value.problems}
    expected = {
        (at, code, template) for at, (_, (code, template)) in zip(where, CASES, strict=True)
    }
    assert found == expected
    for p in err.value.problems:
        assert p.where == f"{path}:{p.sheet}!{p.cell}"
        assert p.message("zh") != p.message("en")


def test_a_missing_value_names_the_header_in_chinese(book: Callable[[Edit], Path]) -> None:
    path = book(set_cell("流程环节", "环节名称", None, 环节编号="S3", 事项编号="CF-001"))
    ((code, sheet, _, en),) = problems(path)
    ((_, _, _, zh),) = problems(path, "zh")
    assert (code, sheet, en, zh) == (
        "E002",
        "流程环节",
        "missing required field 'label'; add it",
        "缺少必填字段 环节名称：请补上",
    )


def test_headers_unknown_repeated_or_missing(book: Callable[[Edit], Path]) -> None:
    def edit(wb: openpyxl.Workbook) -> None:
        risks = wb["风险点"]
        risks[f"{column(risks, '风险等级')}1"] = "风险等极"  # a typo: the column is missing too
        steps = wb["流程环节"]
        steps[f"{column(steps, '承办岗位')}1"] = "环节名称"
        wb["防控措施"].cell(1, 9, "备注")

    found = problems(book(edit))
    assert ("E002", "风险点", "D1", "unknown field '风险等极'; did you mean '风险等级'?") in found
    free = get_column_letter(len(SHEET["风险点"].all_columns) + 1)  # where to add it
    assert ("E002", "风险点", f"{free}1", "missing required field 'level'; add it") in found
    assert any(p[:3] == ("E002", "流程环节", "F1") and "appears twice" in p[3] for p in found)
    assert any(p[:3] == ("E002", "防控措施", "I1") and "known fields" in p[3] for p in found)


def test_rows_that_name_nothing(book: Callable[[Edit], Path]) -> None:
    def edit(wb: openpyxl.Workbook) -> None:
        steps = wb["流程环节"]
        steps[cell(steps, "流程图编号", 环节编号="S2", 事项编号="CF-001")] = "F9"
        measures = wb["防控措施"]
        measures[cell(measures, "事项编号", 措施编号="M1", 风险点编号="R1")] = "XK-404"
        powers = wb["权力事项"]
        powers[cell(powers, "职权类别", 事项编号="CF-001")] = "ZZ"
        powers.append([c.value for c in powers[2]])  # XK-001 again

    found = problems(book(edit))
    codes = {(c, s, m.split(";")[0]) for c, s, _, m in found}
    assert ("E004", "流程环节", "流程图编号 'F9' is not on sheet 流程图") in codes
    assert ("E004", "防控措施", "事项编号 'XK-404' is not on sheet 权力事项") in codes
    assert any(c == "E004" and s == "权力事项" and "category 'ZZ'" in m for c, s, _, m in found)
    assert any(c == "E003" and s == "权力事项" and "also on row 2" in m for c, s, _, m in found)


def test_a_duplicate_id_names_the_first_cell(book: Callable[[Edit], Path]) -> None:
    path = book(set_cell("流程环节", "环节编号", "S2", 事项编号="XK-001", 环节编号="S3"))
    wb = openpyxl.load_workbook(path)
    steps = wb["流程环节"]
    first = cell(steps, "环节编号", 事项编号="XK-001", 环节编号="S2")
    second = f"{column(steps, '环节编号')}{row_of(steps, 事项编号='XK-001', 环节编号='S2') + 1}"
    found = problems(path)
    assert (
        "E003",
        "流程环节",
        second,
        f"duplicate step of flowchart F1 id 'S2' (the first is at 流程环节!{first}); ids must be unique",
    ) in found


def test_registry_sheets(book: Callable[[Edit], Path]) -> None:
    def edit(wb: openpyxl.Workbook) -> None:
        meta = wb["清单信息"]
        year = next(r for r in range(1, meta.max_row + 1) if meta.cell(r, 1).value == "年度")
        meta.cell(year, 2, "二〇一一年")
        meta.append(["联系人", "张三"])

    found = problems(book(edit))
    year = ("E002", "清单信息", "B5", "'year' must be a whole number, not the text '二〇一一年'")
    assert year in found
    assert any(p[:3] == ("E002", "清单信息", "A11") and "'联系人'" in p[3] for p in found)
    assert len(found) == 2


def test_a_category_twice(book: Callable[[Edit], Path]) -> None:
    found = problems(book(lambda wb: wb["职权类别"].append(["XK", "行政许可（重复）"])))
    assert found == [("E003", "职权类别", "A4", "duplicate category code 'XK'")]


def test_a_required_sheet_missing(book: Callable[[Edit], Path]) -> None:
    path = book(lambda wb: wb.remove(wb["职权类别"]))
    with pytest.raises(RegistryError) as err:
        read_workbook(path)
    (p,) = err.value.problems  # the sheet, not each category its powers name
    assert p.as_line("en").startswith(f"{path}: E002 no sheet '职权类别' in the workbook")


def test_org_chart_names_are_checked_at_their_cells(tmp_path: Path) -> None:
    path = write_workbook(powerreg.load_reference(), tmp_path / "ref.xlsx")
    wb = openpyxl.load_workbook(path)
    steps = wb["流程环节"]
    at = cell(steps, "承办岗位", 事项编号="XK-001", 流程图编号="F1", 环节编号="S2")
    steps[at] = "政策法规处处座"
    wb.save(path)
    ((code, sheet, where, message),) = problems(path)
    assert (code, sheet, where) == ("E004", "流程环节", at)
    assert "政策法规处处座" in message


def test_problems_as_json_and_sarif(book: Callable[[Edit], Path]) -> None:
    path = book(set_cell("风险点", "风险等级", "较高", 事项编号="CF-001", 风险点编号="R1"))
    with pytest.raises(RegistryError) as err:
        read_workbook(path)
    (item,) = json_items(err.value.problems, "en")
    assert (item["sheet"], item["cell"], item["line"], item["column"]) == ("风险点", "D2", 2, 4)
    result = sarif_log(err.value.problems, "en")["runs"][0]["results"][0]
    location = result["locations"][0]["physicalLocation"]
    assert location["properties"] == {"sheet": "风险点", "cell": "D2"}
    assert location["region"] == {"startLine": 2, "startColumn": 4}


# ------------------------------------------------------------------ not a workbook


def _xlsx_bytes() -> bytes:
    out = io.BytesIO()
    wb = openpyxl.Workbook()
    wb.active.append(["事项名称", "风险点"])  # type: ignore[union-attr]
    wb.save(out)
    return out.getvalue()


def _zip(names: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in names.items():
            z.writestr(name, data)
    return out.getvalue()


NOT_WORKBOOKS: list[tuple[str, bytes, str]] = [
    ("empty", b"", "but an empty file"),
    ("csv", "事项名称,风险点\n审批,甲\n".encode("gb18030"), "but text (CSV?)"),
    ("html", b"<!DOCTYPE html><html></html>", "but a web page (HTML)"),
    ("pdf", b"%PDF-1.4\n", "but a PDF document"),
    ("ods", _zip({"content.xml": b"<x/>", "mimetype": b"x"}), "OpenDocument spreadsheet"),
    ("docx", _zip({"word/document.xml": b"<x/>"}), "but a Word document"),
    ("damaged", _xlsx_bytes()[:400], "the workbook is damaged"),
    ("xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "Excel 97–2003 (.xls)"),
]


@pytest.mark.parametrize(("name", "data", "says"), NOT_WORKBOOKS, ids=[c[0] for c in NOT_WORKBOOKS])
def test_not_a_workbook(tmp_path: Path, name: str, data: bytes, says: str) -> None:
    path = tmp_path / "BOOK.xlsx"
    path.write_bytes(data)
    with pytest.raises(NotAWorkbook) as err:
        read_workbook(path)
    assert says in err.value.reason.in_lang("en")
    assert "save it as .xlsx" in err.value.reason.in_lang("en")
    assert "另存为 .xlsx" in err.value.reason.in_lang("zh")  # said in Chinese too
    assert isinstance(err.value, UsageError)


def test_an_encrypted_workbook(tmp_path: Path) -> None:
    plain = tmp_path / "plain.xlsx"
    write_workbook(powerreg.load(EXAMPLE), plain)
    locked = tmp_path / "locked.xlsx"
    with plain.open("rb") as src, locked.open("wb") as dst:
        OOXMLFile(src).encrypt("secret", dst)
    assert msoffcrypto.olefile.isOleFile(str(locked))
    with pytest.raises(EncryptedWorkbook, match="encrypted with a password"):
        read_workbook(locked)


def test_too_large(tmp_path: Path) -> None:
    path = write_workbook(powerreg.load(EXAMPLE), tmp_path / "b.xlsx")
    size = path.stat().st_size
    with pytest.raises(WorkbookTooLarge, match=f"is {size:,} bytes, over the limit of 1,000"):
        read_workbook(path, max_bytes=1000)
    assert read_workbook(path, max_bytes=size) == powerreg.load(EXAMPLE)


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path: Path) -> None:
    bomb = _zip({"xl/workbook.xml": b"<x/>", "xl/worksheets/sheet1.xml": b"\0" * 5_000_000})
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(bomb)
    assert len(bomb) < 20_000
    with pytest.raises(WorkbookTooLarge, match="unpacks to 5,000,004 bytes"):
        read_workbook(path, max_bytes=200_000)


def test_a_directory_or_a_pipe(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not a regular file"):
        read_workbook(tmp_path)
    fifo = tmp_path / "pipe.xlsx"
    os.mkfifo(fifo)
    with pytest.raises(UsageError, match="named pipe"):
        read_workbook(fifo)
