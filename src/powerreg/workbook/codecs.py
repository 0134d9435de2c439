"""How each kind of value sits in a cell, and how a cell is read back into it.

A codec writes a model value as a cell value (text, a number) and reads a non-empty cell
back into the raw value the pydantic models validate, so a bad cell fails with the same
E codes as YAML. Enumerations are written in Chinese (``高``, ``监督``, ``事前``) and read
in Chinese or as codes; lists as one item a line; time limits as ``20 个工作日``;
yes/no as ``是``/``否``.

Examples:
    >>> LEVEL.write(Level.HIGH), LEVEL.read(" 一级 "), LEVEL.read("较高")
    ('高', 'high', '较高')
    >>> LEVEL.accepted
    '高, 中, 低 (一级, 二级, 三级)'
    >>> LINES.read("《环境影响评价法》\\n\\n《行政许可法》")
    ['《环境影响评价法》', '《行政许可法》']
    >>> LIMIT.write(Limit.parse("3 个月")), LIMIT.read("２０个工作日"), LIMIT.read(20.0)
    ('3 个月', '20个工作日', 20)
    >>> BOOL.read("是"), BOOL.read("否"), BOOL.write(True)
    (True, False, '是')
    >>> DAYS.expects, TEXT.expects
    (('a number of working days', '工作日数'), None)
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from ..model import (
    ALIASES,
    LABELS_ZH,
    Level,
    Limit,
    MeasureKind,
    RiskType,
    Stage,
    StepKind,
    UnitKind,
)
from .cells import as_text, escape, number, squash


class Codec:
    """Plain text: written escaped, read as the text a person sees."""

    #: words a drop-down offers (empty: no drop-down)
    choices: tuple[str, ...] = ()
    #: what the 说明 sheet says a cell holds
    accepted: str = "文本"
    #: what a number column expects, in English and Chinese, for a cell that holds
    #: something no number can be read from (``TRUE``); ``None``: not a number column
    expects: tuple[str, str] | None = None

    def write(self, value: Any) -> Any:
        """The cell value of a model value (``None`` for an empty cell)."""
        return None if value is None else escape(str(value))

    def read(self, cell: Any) -> Any:
        """The raw value of a non-empty cell, for the models to validate."""
        return as_text(cell)


class _Int(Codec):
    accepted = "整数"
    expects = ("a whole number", "整数")

    def write(self, value: Any) -> Any:
        return value

    def read(self, cell: Any) -> Any:
        cell = number(cell)
        if isinstance(cell, str):
            text = squash(cell)
            return int(text) if text.isdigit() and len(text) < 10 else cell
        return cell


class _Days(_Int):
    expects = ("a number of working days", "工作日数")


class LineBreak(ValueError):
    """An item of a list holds a line break: a cell lists one item a line."""


class _Lines(Codec):
    accepted = "文本，一行一项（单元格内换行：Alt+Enter）"

    def write(self, value: Any) -> Any:
        if any("\n" in v or "\r" in v for v in value):
            raise LineBreak("an item holds a line break")
        return "\n".join(escape(v) for v in value) if value else None

    def read(self, cell: Any) -> Any:
        return [line.strip() for line in as_text(cell).splitlines() if line.strip()]


class _Limit(Codec):
    accepted = "时限：20 个工作日、30 日、3 个月；只写数字即为工作日"
    expects = (
        "a time limit: a number of working days, or text such as '20 个工作日', '30 日' or "
        "'3 个月'",
        "时限：工作日数，或“20 个工作日”“30 日”“3 个月”这样的写法",
    )

    def write(self, value: Any) -> Any:
        return None if value is None else Limit.parse(value).text("zh")

    def read(self, cell: Any) -> Any:
        cell = number(cell)
        if isinstance(cell, str):
            text = unicodedata.normalize("NFKC", cell).strip()
            return int(text) if text.isdigit() and len(text) < 10 else text  # working days
        return cell


_TRUE = frozenset({"是", "true", "yes", "1", "√", "✓", "y"})
_FALSE = frozenset({"否", "false", "no", "0", "×", "n"})


class _Bool(Codec):
    choices = ("是", "否")
    accepted = "是 / 否"

    def write(self, value: Any) -> Any:
        return None if value is None else ("是" if value else "否")

    def read(self, cell: Any) -> Any:
        if isinstance(cell, bool):
            return cell
        word = squash(as_text(cell)).lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        return as_text(cell)


class Words(Codec):
    """An enumeration written in Chinese and read in Chinese or as its codes."""

    def __init__(
        self,
        enum: type[StrEnum],
        words: Mapping[str, str],
        extra: Mapping[str, str] | None = None,
    ) -> None:
        self.enum = enum
        self.words = dict(words)
        aliases = {**ALIASES.get(enum, {}), **(extra or {})}
        self.lookup = {squash(w): code for code, w in self.words.items()}
        self.lookup |= {squash(w): code for w, code in aliases.items()}
        self.lookup |= {m.value: m.value for m in enum}
        self.choices = tuple(self.words.values())
        others = [w for w in aliases if w not in self.choices]
        self.accepted = ", ".join(self.choices) + (f" ({', '.join(others)})" if others else "")

    def write(self, value: Any) -> Any:
        return None if value is None else self.words[str(value)]

    def read(self, cell: Any) -> Any:
        code = self.lookup.get(cell) if type(cell) is str else None
        if code is not None:  # as written: 高, 监督, 事前, high
            return code
        text = as_text(cell)
        word = squash(text)
        code = self.lookup.get(word) or self.lookup.get(word.lower())
        if code is None and word.endswith("风险"):  # 高风险, 一级风险
            code = self.lookup.get(word[: -len("风险")])
        return code if code is not None else text.strip()


class _Matrix(Codec):
    accepted = "三行三列的等级，行为可能性 1–3、列为影响程度 1–3：如“低 低 中；低 中 高；中 高 高”"

    def write(self, value: Any) -> Any:
        if value is None:
            return None
        return "；".join(" ".join(LEVEL.write(v) for v in row) for row in value)

    def read(self, cell: Any) -> Any:
        rows = re.split(r"[;；\n]+", unicodedata.normalize("NFKC", as_text(cell)).strip(" ;"))
        return [[LEVEL.read(w) for w in re.split(r"[\s,，、]+", r.strip()) if w] for r in rows]


TEXT = Codec()
INT = _Int()
DAYS = _Days()
LINES = _Lines()
LIMIT = _Limit()
BOOL = _Bool()
MATRIX = _Matrix()
LEVEL = Words(Level, {"high": "高", "medium": "中", "low": "低"})
RISK_TYPE = Words(RiskType, {t.value: LABELS_ZH[t.value] for t in RiskType})
MEASURE_KIND = Words(
    MeasureKind,
    {
        "institution": "制度",
        "separation": "分权制衡",
        "disclosure": "公开",
        "supervision": "监督",
        "technology": "科技",
        "education": "教育",
    },
)
STAGE = Words(Stage, {"before": "事前", "during": "事中", "after": "事后"})
UNIT_KIND = Words(UnitKind, {k.value: LABELS_ZH[k.value] for k in UnitKind})
STEP_KIND = Words(
    StepKind,
    {"start": "开始", "task": "办理", "decision": "判断", "end": "结束"},
    {"起点": "start", "任务": "task", "环节": "task", "分支": "decision", "终点": "end"},
)


#: Every enumeration's codec.
WORDS: tuple[Words, ...] = (LEVEL, RISK_TYPE, MEASURE_KIND, STAGE, STEP_KIND, UNIT_KIND)
