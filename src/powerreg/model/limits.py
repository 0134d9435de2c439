"""Time limits with their unit: working days, calendar days or calendar months.

The 行政许可法 counts 工作日 (working days, holidays left out); the 环境行政处罚办法
(2010) gives a penalty case three calendar months from 立案 to decision. A limit is
therefore an amount with a unit. In YAML it is written as a plain number (working days,
as before), as text (``20 个工作日``, ``30 日``, ``3 个月``, ``20 working days``) or as a
mapping (``{amount: 3, unit: months}``).

Limits of one unit compare exactly; limits of different units compare through the
working days they can hold (:meth:`Limit.working_days`): a month holds at least 16 and
at most 23 working days in China's calendars (February with the Spring Festival, a
month of five full weeks), a span of ``n`` calendar days between ``5n/7 - 5`` and
``5n/7 + 2`` (a week of holidays, two make-up days). Where the bounds overlap the
answer is "cannot tell", and the audit says so (A204).

Examples:
    >>> Limit.parse("3 个月")
    Limit(amount=3, unit='months')
    >>> Limit.parse(20), Limit.parse("30日")
    (Limit(amount=20, unit='working_days'), Limit(amount=30, unit='days'))
    >>> str(Limit.parse("3个月")), Limit.parse(20).text("en")
    ('3 个月', '20 working days')
    >>> Limit.parse("3 个月").working_days()
    (48, 69)
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

#: Largest amount of each unit: about ten years.
MAX_AMOUNT = {"working_days": 3650, "days": 3650, "months": 120}


class TimeUnit(StrEnum):
    """The unit of a time limit."""

    WORKING_DAYS = "working_days"
    DAYS = "days"
    MONTHS = "months"


#: Words accepted for each unit (after the number), Chinese and English.
UNIT_WORDS: dict[str, TimeUnit] = {
    "个工作日": TimeUnit.WORKING_DAYS,
    "工作日": TimeUnit.WORKING_DAYS,
    "working days": TimeUnit.WORKING_DAYS,
    "working day": TimeUnit.WORKING_DAYS,
    "日": TimeUnit.DAYS,
    "天": TimeUnit.DAYS,
    "自然日": TimeUnit.DAYS,
    "个自然日": TimeUnit.DAYS,
    "days": TimeUnit.DAYS,
    "day": TimeUnit.DAYS,
    "个月": TimeUnit.MONTHS,
    "月": TimeUnit.MONTHS,
    "months": TimeUnit.MONTHS,
    "month": TimeUnit.MONTHS,
}
_TEXT = re.compile(r"^\s*(\d{1,4})\s*(" + "|".join(map(re.escape, UNIT_WORDS)) + r")\s*$")
_SHOWN = {
    TimeUnit.WORKING_DAYS: ("{n} 个工作日", "{n} working days"),
    TimeUnit.DAYS: ("{n} 日", "{n} days"),
    TimeUnit.MONTHS: ("{n} 个月", "{n} months"),
}


class Limit(BaseModel):
    """A time limit: an amount and its unit (working days unless said otherwise)."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=True)

    amount: int = Field(ge=0, le=3650, description="时限数量：多少个单位。How many units.")
    unit: TimeUnit = Field(
        default=TimeUnit.WORKING_DAYS,
        description="时限单位：工作日（默认）、日或月。"
        "The unit: working_days (the default), days or months.",
    )

    def __repr__(self) -> str:
        return f"Limit(amount={self.amount}, unit={TimeUnit(self.unit).value!r})"

    def __str__(self) -> str:
        return self.text("zh")

    def text(self, lang: str = "zh") -> str:
        """``20 个工作日`` / ``3 个月``, or in English."""
        zh, en = _SHOWN[TimeUnit(self.unit)]
        return (zh if lang == "zh" else en).format(n=self.amount)

    @property
    def in_working_days(self) -> bool:
        """Whether the limit counts working days (exact comparisons with step days)."""
        return self.unit == TimeUnit.WORKING_DAYS

    def working_days(self) -> tuple[int, int]:
        """The fewest and most working days the limit can hold."""
        n = self.amount
        if self.unit == TimeUnit.WORKING_DAYS:
            return n, n
        if self.unit == TimeUnit.MONTHS:
            return 16 * n, 23 * n
        return max(0, n * 5 // 7 - 5), -(-n * 5 // 7) + 2

    @classmethod
    def parse(cls, value: Any) -> Limit:
        """A limit from a number (working days), text or mapping; ``ValueError`` else."""
        if isinstance(value, Limit):
            return value
        return cls.model_validate(_limit_input(value))


def _limit_input(value: Any) -> Any:
    """Plain numbers are working days; text is ``<amount> <unit word>``."""
    if isinstance(value, bool):
        return value  # refused below: a limit is not true or false
    if isinstance(value, int):
        return {"amount": value}
    if isinstance(value, str):
        m = _TEXT.match(value)
        if m is None:
            raise PydanticCustomError(
                "time_limit_text",
                "time limit {value} is not a number of working days, nor text such as "
                "'20 个工作日', '30 日' or '3 个月'",
                {"value": value[:60]},
            )
        return {"amount": int(m.group(1)), "unit": UNIT_WORDS[m.group(2)]}
    return value


def _check_amount(limit: Limit) -> Limit:
    top = MAX_AMOUNT[str(limit.unit)]
    if limit.amount > top:
        raise PydanticCustomError(
            "time_limit_too_long",
            "a time limit of {amount} {unit} is more than {max} {unit}",
            {"amount": limit.amount, "unit": str(limit.unit), "max": top},
        )
    return limit


#: A time limit as a field: accepts a number (working days), text or a mapping.
LimitIn = Annotated[
    Limit,
    BeforeValidator(_limit_input, json_schema_input_type=Annotated[int, Field(ge=0)] | str | Limit),
    AfterValidator(_check_amount),
]
