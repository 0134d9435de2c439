"""Phrase tables for the made-up text of :mod:`powerreg.synth`.

Each table is written as one string of phrases separated by whitespace; the generator
composes risk descriptions and countermeasures from them, so texts vary without any one
sentence repeating. Keys of the per-class tables are the classes of steps the chart
shapes declare (``accept``, ``review``, ``investigate`` …).
"""

from __future__ import annotations

from functools import cache


@cache
def words(text: str) -> tuple[str, ...]:
    """The phrases of a table written as one string, separated by whitespace (cached:
    the chart shapes call it with their literal tables).

    Examples:
        >>> words("受理 审查 决定")
        ('受理', '审查', '决定')
    """
    return tuple(text.split())


LAWS = words("""《中华人民共和国环境保护法》 《中华人民共和国环境影响评价法》
《中华人民共和国水污染防治法》 《中华人民共和国大气污染防治法》
《中华人民共和国固体废物污染环境防治法》 《中华人民共和国放射性污染防治法》
《中华人民共和国环境噪声污染防治法》 《建设项目环境保护管理条例》 《排污费征收使用管理条例》
《危险废物经营许可证管理办法》 《放射性同位素与射线装置安全和防护条例》
《中华人民共和国自然保护区条例》 《环境行政处罚办法》 《环境监察办法》 《辽宁省环境保护条例》
《危险化学品安全管理条例》 《中华人民共和国清洁生产促进法》
《突发环境事件应急预案管理暂行办法》""")
CN_DIGITS = "零一二三四五六七八九"

FLOW_WINDOW = "行政审批服务窗口"
ENFORCERS = "环境监察执法人员（两人以上）"
CENTER = words("省环境工程评估中心 省环境监测中心站 专家评审组")
LEADERS = words("分管厅领导 分管副厅长 分管厅长")
COLLECTIVE = words("厅长办公会 厅务会 厅案件审理委员会 处务会")
SUPERVISORS = words("驻厅纪检组 厅监察室 政策法规处")
CHANNELS = words("厅门户网站 行政审批服务窗口 政务公开栏 政府信息公开平台")
SYSTEMS = words("行政权力网上运行系统 电子监察系统 案件管理系统 执法监管系统 网上审批系统")

#: what a step of each class is about, for risk and countermeasure text
ACTS: dict[str, tuple[str, ...]] = {
    "accept": words("受理{o}申请 审查申请材料 窗口受理 受理登记"),
    "amend": words("告知补正材料 补正审查 退件补正"),
    "reject": words("作出不予受理决定 退回申请"),
    "review": words("审查{o}材料 现场核查 技术评估 专家评审 审核把关 调查核实"),
    "decide": words("作出{o}决定 审批决定 集体审议 审核签发"),
    "outcome": words("制发{o}文书 出具办理意见 送达决定文书"),
    "file": words("{o}案件立案 线索登记 立案审批"),
    "investigate": words("调查取证 现场勘验 询问当事人 补充调查"),
    "review_case": words("案件审查 法制审核 定性处罚审核"),
    "inform": words("告知当事人权利 送达告知书"),
    "hearing": words("组织听证 听证审查"),
    "penalize": words("确定处罚幅度 作出处罚决定 集体讨论{o}案件"),
    "deliver": words("送达文书 结果公开 立卷归档"),
    "declare": words("审核{o}申报 申报登记 申报数据比对"),
    "assess": words("核定{o} 核算征收额 核定排放量"),
    "collect": words("征收{o} 开具缴款通知 督促缴纳 追缴欠费"),
    "audit": words("征收稽查 稽查核对"),
    "plan": words("确定检查对象 制定检查方案 指派核查人员"),
    "inspect": words("现场检查{o} 采样监测 现场核查"),
    "conclude": words("认定检查结论 提出处理意见"),
    "handle": words("移送立案 责令改正 跟踪复查"),
    "coerce": words("实施{o} 制作查封扣押清单 保管查封扣押财物"),
    "release": words("解除{o} 返还查封扣押财物"),
}
#: how a risk description opens; ``{a}`` is one of ACTS
LEADS = ("{a}时，", "在{a}环节，", "{a}过程中，", "办理{a}时，")
#: what may go wrong at a step of each class; ``=`` marks a phrase with its own subject
MISCONDUCT: dict[str, tuple[str, ...]] = {
    "accept": words("""对不符合条件的申请降低门槛予以受理 对材料齐全的申请借故拖延受理
越权受理不属于本级审批权限的申请 不一次性告知补正内容，让申请人多次往返
对关系人的申请优先受理、简化审查 要求申请人提交清单以外的证明材料"""),
    "amend": words("""=补正告知不一次说清，变相拖延办理时限
借补正之机暗示申请人委托指定的中介机构 以补正为由反复退件"""),
    "reject": words("""不予受理不说明理由、不告知救济途径
对符合条件的申请以不属于受理范围为由拒之门外"""),
    "review": words("""不核实关键材料的真实性，审查走过场 接受申请人宴请后对存在的问题不予指出
不到现场核查或者不如实记录核查情况 =评审专家与申请人存在利害关系而不回避
指定或者暗示申请人委托特定技术服务机构 泄露评审意见或者申请人的商业秘密"""),
    "decide": words("""迁就地方或者企业压力，对不符合条件的事项违规批准
不经集体审议由个人擅自决定 对同类申请适用标准不一、宽严失当 超过承诺时限拖延作出决定
利用审批权索取、收受申请人财物"""),
    "outcome": words("""=文书内容擅自改变审议结论 不予批准的决定不说明理由、不告知救济途径
违规放宽许可条件或者有效期限"""),
    "file": words("""对符合立案条件的线索不予立案、压案不查 受人之托选择性立案
对案件线索隐瞒不报、不登记"""),
    "investigate": words("""调查取证不全面、不客观，故意遗漏关键证据
向当事人通风报信，帮助其隐匿、销毁证据 单人执法或者不出示执法证件
收受当事人财物后不如实记录违法事实"""),
    "review_case": words("""对证据不足的案件不退回补充调查即作出认定
滥用自由裁量权改变违法行为定性 =调查人员兼任审核，审核流于形式"""),
    "inform": words("不依法告知陈述申辩和听证权利 =告知内容与拟作出的决定不一致"),
    "hearing": words("=由案件调查人员主持听证 对当事人的合理申辩意见不予采纳、不予记录"),
    "penalize": words("""不按裁量基准确定处罚幅度，人情处罚、关系处罚
以罚代管，对涉嫌犯罪的案件不移送 未经集体讨论擅自决定重大处罚"""),
    "deliver": words("""不按期送达或者送达程序不规范 应当公开的结果不公开或者选择性公开
=案卷材料不全即归档结案"""),
    "declare": words("对漏报、少报排放量的申报不予核对 对明显失实的申报不责令更正即转入核定"),
    "assess": words("""收受好处后按偏低数据核定 不采用监督性监测数据而采用明显偏低的核算结果
人为压低应缴数额"""),
    "collect": words("""与缴费人协商确定缴费数额，搞协议收费 对欠缴单位不催缴、不依法处理
擅自减免、缓征 截留、挪用征收款项"""),
    "audit": words("=稽查走过场，对少征漏征问题不纠正 =稽查人员与征收人员相互包庇"),
    "plan": words("""随意确定检查对象，对关系企业长期不检查 对个别企业频繁检查、重复检查
泄露检查时间和对象"""),
    "inspect": words("""向被检查单位通风报信 不如实记录现场发现的问题 接受被检查单位宴请、礼品
=检查人员不足两人或者不出示执法证件"""),
    "conclude": words("对发现的违法行为以责令改正代替立案查处 降低违法情节认定标准，隐瞒不报"),
    "handle": words("应当移送立案的不移送 =跟踪复查不到位，整改流于形式"),
    "coerce": words("""超范围、超期限查封扣押 =查封扣押财物保管不善或者被挪用、调换
不制作现场笔录和清单"""),
    "release": words("对应当解除的查封扣押拖延不解除 收受好处后违规提前解除"),
}
#: who does it (or nobody named)
ACTORS = ("", "个别工作人员", "承办人员", "经办人", "少数审核人员", "有关岗位人员")
#: what it leads to
HARM = words("""造成国家利益和当事人合法权益受损 导致办理结果有失公正 为利益输送留下空间
损害环境保护部门的公信力 使环境违法行为逃避查处 引发行政复议或者行政诉讼 给环境安全留下隐患
影响依法行政和廉洁从政形象 造成国有资产或者财政收入流失 导致群众投诉和信访 削弱制度的约束力
滋生权力寻租和腐败""")

# countermeasure parts, by kind: institution, separation, disclosure, supervision,
# technology, education
NORMS = words("审查要点 办理规程 裁量基准 受理清单 工作细则 核查标准 操作指引")
RULES = words("""逐项对照勾选并留存记录 承办人按清单签字确认 未列入清单的事项不得作为办理依据
每年评估修订一次 在办事大厅和网站同步公布 办理标准和时限逐项列明 偏离标准的须书面说明理由
报厅法制机构备案审查""")
MECHANISMS = words("""首问负责和限时办结 集体研究和会议纪要存档 承办、审核、签发三级审核
一次性告知和服务承诺 重大事项报告和备案审查 回避制度和责任追究""")
#: pairs of posts kept apart (分权制衡), by the class of step a risk sits on
SPLITS: dict[str, tuple[tuple[str, str], ...]] = {
    cls: pairs
    for classes, pairs in (
        (("accept", "amend", "reject"), (("受理", "审查"), ("窗口受理", "业务审核"))),
        (
            ("review", "decide", "outcome"),
            (("审查", "决定"), ("承办", "签发"), ("现场核查", "审核")),
        ),
        (
            ("file", "investigate", "review_case", "inform", "hearing", "penalize"),
            (("调查", "审核"), ("案件调查", "听证主持"), ("调查", "决定")),
        ),
        (("deliver",), (("承办", "复核"), ("承办", "送达"))),
        (("declare", "assess", "collect", "audit"), (("核定", "征收"), ("征收", "稽查"))),
        (
            ("plan", "inspect", "conclude", "handle"),
            (("检查方案制定", "现场检查"), ("检查", "处理")),
        ),
        (("coerce", "release"), (("审批", "实施"), ("财物保管", "案件承办"))),
    )
    for cls in classes
}
SPLIT_RULES = words("""同一人员不得兼任 相互制约、互相监督 关键岗位定期轮岗交流
重大事项须两人以上共同办理""")
DISCLOSED = words("{o}办理条件、程序和时限 {o}办理结果 {a}的依据和标准 处理决定书全文 {o}裁量基准")
DISCLOSURE_EXTRA = words("""，接受社会监督 并公布监督举报电话 ，同时抄送驻厅纪检组
，设置意见箱收集反馈""")
FREQ = words("每月 每季度 按比例 不定期")
CHECKS = words("抽查 复核 回访当事人核实")
CHECKED = words("{o}办理案卷 {a}记录 已办结事项")
FOLLOW = words("""发现问题的严肃追究责任 对违规办理的约谈承办人 检查结果纳入年度目标考核
问题线索移送纪检部门""")
FEATURES = words("""超时限自动预警 全程留痕、可追溯 关键节点自动亮黄牌
人工修改数据须说明理由并留痕 办理进度向当事人实时公开""")
EDUCATORS = words("机关党委 驻厅纪检组 人事处")
LESSONS = words("每年 每半年 定期 结合典型案例")
TOPICS = words("廉洁从政教育 廉政风险警示教育 业务规范和执法纪律培训")
LESSON_EXTRA = ("", "，关键岗位人员签订廉洁承诺书", "，新任人员上岗前必须参加", "，并纳入年度考核")
