"""Flowcharts in the reference registry's shapes, built step by step.

A :class:`ChartBuilder` adds steps along a main line; after a decision it takes the
branches: ``loop`` (补正 → 受理), ``exit`` (to an end of its own: 不予受理, 撤案),
``alt`` (through steps that rejoin the main line) and ``next`` (straight on). It keeps
the longest start→end path in working days as it goes, loops cut once as
:func:`powerreg.paths.longest_path` counts them, so a power's promised limit can be set
to fit without walking the graph again.

Each shape function draws one chart of 6–12 steps; every decision has two or more
branches, each labelled with its ``when``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any, NamedTuple

from ..model import Flowchart, Step, StepKind, Transition
from .phrases import CENTER, COLLECTIVE, ENFORCERS, FLOW_WINDOW, LEADERS, words

# Every field is given, so one fields-set serves every instance of a class: ~200 bytes
# a model saved across millions of them. Assigning a field adds its name to the set,
# which holds it already, so sharing changes nothing.
ALL_FIELDS: dict[type[Any], set[str]] = {
    cls: set(cls.model_fields) for cls in (Step, Transition, Flowchart)
}
_HEAD_TITLE = {"处": "处长", "局": "局长", "队": "队长", "心": "主任"}


class Task(NamedTuple):
    """A step to add: its class (what its risks are about), label, post and days."""

    cls: str
    label: str
    role: str
    days: int


class Draft:
    """The power being drawn: its random stream, object and posts."""

    def __init__(self, rng: random.Random, short: str, division: str, applicant: str) -> None:
        self.rng = rng
        self.short = short  # what the power is about, in a few characters
        self.division = division
        self.head = division + _HEAD_TITLE[division[-1]]
        self.handler = division + "承办人"
        self.leader = self.pick(LEADERS)
        self.collective = self.pick(COLLECTIVE)
        self.applicant = applicant

    def days(self, low: int, high: int) -> int:
        """A whole number of days from ``low`` to ``high``."""
        return low + int(self.rng.random() * (high - low + 1))

    def pick(self, options: tuple[str, ...]) -> str:
        """One of ``options``, uniformly (cheaper than ``Random.choice``)."""
        return options[int(self.rng.random() * len(options))]


class ChartBuilder:
    """Builds one flowchart and keeps its longest start→end path in days."""

    def __init__(self, fid: str, title: str) -> None:
        self.fid = fid
        self.title = title
        self.steps: list[Step] = []
        self.transitions: list[Transition] = []
        self.classes: list[str] = []  # class of each step; "" for start and end
        self.decision_steps: list[int] = []  # indexes into steps
        self.task_steps: list[int] = []
        #: the steps the next step follows: (step id, days to reach it, branch label)
        self.frontier: list[tuple[str, int, str | None]] = []
        self.decision: tuple[str, int] = ("", 0)  # the last decision and its days
        self.longest = 0

    def _add(self, kind: StepKind, cls: str, label: str, role: str | None, days: int | None) -> str:
        index = len(self.steps)
        sid = f"S{index + 1}"
        if kind is StepKind.DECISION:
            self.decision_steps.append(index)
        elif kind is StepKind.TASK:
            self.task_steps.append(index)
        self.steps.append(
            Step.model_construct(
                ALL_FIELDS[Step], id=sid, kind=kind, label=label, role=role, days=days
            )
        )
        self.classes.append(cls)
        return sid

    def _arrow(self, source: str, target: str, when: str | None = None) -> None:
        self.transitions.append(
            Transition.model_construct(
                ALL_FIELDS[Transition], source=source, target=target, when=when
            )
        )

    def _follow(self, sid: str, days: int) -> int:
        """Arrows from the frontier to ``sid``; the days it takes to get through it."""
        reach = 0
        for source, d, when in self.frontier:
            self._arrow(source, sid, when)
            reach = max(reach, d)
        return reach + days

    def _chain(self, when: str, tasks: list[Task]) -> tuple[str, int, str | None]:
        source, reach = self.decision
        label: str | None = when
        for t in tasks:
            sid = self._add(StepKind.TASK, t.cls, t.label, t.role, t.days)
            self._arrow(source, sid, label)
            source, reach, label = sid, reach + t.days, None
        return source, reach, label

    def start(self, label: str) -> None:
        sid = self._add(StepKind.START, "", label, None, None)
        self.frontier = [(sid, 0, None)]

    def task(self, t: Task) -> str:
        sid = self._add(StepKind.TASK, t.cls, t.label, t.role, t.days)
        self.frontier = [(sid, self._follow(sid, t.days), None)]
        return sid

    def end(self, label: str) -> None:
        sid = self._add(StepKind.END, "", label, None, None)
        self.longest = max(self.longest, self._follow(sid, 0))
        self.frontier = []

    def decide(self, t: Task) -> str:
        """A decision step; its branches follow (``loop``, ``exit``, ``alt``, ``next``)."""
        sid = self._add(StepKind.DECISION, t.cls, t.label, t.role, t.days)
        self.decision = (sid, self._follow(sid, t.days))
        self.frontier = []
        return sid

    def loop(self, when: str, t: Task, back_to: str) -> None:
        """A branch to one step that leads back to an earlier step of the main line.

        The way back closes a loop, which the longest path cuts, so the step adds no
        days to it.
        """
        sid = self._add(StepKind.TASK, t.cls, t.label, t.role, t.days)
        self._arrow(self.decision[0], sid, when)
        self._arrow(sid, back_to)

    def exit(self, when: str, tasks: list[Task], end_label: str) -> None:
        """A branch through ``tasks`` (maybe none) to an end of its own."""
        source, reach, label = self._chain(when, tasks)
        sid = self._add(StepKind.END, "", end_label, None, None)
        self._arrow(source, sid, label)
        self.longest = max(self.longest, reach)

    def alt(self, when: str, tasks: list[Task]) -> None:
        """A branch through ``tasks`` that rejoins the main line at its next step."""
        self.frontier.append(self._chain(when, tasks))

    def next(self, when: str) -> None:
        """The branch that goes straight on to the main line's next step."""
        self.frontier.append((*self.decision, when))

    def build(self) -> Flowchart:
        return Flowchart.model_construct(
            ALL_FIELDS[Flowchart],
            id=self.fid,
            title=self.title,
            steps=self.steps,
            transitions=self.transitions,
        )


Shape = Callable[[ChartBuilder, Draft], None]


def licensing(c: ChartBuilder, x: Draft) -> None:
    """申请 → 受理 (补正 loop, 不予受理 branch) → 审查 steps → 决定 → 送达: 9–12 steps."""
    p = x.pick
    c.start(f"{x.applicant}提交{x.short}申请材料")
    accept = c.decide(
        Task("accept", p(words("""受理审查 窗口受理审查 受理并审查材料""")), FLOW_WINDOW, 1)
    )
    amend = Task("amend", "一次性告知补正材料", FLOW_WINDOW, 1)
    c.loop(p(words("材料不齐全需补正 材料需补正")), amend, accept)
    reject = p(words("不属于本级审批权限 不符合受理条件 不属于受理范围"))
    if x.rng.random() < 0.6:
        notice = Task("reject", "出具不予受理通知书并说明理由", FLOW_WINDOW, 1)
        c.exit(reject, [notice], "不予受理通知书送达申请人")
    else:
        c.exit(reject, [], "书面告知不予受理理由")
    c.next(p(words("材料齐全符合法定形式 材料齐全予以受理")))
    reviews = words("""审查{o}申请材料 现场核查 技术评估 组织专家评审 征求有关部门意见
拟批准事项网上公示""")
    for label in x.rng.sample(reviews, x.days(1, 3)):
        role = x.handler if x.rng.random() < 0.6 else p(CENTER)
        c.task(Task("review", label.replace("{o}", x.short), role, x.days(2, 12)))
    decide = p(words("处长审核并报分管厅领导审定 集体审议 审批决定 审核签发"))
    c.decide(Task("decide", decide, p((x.head, x.leader, x.collective)), x.days(2, 5)))
    grant = Task(
        "outcome", p(words("""印发批复文件 核发许可证件 出具同意意见""")), x.division, x.days(1, 3)
    )
    c.alt(p(words("符合审批条件 符合法定条件和标准")), [grant])
    deny = Task("outcome", "作出不予许可决定并告知复议诉讼权利", x.division, x.days(1, 2))
    c.alt(p(words("不符合审批条件 不符合法定条件")), [deny])
    c.end(p(words("送达并在厅网站公开结果 送达申请人并公开 办结归档")))


def amendment(c: ChartBuilder, x: Draft) -> None:
    """变更 or 延续: 受理 (补正 loop) → 核查 → 决定 → 送达: 8–9 steps."""
    c.start(f"{x.applicant}提出{x.short}变更或延续申请")
    accept = c.decide(Task("accept", "受理审查", FLOW_WINDOW, 1))
    c.loop("材料不齐全需补正", Task("amend", "一次性告知补正材料", FLOW_WINDOW, 1), accept)
    c.next("材料齐全予以受理")
    for label in x.rng.sample(words("核查变更内容 核实原许可条件落实情况 现场核查"), x.days(1, 2)):
        c.task(Task("review", label, x.handler, x.days(2, 6)))
    c.decide(Task("decide", x.pick(words("处长审核决定 审核签发")), x.head, x.days(1, 3)))
    c.alt("符合变更或延续条件", [Task("outcome", "换发或变更证件", x.division, x.days(1, 2))])
    c.alt("不符合条件", [Task("outcome", "书面说明不予变更理由", x.division, 1)])
    c.end("送达申请人并公开")


def penalty(c: ChartBuilder, x: Draft) -> None:
    """立案 → 调查取证 → 审查 (撤案 branch, 补充调查 loop) → 告知 (听证) → 决定 → 送达 →
    执行: 9–12 steps."""
    p, rnd = x.pick, x.rng.random
    c.start(f"发现{x.short}线索（{p(words('现场检查 群众举报 部门移送 自动监控报警'))}）")
    c.task(Task("file", p(words("立案审批 立案登记 受理并立案")), x.handler, x.days(2, 5)))
    inquiry = c.task(Task("investigate", "现场调查取证并制作询问笔录", ENFORCERS, x.days(7, 15)))
    hearing = rnd() < 0.35
    room = 2 - 2 * hearing  # steps left under 12 for the other optional parts
    if room and rnd() < 0.3:
        c.task(Task("investigate", "调阅相关审批和监测档案", x.handler, x.days(2, 3)))
        room -= 1
    review = p(words("案件审查 法制审核 案件审核"))
    c.decide(Task("review_case", review, "政策法规处案件审核岗", x.days(3, 5)))
    if room and rnd() < 0.4:
        more = Task("investigate", "补充调查取证", ENFORCERS, x.days(3, 7))
        c.loop("证据不足需补充调查", more, inquiry)
    dropped = p(words("违法事实不成立 事实不成立或者不属本厅管辖 违法行为轻微并已及时纠正"))
    if rnd() < 0.6:
        drop = Task("outcome", "撤销案件并书面说明理由", x.head, x.days(1, 2))
        c.exit(dropped, [drop], "撤案归档")
    else:
        c.exit(dropped, [], "撤销案件并归档")
    c.next(p(words("违法事实成立 违法事实清楚、证据确凿")))
    c.task(Task("inform", "告知拟处罚内容及陈述申辩、听证权利", x.handler, 3))
    if hearing:
        c.decide(Task("hearing", "审查当事人听证申请", "政策法规处处长", x.days(1, 3)))
        held = Task("hearing", "组织听证并制作听证笔录", "听证主持人", x.days(5, 7))
        c.alt("当事人要求听证", [held])
        c.next("当事人放弃听证")
    decide = p(words("集体讨论作出处罚决定 作出行政处罚决定 集体讨论决定罚款数额"))
    c.task(Task("penalize", decide, x.collective, x.days(3, 5)))
    c.task(Task("deliver", "制作并送达行政处罚决定书", x.handler, x.days(3, 7)))
    c.end(p(words("执行处罚决定，结案归档 督促履行并结案 执行罚款，结案归档")))


def hearing(c: ChartBuilder, x: Draft) -> None:
    """The hearing procedure of a penalty: 8–9 steps."""
    c.start("当事人在告知后三日内提出听证申请")
    c.task(Task("hearing", "受理听证申请并指定非本案调查人员主持", "政策法规处处长", 2))
    if x.rng.random() < 0.6:
        c.task(Task("hearing", "听证七日前送达听证通知书", "听证书记员", 7))
    c.task(Task("hearing", "举行听证（调查人员举证，当事人申辩、质证）", "听证主持人", 1))
    c.task(Task("hearing", "制作听证笔录并提出处理意见", "听证主持人", x.days(3, 5)))
    c.decide(Task("penalize", "集体讨论听证意见", x.collective, x.days(3, 5)))
    keep = Task("outcome", "维持拟处罚决定并送达", x.handler, x.days(5, 7))
    c.alt("申辩理由不成立", [keep])
    change = Task("outcome", "调整处罚或者作出不予处罚决定并送达", x.handler, x.days(5, 7))
    c.alt("申辩理由部分或者全部成立", [change])
    c.end("执行并归档")


def levy(c: ChartBuilder, x: Draft) -> None:
    """申报 → 审核 (补报 loop) → 核定 → 征收 → 稽查: 7–11 steps."""
    rnd = x.rng.random
    c.start(f"{x.applicant}申报排放污染物种类、数量")
    check = c.decide(Task("declare", "审核排污申报", "排污收费征收岗", 2))
    c.loop(
        "申报不完整或明显失实", Task("declare", "通知补报或更正申报", "排污收费征收岗", 1), check
    )
    c.next("申报完整")
    c.task(Task("assess", "核定排放种类、数量并送达核定通知", "排污收费核定岗", x.days(3, 5)))
    if rnd() < 0.6:
        c.task(Task("assess", f"按征收标准核算{x.short}额", "排污收费核算岗", 2))
    if rnd() < 0.6:
        c.task(Task("collect", "审核签发并公告缴纳通知单", x.head, 2))
    c.task(Task("collect", "送达缴纳通知单并督促按期缴入国库", "排污收费征收岗", x.days(5, 7)))
    if rnd() < 0.5:
        c.decide(Task("audit", "开展征收稽查", "排污收费稽查岗", 3))
        c.next("征收无误")
        recover = Task("collect", "下达追缴通知并补征", "排污收费征收岗", x.days(2, 3))
        c.alt("发现少征漏征", [recover])
    else:
        c.task(Task("audit", "开展征收稽查", "排污收费稽查岗", 3))
    c.end("登记征收台账并归档")


def review(c: ChartBuilder, x: Draft) -> None:
    """A review (复核) of a result: 审查申请 (不予复核 branch) → 核查 → 复核决定: 8–10
    steps."""
    c.start(f"当事人对{x.short}结果提出复核申请")
    c.decide(Task("accept", "审查复核申请", x.handler, 2))
    late = "逾期提出或者不属于复核事项"
    if x.rng.random() < 0.5:
        c.exit(late, [Task("reject", "书面告知不予复核的理由", x.handler, 1)], "告知申请人并归档")
    else:
        c.exit(late, [], "书面告知不予复核并归档")
    c.next("符合复核受理条件")
    c.task(Task("review", "调取原始材料并现场核查", "复核人员（非原承办人员）", x.days(3, 5)))
    if x.rng.random() < 0.4:
        c.task(Task("review", "组织专家论证", "专家评审组", x.days(3, 5)))
    c.decide(Task("decide", "作出复核决定", x.leader, 2))
    c.alt("原结论正确", [Task("outcome", "维持原结论并说明依据", x.handler, 1)])
    c.alt("原结论有误", [Task("outcome", "变更原结论并送达变更通知", x.handler, x.days(1, 2))])
    c.end("送达复核决定并归档")


def inspection(c: ChartBuilder, x: Draft) -> None:
    """检查计划 → 现场检查 → 笔录 → 审核结果 (改正 / 移送) → 归档: 9–11 steps."""
    p, rnd = x.pick, x.rng.random
    c.start(p(words("下达年度及月度现场检查计划 接到上级交办的检查任务 制定专项检查计划")))
    plan = p(words("制定检查方案并随机确定检查对象 随机抽取检查对象和执法人员"))
    c.task(Task("plan", plan, x.head, x.days(1, 2)))
    visit = f"现场检查{x.short}（两人以上、出示执法证件）"
    c.task(Task("inspect", visit, "现场执法人员", x.days(1, 2)))
    if rnd() < 0.4:
        c.task(Task("inspect", "采样监测", "环境监测人员", x.days(2, 3)))
    c.task(Task("inspect", "制作现场检查笔录并由被检查单位签字", "现场执法人员", 1))
    c.decide(Task("conclude", "审核检查结果并提出处理意见", x.head, x.days(1, 2)))
    c.next("未发现环境违法行为")
    fix = Task("handle", "下达责令改正通知书并跟踪复查", "现场执法人员", x.days(2, 3))
    c.alt("存在一般环境问题", [fix])
    if rnd() < 0.7:
        refer = Task("handle", "移送立案查处", x.division, x.days(1, 2))
        c.alt("涉嫌环境违法需给予处罚", [refer])
    c.task(Task("deliver", "检查资料立卷归档", "档案管理员", 1))
    c.end("检查结果录入污染源监管档案")


def complaint(c: ChartBuilder, x: Draft) -> None:
    """A complaint (举报) checked on site, with feedback to the complainant: 8–9 steps."""
    c.start("接到群众举报投诉或上级交办")
    c.task(Task("plan", "登记并指派核查人员", "12369值班员", 1))
    c.task(Task("inspect", "赶赴现场核查（两人以上、出示执法证件）", "现场执法人员", 1))
    if x.rng.random() < 0.5:
        c.task(Task("inspect", "采样监测并制作调查询问笔录", "环境监测人员", x.days(2, 3)))
    c.decide(Task("conclude", "认定核查结论", x.head, 1))
    c.alt("举报属实", [Task("handle", "依法处理（责令改正或者移送立案）", x.division, 2)])
    c.next("举报不实")
    c.task(Task("deliver", "向举报人反馈核查结果", "12369值班员", 1))
    c.end("办结归档")


def coercion(c: ChartBuilder, x: Draft) -> None:
    """报批 (不予批准 branch) → 实施 → 期限内调查 → 处理决定 (移送 / 解除): 11–12
    steps."""
    c.start("现场检查发现违法排放污染物、可能造成严重污染")
    c.task(Task("investigate", "调查核实并固定证据", ENFORCERS, x.days(1, 2)))
    c.decide(Task("decide", "报厅负责人审批", x.leader, 1))
    c.next("批准实施")
    other = Task("handle", "采取责令改正等其他监管措施", x.division, 1)
    c.exit("不予批准", [other], "结案归档")
    c.task(Task("coerce", f"实施{x.short}，制作现场笔录和清单", ENFORCERS, 1))
    if x.rng.random() < 0.5:
        c.task(Task("coerce", "当场交付决定书和清单", ENFORCERS, 1))
    c.task(Task("investigate", "期限内调查违法事实", x.handler, x.days(5, 10)))
    c.decide(Task("decide", "审核并作出处理决定", x.leader, x.days(2, 3)))
    c.alt("违法事实清楚需依法处理", [Task("handle", "移送立案处罚并依法处理", x.division, 2)])
    c.alt("无违法行为或者无需继续实施", [Task("release", "转入解除程序", x.handler, 1)])
    c.end("结案归档")


def release(c: ChartBuilder, x: Draft) -> None:
    """Lifting a coercive measure: 7 steps."""
    c.start("当事人申请解除或者承办人发现应当解除的情形")
    c.task(Task("review", "核实违法行为是否消除、期限是否届满", x.handler, x.days(1, 2)))
    c.decide(Task("release", "审核是否解除", x.leader, x.days(1, 2)))
    done = [
        Task("release", "制作解除决定书", x.handler, 1),
        Task("release", "现场解除并返还财物，双方清点签字", ENFORCERS, 1),
    ]
    c.alt("符合解除条件", done)
    c.alt("不符合解除条件", [Task("outcome", "书面答复不予解除的理由", x.handler, 1)])
    c.end("送达当事人并归档")


def other(c: ChartBuilder, x: Draft) -> None:
    """申报 → 审核 (核查, 评审, 公示) → 审定 → 送达, for awards, confirmations and
    rulings: 6–9 steps."""
    rnd = x.rng.random
    c.start(f"{x.applicant}提出{x.short}申请")
    c.task(Task("review", "审核申报材料", x.handler, x.days(2, 5)))
    if rnd() < 0.5:
        c.task(Task("review", "现场核查", x.handler, x.days(2, 3)))
    if rnd() < 0.4:
        c.task(Task("review", "组织专家评审", "专家评审组", x.days(3, 5)))
    if rnd() < 0.4:
        c.task(Task("deliver", "结果公示", x.division, 5))
    c.decide(Task("decide", "审定", x.pick((x.head, x.leader, x.collective)), x.days(2, 3)))
    c.alt("符合条件", [Task("outcome", "作出决定并发文", x.division, x.days(1, 2))])
    c.alt("不符合条件", [Task("outcome", "书面说明理由", x.handler, 1)])
    c.end("送达并公开")
