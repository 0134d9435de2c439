"""Write the example 一览表 of examples/workbooks/, as a department would keep it.

``risk-register.xlsx``: a title row merged across the table, the header below it, the
power's number, category, name and division merged down its rows, countermeasures
numbered in one cell (``1.`` ``１．`` ``（1）`` ``①``) or one a row under a merged risk
point, levels written 一级/二级 and 高/中, full-width digits and stray spaces, a note
row at the bottom; and a sheet 流程环节 with the steps of the first power. Its powers
without steps get the placeholder chart when imported.

``risk-register-broken.xlsx``: the same book with the slips the README shows: a level
较高, a risk type 业务, a risk type left empty, a step that is not on 流程环节.

Run ``python scripts/make_example_workbook.py`` (``--check`` to fail if the files differ
from what it would write, ``--out DIR`` to write them elsewhere). The same script and
openpyxl write the same bytes: the workbook's timestamps are fixed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
import zipfile
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.writer.excel import ExcelWriter

OUT = Path(__file__).resolve().parents[1] / "examples" / "workbooks"
TITLE = "示例市环境保护局2011年廉政风险点及防控措施一览表"
HEADER = [
    "序号",
    "权力类别",
    "事项名称",
    "责任部门",
    "风险环节",
    "廉政风险点",
    "风险等级（高/中/低）",
    "风险类别",
    "防控措施",
    "责任人",
]
#: One row per line: the values of the columns above (None: an empty or merged cell).
ROWS: list[list[Any]] = [
    [
        1,
        "行政许可",
        "建设项目环境影响报告表审批",
        "环评科",
        "受理",
        "对符合条件的申请不予受理，或故意刁难申请人",
        "一级",
        "岗位职责",
        "1.严格执行受理制度，一次性告知需补正的材料；\n2.通过电子监察系统实时监控受理时限；\n"
        "3.受理结果在政务网站公开。",
        "受理岗",
    ],
    [
        None,
        None,
        None,
        None,
        "审查",
        "擅自增减审查条件",
        "二级",
        "业务流程",
        "１．制定审查工作规程，量化审查标准；２．实行审查与审批分离。",
        "审查岗",
    ],
    [
        None,
        None,
        None,
        None,
        "决定",
        "降低标准审批或违规审批",
        "一级",
        "业务流程",
        "（1）重大项目集体讨论决定；（2）加强廉政教育，签订廉政承诺书；（3）开展抽查回访。",
        "科长",
    ],
    [
        2,
        "行政处罚",
        "超标 排放水污染物 处罚",
        "环境监察支队",
        "调查取证",
        "调查取证不全面、不客观",
        "高",
        "岗位职责",
        "两名以上执法人员现场调查，全程录音录像",
        "执法人员",
    ],
    [None, None, None, None, None, None, None, None, "【事后】开展案卷评查", "法制科"],
    [
        3,
        "行政处罚",
        "拒绝现场检查或弄虚作假处罚",
        "环境监察支队",
        None,
        "处罚自由裁量畸轻畸重，同案不同罚",
        " 中 ",
        "制度机制",
        "①执行行政处罚自由裁量基准 ②重大处罚集体讨论决定 ③处罚结果公开",
        None,
    ],
]
NOTE = "注：风险等级分为一级（高）、二级（中）、三级（低）。"
#: Cells merged down a power's rows (columns 1–4) and a risk point's (columns 5–8).
MERGES = ["A3:A5", "B3:B5", "C3:C5", "D3:D5", "A6:A7", "B6:B7", "C6:C7", "D6:D7"]
MERGES += ["E6:E7", "F6:F7", "G6:G7", "H6:H7"]
STEPS = [
    ["事项名称", "环节名称", "承办岗位", "时限（工作日）"],
    ["建设项目环境影响报告表审批", "申请", None, None],
    [None, "受理", "受理岗", 5],
    [None, "审查", "审查岗", 10],
    [None, "决定", "科长", 3],
    [None, "送达", "受理岗", 2],
]
#: The slips of the broken copy: (row, column, value).
SLIPS = [(4, 7, "较高"), (5, 8, "业务"), (8, 8, None), (5, 5, "复核")]
#: A fixed time for the workbook's properties, so the same script writes the same bytes.
WHEN = dt.datetime(2011, 6, 30, 9, 0, 0)


def book(slips: list[tuple[int, int, Any]]) -> Workbook:
    """The 一览表 with ``slips`` applied."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "一览表"
    ws.append([TITLE])
    ws.append(HEADER)
    for row in ROWS:
        ws.append(row)
    ws.append([NOTE])
    ws.merge_cells("A1:J1")
    ws.merge_cells(f"A{len(ROWS) + 3}:J{len(ROWS) + 3}")
    for cells in MERGES:
        ws.merge_cells(cells)
    for r, c, value in slips:
        ws.cell(r, c).value = value
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEFGHIJ", (6, 10, 24, 14, 10, 30, 12, 10, 50, 10), strict=True):
        ws.column_dimensions[letter].width = width
    for row in ws.iter_rows(min_row=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="center")
    steps = wb.create_sheet("流程环节")
    for row in STEPS:
        steps.append(row)
    steps.merge_cells("A2:A6")
    wb.properties.creator = "示例市环境保护局"
    wb.properties.created = WHEN
    wb.properties.modified = WHEN
    return wb


def data(wb: Workbook) -> bytes:
    """The workbook's bytes, every part of the archive dated ``WHEN``."""
    raw = io.BytesIO()
    # ExcelWriter, not wb.save: save stamps the book with the time of saving
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, WHEN.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if the files differ")
    parser.add_argument("--out", type=Path, default=OUT, help=f"directory (default {OUT})")
    args = parser.parse_args(argv)
    files = {
        args.out / "risk-register.xlsx": data(book([])),
        args.out / "risk-register-broken.xlsx": data(book(SLIPS)),
    }
    stale = [p for p, b in files.items() if not p.exists() or p.read_bytes() != b]
    if args.check:
        for p in stale:
            print(f"{p}: out of date; run python scripts/make_example_workbook.py")
        return 1 if stale else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for p, b in files.items():
        p.write_bytes(b)
        print(f"wrote {p}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
