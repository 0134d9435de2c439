"""The site's downloads: the list as CSV, the registry as JSON, the SQLite catalog.

All three are made from the published registry (:mod:`.public`): a withheld power is
there with its name and reason only, a field the policy leaves out is not there. The
CSV and the JSON are written one power at a time.

The CSV opens in a spreadsheet (UTF-8 with a byte-order mark), and a cell that begins
with ``=``, ``+``, ``-``, ``@`` or a control character gets a leading apostrophe, so a
spreadsheet shows registry text and never runs it as a formula.

Examples:
    >>> spreadsheet_safe("=HYPERLINK(\\"http://x\\")"), spreadsheet_safe("不收费")
    ('\\'=HYPERLINK("http://x")', '不收费')
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from ..model import Category, Disclosure, Level, Power, Registry, field_label
from .public import withheld_reason

#: The columns of ``powers.csv``: a field of the models under its label (its one name,
#: :func:`~powerreg.model.field_label`), then the counts and the page.
CSV_COLUMNS = (
    field_label(Power, "id"),
    field_label(Category, "name"),
    *(field_label(Power, f) for f in ("name", "legal_basis", "subject", "division")),
    *(field_label(Power, f) for f in ("statutory_limit", "promised_limit", "fee")),
    "流程图",
    "廉政风险点",
    "高风险",
    "中风险",
    "低风险",
    "防范措施",
    *(field_label(Disclosure, f) for f in ("public", "reason")),
    "页面",
)

_FORMULA = ("=", "+", "-", "@", "\t", "\r", "\n")


def spreadsheet_safe(text: str) -> str:
    """Text a spreadsheet shows as text (see the module)."""
    return "'" + text if text.startswith(_FORMULA) else text


class Downloads:
    """Writes ``powers.csv`` and ``registry.json`` as the powers come, one at a time."""

    def __init__(self, folder: Path, registry: Registry) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        # both stay open while the powers come, and close() closes them
        self._csv_file: IO[str] = open(  # noqa: SIM115
            folder / "powers.csv", "w", encoding="utf-8-sig", newline=""
        )
        self._csv = csv.writer(self._csv_file)
        self._csv.writerow(CSV_COLUMNS)
        self._json: IO[str] = open(folder / "registry.json", "w", encoding="utf-8")  # noqa: SIM115
        head = registry.model_dump(mode="json", exclude={"powers"}, exclude_none=True)
        text = json.dumps(head, ensure_ascii=False, indent=1)
        self._json.write(text[: text.rindex("}")].rstrip() + ',\n "powers": [')
        self._first = True

    def add(self, power: Power, category_name: str) -> None:
        """Write one published power to both files."""
        reason = withheld_reason(power)
        levels = dict.fromkeys(Level, 0)
        for r in power.risk_points:
            levels[r.level] += 1
        limits = [
            lim.text("zh") if lim else "" for lim in (power.statutory_limit, power.promised_limit)
        ]
        row: list[Any] = [
            power.id,
            category_name,
            power.name,
            "；".join(power.legal_basis),
            power.subject,
            power.division,
            *limits,
            power.fee or "",
            len(power.flowcharts),
            len(power.risk_points),
            *levels.values(),
            sum(len(r.countermeasures) for r in power.risk_points),
            "否" if reason is not None else "是",
            reason or "",
            f"powers/{power.id}.html",
        ]
        self._csv.writerow([spreadsheet_safe(x) if isinstance(x, str) else x for x in row])
        # pydantic's own serialiser: the same JSON as json.dumps of model_dump(mode="json"),
        # compact, in half the time
        data = power.model_dump_json(by_alias=True, exclude_none=True)
        self._json.write(("\n  " if self._first else ",\n  ") + data)
        self._first = False

    def close(self) -> None:
        """Finish both files."""
        if not self._json.closed:
            self._json.write("\n ]\n}\n")
        self._json.close()
        self._csv_file.close()

    def __enter__(self) -> Downloads:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
