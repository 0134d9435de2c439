"""Countermeasures as a 一览表 lists them: numbered in one cell, with no class or stage.

:func:`split_measures` splits a cell of numbered measures (``1.……；2.……``, ``（1）``,
``①``, ``一是……二是……``) into one text each. A 一览表 rarely says what class a
measure is or when it acts, so :func:`measure_kind` and :func:`measure_stage` read it
from the words of the measure (电子监察 is technology, 公开 disclosure, 集体讨论
separation of powers …), or from a note the clerk put before it (``【事后】``), or from
the column it stands in (前期预防措施 is before); what says nothing is a rule (制度)
acting before. :func:`numbered` writes measures back the same way.

Examples:
    >>> split_measures("1.严格执行受理制度；2.通过电子监察系统实时监控。")
    ['严格执行受理制度', '通过电子监察系统实时监控']
    >>> split_measures("一是公开办事程序；二是实行集体讨论")
    ['公开办事程序', '实行集体讨论']
    >>> [measure_kind(t) for t in split_measures("①结果公开 ②集体讨论决定 ③加强廉政教育")]
    ['disclosure', 'separation', 'education']
    >>> measure_stage("【事后】督办", "supervision", None)
    'after'
    >>> measure_stage("督办", "supervision", None), measure_stage("督办", "supervision", "before")
    ('during', 'before')
    >>> numbered(["严格执行受理制度", "实时监控"])
    '1.严格执行受理制度；\\n2.实时监控。'
"""

from __future__ import annotations

import re

from ..model import MeasureKind, Stage
from .cells import tidy
from .codecs import MEASURE_KIND, STAGE

#: Where a numbered item starts: ``①`` anywhere; ``1.`` ``1、`` ``(1)`` ``（1）`` ``1)``
#: ``一是`` ``一、`` at the start, or after a space, a line break, a comma, a full stop
#: or a semicolon.
_MARK = re.compile(
    r"[①-⑳]|(?:^|(?<=[\s;；。,，]))\s*"
    r"(?:[(（]\s*\d{1,2}\s*[)）]|\d{1,2}\s*[.．、,，)）](?!\d)|[一二三四五六七八九十]{1,2}[是、])"
)
_SEPARATORS = " \t\n;；,，。.、"
#: A note before a measure: ``【事后】`` ``[监督]`` ``（事前）``.
_NOTE = re.compile(r"^\s*[【\[(（]\s*([^】\])）]{1,6})\s*[】\])）]\s*")

#: Words that say a measure's class, the first class found wins.
_KIND_WORDS: tuple[tuple[MeasureKind, tuple[str, ...]], ...] = tuple(
    (kind, tuple(words.split()))
    for kind, words in (
        (
            MeasureKind.TECHNOLOGY,
            "电子监察 电子 系统 网上 信息化 视频 录音录像 录像 软件 平台 留痕 在线",
        ),
        (MeasureKind.DISCLOSURE, "公开 公示 公布 告知 明示"),
        (MeasureKind.EDUCATION, "教育 培训 学习 警示 谈话 承诺书"),
        (
            MeasureKind.SEPARATION,
            "分离 分开 分权 分岗 分设 集体 双人 两人 会审 会签 回避 轮岗 交流 制衡 审批分",
        ),
        (
            MeasureKind.SUPERVISION,
            "监督 检查 督查 督办 审计 抽查 回访 投诉 举报 考核 问责 纪检 监察 评议 评查 复核 追究",
        ),
    )
)
#: Words that say a measure acts after the act.
_AFTER_WORDS = ("事后", "回访", "追究", "问责", "复查", "审计", "评议", "评查", "考核", "结果")
_DURING_WORDS = ("事中", "实时", "全程", "现场")
#: When a measure of each class acts, if its words do not say.
_KIND_STAGE = {
    MeasureKind.INSTITUTION: Stage.BEFORE,
    MeasureKind.SEPARATION: Stage.DURING,
    MeasureKind.DISCLOSURE: Stage.BEFORE,
    MeasureKind.SUPERVISION: Stage.DURING,
    MeasureKind.TECHNOLOGY: Stage.DURING,
    MeasureKind.EDUCATION: Stage.BEFORE,
}


def split_measures(text: str) -> list[str]:
    """The measures of one cell: split at their numbers if they are numbered, else one
    a line; each tidied and without the separator that ended it."""
    starts = list(_MARK.finditer(text))
    if starts:
        pieces = [text[: starts[0].start()]]
        for m, nxt in zip(starts, [*starts[1:], None], strict=True):
            pieces.append(text[m.end() : nxt.start() if nxt else len(text)])
    else:
        pieces = text.splitlines()
    out = []
    for piece in pieces:
        item = tidy(piece).strip(_SEPARATORS)
        if item:
            out.append(item)
    return out


def note(text: str) -> tuple[str | None, str | None, str]:
    """The class and stage a note before a measure gives (``【事后】``, ``[监督]``), and
    the measure without its note."""
    m = _NOTE.match(text)
    if m is None:
        return None, None, text
    word = m.group(1)
    kind, stage = MEASURE_KIND.read(word), STAGE.read(word)
    kind = kind if kind in MEASURE_KIND.words else None
    stage = stage if stage in STAGE.words else None
    if kind is None and stage is None:
        return None, None, text
    return kind, stage, text[m.end() :].strip()


def measure_kind(text: str) -> str:
    """The class of a measure from its words; ``institution`` (制度) when none says."""
    for kind, words in _KIND_WORDS:
        if any(w in text for w in words):
            return kind.value
    return MeasureKind.INSTITUTION.value


def measure_stage(text: str, kind: str, column: str | None) -> str:
    """When a measure acts: a note before it (``【事后】``), else the column it stands in
    (``before`` for 前期预防措施), else its words, else its class's usual stage."""
    _, stage, _ = note(text)
    if stage is not None:
        return stage
    if column is not None:
        return column
    if any(w in text for w in _AFTER_WORDS):
        return Stage.AFTER.value
    if any(w in text for w in _DURING_WORDS):
        return Stage.DURING.value
    return _KIND_STAGE[MeasureKind(kind)].value


def numbered(measures: list[str]) -> str:
    """Measures as a 一览表 lists them in one cell: ``1.……；`` one a line, the last
    ending with ``。``."""
    return "\n".join(
        f"{i}.{m.rstrip('；;。')}{'。' if i == len(measures) else '；'}"
        for i, m in enumerate(measures, start=1)
    )
