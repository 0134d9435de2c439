"""Workbooks out and back in (issue 15.3, 15.4): the structured book a reviewer opens, and
registry → workbook → registry giving an equal registry; a second reader (openpyxl,
through pandas) finds the same counts."""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

import powerreg
from powerreg.errors import UsageError
from powerreg.model import (
    Disclosure,
    Flowchart,
    Limit,
    Power,
    Registry,
    RiskPoint,
    Unit,
    field_label,
)
from powerreg.synth import generate
from powerreg.workbook import read_workbook, write_workbook
from powerreg.workbook.columns import (
    FLAT_COLUMNS,
    OVERVIEW,
    README,
    SHEET,
    SHEETS,
    Sheet,
    label,
)

from .conftest import EXAMPLE

#: Text a registry may hold that a spreadsheet would take for something else: a formula,
#: Excel's own escape, a control character, Chinese and full-width punctuation, a quote.
AWKWARD = [
    '=HYPERLINK("http://evil","点击")',
    "+1-2",
    "@SUM(A1)",
    "_x0041_ 不是 A",
    "含控制字符\x01与\x1f",
    "'引号开头",
    "１２３全角，标点；",
    "tab\there",
    "回车\r换行",
]


def round_trip(reg: Registry, tmp_path: Path, name: str = "book.xlsx") -> Registry:
    return read_workbook(write_workbook(reg, tmp_path / name))


# ------------------------------------------------------------------ round trip


def test_reference_round_trip(tmp_path: Path) -> None:
    ref = powerreg.load_reference()
    assert ref.units  # the org chart goes out and comes back too
    assert ref.posts
    back = round_trip(ref, tmp_path)
    assert back == ref
    assert back.model_dump() == ref.model_dump()


def test_example_round_trip(tmp_path: Path) -> None:
    reg = powerreg.load(EXAMPLE)
    assert round_trip(reg, tmp_path).model_dump() == reg.model_dump()


def _every_field(reg: Registry, text: str, seed: int) -> Registry:
    """``reg`` with every optional field set somewhere, and awkward text in prose."""
    data = reg.model_dump(by_alias=True)
    data["risk_matrix"] = [["低", "低", "中"], ["低", "中", "高"], ["中", "高", "高"]]
    data["license"] = "CC0-1.0"
    for i, p in enumerate(data["powers"].values()):
        p["description"] = f"{text}（{i}）"
        p["fee"] = None if i % 2 else "不收费"
        p["statutory_limit"] = Limit.parse("3 个月") if (i + seed) % 2 else 60
        p["disclosure"] = (
            {"public": False, "reason": f"涉及国家秘密 {text}"} if i % 3 == 0 else None
        )
        p["reason"] = f"调整 {text}" if (i + seed) % 3 == 1 else None
        for fc in p["flowcharts"]:
            fc["steps"][-1]["pauses_clock"] = bool(i % 2)
            fc["steps"][0]["no_risk_reason"] = f"见 R1 {text}" if i % 2 else None
            for t in fc["transitions"]:
                t["when"] = t["when"] or (text if i % 2 else None)
        for r in p["risk_points"]:
            r["likelihood"], r["impact"] = 1 + (i % 3), 1 + ((i + seed) % 3)
            r["reason"] = text if (i + seed) % 2 else None
            for m in r["countermeasures"]:
                m["responsible"] = text if (i + seed) % 2 else None
    return Registry.model_validate(data)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    n=st.integers(min_value=0, max_value=6),
    seed=st.integers(min_value=0, max_value=10_000),
    text=st.sampled_from(AWKWARD),
)
def test_generated_round_trip(tmp_path: Path, n: int, seed: int, text: str) -> None:
    reg = _every_field(generate(n, seed=seed), text, seed)
    back = round_trip(reg, tmp_path, f"book-{n}-{seed}.xlsx")
    assert back.model_dump() == reg.model_dump()
    assert back == reg


def _fields(model: type[BaseModel], prefix: str = "") -> set[str]:
    """Every field of a model, a nested model's fields dotted (``disclosure.public``)."""
    out = set()
    for name, info in model.model_fields.items():
        ann = info.annotation
        args = [] if typing.get_origin(ann) in (list, dict) else typing.get_args(ann)
        nested = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
        if nested and nested[0] not in (Limit, Unit):
            out |= _fields(nested[0], f"{prefix}{name}.")
        else:
            out.add(prefix + name)
    return out


@pytest.mark.parametrize("sheet", SHEETS, ids=lambda s: s.name)
def test_every_field_of_the_models_has_a_column(sheet: Sheet) -> None:
    """A field added to the models fails here until the workbook carries it."""
    fields = _fields(sheet.model) - set(sheet.nested)
    columns = {c.attr or c.field for c in sheet.columns}
    assert fields == columns


@pytest.mark.parametrize("sheet", SHEETS, ids=lambda s: s.name)
def test_a_column_is_headed_by_its_fields_one_name(sheet: Sheet) -> None:
    """A field has one Chinese name, its label in the models: the workbook, the catalog,
    the DataFrames and the site all call it so."""
    for c in sheet.columns:
        assert c.header == label(sheet.model, c.attr or c.field), c.field
    key_models = {"power": Power, "flowchart": Flowchart, "risk_point": RiskPoint}
    for k in sheet.keys:
        assert k.header == field_label(key_models[k.field], "id")


def test_a_book_with_the_former_headers_still_reads(tmp_path: Path) -> None:
    """Books written before a header became its field's label (部门, 实施阶段, 措施内容 …)
    read as before: every former header is found as its column."""
    ref = powerreg.load_reference()
    path = write_workbook(ref, tmp_path / "ref.xlsx")
    wb = openpyxl.load_workbook(path)
    renamed = 0
    for sheet in SHEETS:
        ws = wb[sheet.name]
        for c in sheet.all_columns:
            if not c.others:
                continue
            cells = ws["A"] if sheet.vertical else ws[1]
            for cell in cells:
                if cell.value == c.header:
                    cell.value = c.others[0]
                    renamed += 1
    assert renamed >= 12
    wb.save(path)
    assert read_workbook(path) == ref


def test_disclosure_is_a_column() -> None:
    assert {"disclosure.public", "disclosure.reason"} <= {
        c.field for c in SHEET["权力事项"].columns
    }
    assert Disclosure.model_fields.keys() == {"public", "reason"}


# ------------------------------------------------------------------ a second reader


def test_second_reader_finds_the_same_counts(tmp_path: Path) -> None:
    ref = powerreg.load_reference()
    book = write_workbook(ref, tmp_path / "ref.xlsx")
    sheets = pd.read_excel(book, sheet_name=None, engine="openpyxl", dtype=str)
    s = ref.stats()
    counts = {name: len(frame.dropna(how="all")) for name, frame in sheets.items()}
    assert counts["职权类别"] == s.categories == 7
    assert counts["权力事项"] == s.powers == 84
    assert counts["流程图"] == s.flowcharts == 118
    assert counts["流程环节"] == s.steps
    assert counts["流转"] == sum(len(fc.transitions) for _, fc in ref.iter_flowcharts())
    assert counts["风险点"] == s.risk_points == 247
    assert counts["防控措施"] == s.countermeasures == 779
    assert counts["机构"] == len(ref.units or [])
    levels = sheets["风险点"]["风险等级"].value_counts().to_dict()
    assert levels == {
        {"high": "高", "medium": "中", "low": "低"}[k]: v
        for k, v in s.risk_points_by_level.items()
        if v
    }
    overview = pd.read_excel(book, sheet_name=OVERVIEW, header=1, engine="openpyxl", dtype=str)
    assert overview["风险点"].notna().sum() == 247
    assert overview["事项编号"].notna().sum() == 84  # merged down each power's rows


# ------------------------------------------------------------------ what a reviewer sees


@pytest.fixture(scope="module")
def reference_book(tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    path = write_workbook(powerreg.load_reference(), tmp_path_factory.mktemp("b") / "ref.xlsx")
    return openpyxl.load_workbook(path)


def test_sheets_and_chinese_headers(reference_book: openpyxl.Workbook) -> None:
    assert reference_book.sheetnames == [OVERVIEW, *(s.name for s in SHEETS), README]
    for sheet in SHEETS:
        if not sheet.vertical:
            ws = reference_book[sheet.name]
            assert [c.value for c in ws[1]] == [c.header for c in sheet.all_columns]
            assert ws.freeze_panes == "A2"
            assert ws.auto_filter.ref.startswith("A1:")
            assert ws[1][0].font.bold


def test_widths_fit_chinese_text(reference_book: openpyxl.Workbook) -> None:
    ws = reference_book["权力事项"]
    widths = {c.value: ws.column_dimensions[c.column_letter].width for c in ws[1]}
    assert widths["事项编号"] < widths["事项名称"] <= 40
    assert widths["设定依据"] == 60  # long prose: the widest, wrapped
    long_cell = next(r[4] for r in ws.iter_rows(min_row=2) if r[4].value and len(r[4].value) > 30)
    assert long_cell.alignment.wrap_text


def test_drop_downs_offer_chinese_words(reference_book: openpyxl.Workbook) -> None:
    def lists(name: str) -> dict[str, str]:
        ws = reference_book[name]
        return {
            str(v.sqref).split(":")[0][:-1]: v.formula1 for v in ws.data_validations.dataValidation
        }

    assert lists("风险点") == {
        "D": '"高,中,低"',
        "E": '"思想道德,岗位职责,业务流程,制度机制,外部环境"',
    }
    assert lists("防控措施") == {
        "D": '"制度,分权制衡,公开,监督,科技,教育"',
        "E": '"事前,事中,事后"',
    }
    assert lists("流程环节")["D"] == '"开始,办理,判断,结束"'
    assert lists("流程环节")["H"] == '"是,否"'
    assert lists("权力事项")["B"] == '"XK,SP,CF,QZ,ZS,JC,QT"'


def test_overview_is_the_register_departments_keep(reference_book: openpyxl.Workbook) -> None:
    ws = reference_book[OVERVIEW]
    assert ws["A1"].value == "辽宁省环境保护厅2011年权力运行廉政风险点及防控措施一览表"
    assert [c.value for c in ws[2]] == [c.header for c in FLAT_COLUMNS if c.about]
    assert ws.freeze_panes == "E3"
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert "A1:J1" in merged
    assert any(r.startswith("D") and r != "D1" for r in merged)  # 事项名称 down its rows
    measures = next(c.value for c in ws["J"][2:] if c.value)
    assert measures.startswith("1.")
    assert "\n2." in measures


def test_readme_sheet_describes_every_column(reference_book: openpyxl.Workbook) -> None:
    rows = list(reference_book[README].iter_rows(min_row=2, values_only=True))
    described = {(r[0], r[1]) for r in rows}
    for sheet in SHEETS:
        for c in sheet.all_columns:
            assert (sheet.name, c.header) in described
    level = next(r for r in rows if r[:2] == ("风险点", "风险等级"))
    assert level[3] == "是"
    assert level[4] == "高, 中, 低 (一级, 二级, 三级)"


def test_text_is_never_a_formula(tmp_path: Path) -> None:
    data = powerreg.load(EXAMPLE).model_dump(by_alias=True)
    data["powers"]["XK-001"]["name"] = '=HYPERLINK("http://evil","点击")'
    reg = Registry.model_validate(data)
    book = openpyxl.load_workbook(write_workbook(reg, tmp_path / "b.xlsx"))
    cell = next(c for c in book["权力事项"]["C"] if c.value and str(c.value).startswith("="))
    assert cell.data_type == "s"
    assert round_trip(reg, tmp_path).powers["XK-001"].name == reg.powers["XK-001"].name


# ------------------------------------------------------------------ writing safely


def test_export_replaces_only_its_own_workbooks(tmp_path: Path) -> None:
    reg = powerreg.load(EXAMPLE)
    out = write_workbook(reg, tmp_path / "b.xlsx")
    write_workbook(reg, out)  # its own: replaced
    mine = tmp_path / "mine.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["事项名称", "风险点"])  # type: ignore[union-attr]
    wb.save(mine)
    with pytest.raises(UsageError, match="not written by export-workbook"):
        write_workbook(reg, mine)
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes", encoding="utf-8")
    with pytest.raises(UsageError, match="not a workbook written by export-workbook"):
        write_workbook(reg, notes)
    assert notes.read_text(encoding="utf-8") == "my notes"


def test_a_failed_export_leaves_the_previous_book(tmp_path: Path, monkeypatch: Any) -> None:
    reg = powerreg.load(EXAMPLE)
    out = write_workbook(reg, tmp_path / "b.xlsx")
    before = out.read_bytes()

    save = openpyxl.Workbook.save

    def broken(self: Any, filename: Any) -> None:
        save(self, filename)  # half written, then the disk is full
        raise OSError("disk full")

    monkeypatch.setattr(openpyxl.Workbook, "save", broken)
    with pytest.raises(OSError, match="disk full"):
        write_workbook(generate(3, seed=1), out)
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["b.xlsx"]


def test_a_list_item_with_a_line_break_is_refused(tmp_path: Path) -> None:
    data = powerreg.load(EXAMPLE).model_dump(by_alias=True)
    data["powers"]["XK-001"]["legal_basis"] = ["《甲法》\n第二条"]
    with pytest.raises(UsageError, match="XK-001: an item of legal_basis holds a line break"):
        write_workbook(Registry.model_validate(data), tmp_path / "b.xlsx")
    assert not (tmp_path / "b.xlsx").exists()
