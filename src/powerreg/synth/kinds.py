"""What the powers of each category of the reference registry look like: their objects
and names, divisions, laws, chart shapes and the duties and accountability they carry.
"""

from __future__ import annotations

from typing import NamedTuple

from .charts import (
    Shape,
    amendment,
    coercion,
    complaint,
    hearing,
    inspection,
    levy,
    licensing,
    other,
    penalty,
    release,
    review,
)
from .phrases import words

#: The categories of the reference registry (its ``registry.yaml``), in display order.
CATEGORIES: tuple[tuple[str, str, str], ...] = (
    ("XK", "行政许可", "Administrative licensing"),
    ("SP", "非行政许可审批", "Non-licensing administrative approval"),
    ("CF", "行政处罚", "Administrative penalty"),
    ("QZ", "行政强制", "Administrative coercion"),
    ("ZS", "行政征收", "Administrative levy"),
    ("JC", "行政检查", "Administrative inspection"),
    ("QT", "其他行政权力", "Other administrative powers"),
)
#: Powers per category in the reference registry (84 in all): the proportions generated.
REFERENCE_COUNTS: dict[str, int] = {
    "XK": 16,
    "SP": 13,
    "CF": 26,
    "QZ": 3,
    "ZS": 3,
    "JC": 7,
    "QT": 16,
}


def _objects(text: str) -> tuple[tuple[str, str, str], ...]:
    """``zh|short|English`` lines: what a power is about, its short form (the full one
    if empty) and its English name.

    Examples:
        >>> _objects("排污费||pollutant discharge fees")
        (('排污费', '排污费', 'pollutant discharge fees'),)
    """
    rows = (line.strip().split("|") for line in text.strip().splitlines())
    return tuple((zh, short or zh, en) for zh, short, en in rows)


class Kind(NamedTuple):
    """What the powers of one category look like."""

    objects: tuple[tuple[str, str, str], ...]  # what a power is about: zh, short, English
    forms: tuple[tuple[str, str], ...]  # names: ("{o}审批", "Approval of the {o}"); {O}: Capital
    divisions: tuple[str, ...]
    laws: tuple[str, ...]  # laws every power of the category cites
    applicants: tuple[str, ...]
    shapes: tuple[Shape, Shape, Shape]  # of the first, second and third chart
    titles: tuple[str, str, str]  # {n}: the power's name, {s}: its short object
    statutory: float  # share of powers with a statutory limit besides the promised one
    fee: str
    duties: tuple[str, ...]  # responsibilities ({o}: the short object)
    blame: tuple[str, ...]  # accountability
    describe: str  # description ({o}: the object)


KINDS: dict[str, Kind] = {
    "XK": Kind(
        _objects("""
建设项目环境影响报告书||environmental impact report of a construction project
建设项目环境影响报告表||environmental impact report form of a construction project
排污许可证||pollutant discharge permit
危险废物经营许可证||hazardous waste operation licence
辐射安全许可证||radiation safety licence
放射性同位素转让||transfer of radioactive isotopes
危险废物跨省转移||inter-provincial transfer of hazardous waste
废弃电器电子产品处理资格||qualification for treating waste electrical and electronic products
自然保护区内科学研究活动||scientific research in a nature reserve
入河排污口设置||setting of a discharge outlet into a river"""),
        (
            ("{o}审批", "Approval of the {o}"),
            ("{o}核准", "Ratification of the {o}"),
            ("{o}变更审批", "Approval of changes to the {o}"),
        ),
        words("环境影响评价处 污染防治处 核与辐射安全管理处 自然生态保护处 固体废物管理处"),
        ("《中华人民共和国行政许可法》",),
        words("建设单位 申请单位 申请人 企业"),
        (licensing, amendment, amendment),
        ("{n}流程", "{n}变更流程", "{n}延续流程"),
        0.9,
        "不收费",
        words("""受理责任：公开{o}申请条件和材料目录，依法受理或者一次性告知补正
审查责任：审查申请材料，组织现场核查、技术评估或者专家评审
决定责任：作出准予或者不予许可的决定，不予许可的说明理由
事后监管责任：对被许可人履行许可条件的情况实施监督检查"""),
        words("""对符合法定条件的{o}申请不予受理或者不在法定期限内作出决定的
对不符合法定条件的申请违法准予许可的 在审批中索取、收受申请人财物的 泄露申请人商业秘密的"""),
        "对申请人提出的{o}申请依法审查，作出准予或者不予许可的决定，并对被许可人实施监督检查。",
    ),
    "SP": Kind(
        _objects("""
建设项目试生产||trial production of a construction project
突发环境事件应急预案||emergency plan for environmental incidents
清洁生产审核报告||cleaner production audit report
有毒化学品进出口环境管理登记||environmental registration of toxic chemical imports and exports
重点污染源自动监控设施||automatic monitoring facilities of key pollution sources
建设项目环境监理方案||environmental supervision plan of a construction project
环境监测机构资质||qualification of an environmental monitoring body"""),
        (
            ("{o}审查", "Review of the {o}"),
            ("{o}备案", "Filing of the {o}"),
            ("{o}预审", "Pre-review of the {o}"),
        ),
        words("环境影响评价处 污染防治处 科技标准处 环境应急处 总量控制处"),
        (),
        words("建设单位 申请单位 企业"),
        (licensing, amendment, amendment),
        ("{n}流程", "{n}变更流程", "{n}补充审查流程"),
        0.3,
        "不收费",
        words("""受理责任：公开办理条件、材料目录和时限，依法受理或者一次性告知补正
审查责任：审查{o}材料并组织现场核查 决定责任：作出同意或者不同意的书面意见，不同意的说明理由
事后监管责任：督促申请人落实审查意见"""),
        words("""对不符合条件的{o}出具同意意见的 对符合条件的申请无正当理由拖延办理的
现场核查弄虚作假的 索取、收受申请人财物的"""),
        "对申请人报送的{o}进行审查，出具同意或者不同意的书面意见，并督促落实。",
    ),
    "CF": Kind(
        _objects("""
未依法报批环境影响评价文件擅自开工建设|未批先建|starting construction without an approved EIA
超过排放标准排放水污染物|超标排放水污染物|discharging water pollutants above the standards
超过排放标准排放大气污染物|超标排放大气污染物|discharging air pollutants above the standards
不正常使用污染防治设施|不正常使用治污设施|abnormal use of pollution-control facilities
通过暗管、渗井排放污染物|暗管偷排|discharging pollutants through hidden pipes or seepage wells
拒报或者谎报排污申报登记事项|谎报排污申报|refusing or falsifying discharge declarations
拒绝环境保护部门现场检查|拒绝现场检查|refusing on-site inspection by the environmental authority
非法转移、倾倒危险废物|非法转移危险废物|illegal transfer or dumping of hazardous waste
环境保护设施未经验收即投入生产|未验先投|production before acceptance of environmental facilities
擅自拆除或者闲置污染防治设施|擅自拆除闲置治污设施|removing or idling pollution-control facilities
无排污许可证排放污染物|无证排污|discharging pollutants without a permit
逾期未缴纳排污费|欠缴排污费|failure to pay pollutant discharge fees on time
篡改、伪造自动监测数据|篡改监测数据|tampering with automatic monitoring data
在饮用水水源保护区内设置排污口|水源地设排污口|an outlet in a water source protection zone
"""),
        (("对{o}的行政处罚", "Penalty for {o}"),),
        words("环境监察局 省环境监察总队 政策法规处"),
        ("《中华人民共和国行政处罚法》", "《环境行政处罚办法》"),
        ("",),
        (penalty, hearing, hearing),
        ("{s}行政处罚一般程序流程", "{s}处罚听证程序流程", "{s}重大处罚听证流程"),
        0.0,
        "不收费",
        words("""立案责任：对发现的{o}线索及时核实，符合条件的依法立案
调查责任：两名以上执法人员全面、客观收集证据
审查决定责任：审查证据和法律适用，告知当事人陈述申辩和听证权利
执行责任：送达处罚决定并督促履行，依法申请强制执行"""),
        words("""对符合立案条件的{o}案件不予立案、拖延查处的
违反法定程序实施处罚或者擅自改变处罚幅度的 徇私舞弊、包庇纵容违法行为的
在查处过程中索取、收受当事人财物的"""),
        "对{o}的违法行为，依法责令改正，并处以罚款等行政处罚。",
    ),
    "QZ": Kind(
        _objects("""
查封、扣押造成污染物排放的设施设备|查封扣押|sealing and seizing facilities that discharge pollutants
责令停止排污|停止排污|order to stop discharging pollutants
代为处置危险废物|代为处置|disposal of hazardous waste on the obligor's behalf
加处罚款|加处罚款|additional fines for late payment"""),
        (("{o}", "{O}"),),
        words("环境监察局 省环境监察总队"),
        ("《中华人民共和国行政强制法》",),
        ("",),
        (coercion, release, release),
        ("{n}流程", "解除{s}流程", "{s}期限延长流程"),
        0.0,
        "不收费",
        words("""审批责任：实施前向负责人报告并经批准
实施责任：两名以上执法人员实施，制作现场笔录和清单 处理责任：在法定期限内查明事实并作出处理决定
解除责任：对应当解除的及时解除并返还财物"""),
        words("""超范围、超期限实施{o}的 未经批准擅自实施的 使用、损毁或者调换查封扣押财物的
对应当解除的不予解除的"""),
        "对违法排放污染物、造成或者可能造成严重污染的，依法实施{o}，并在法定期限内作出处理决定。",
    ),
    "ZS": Kind(
        _objects("""
排污费||pollutant discharge fees
污水排污费||sewage discharge fees
废气排污费||waste-gas discharge fees
固体废物及危险废物排污费||solid and hazardous waste discharge fees
噪声超标排污费||fees for noise above the standards"""),
        (("{o}征收", "Collection of {o}"), ("{o}核定征收", "Assessment and collection of {o}")),
        words("环境监察局 省环境监察总队 规划财务处"),
        ("《排污费征收使用管理条例》",),
        words("排污者 排污单位"),
        (levy, review, review),
        ("{n}流程", "{s}核定复核流程", "{s}减缴缓缴审核流程"),
        0.0,
        "按国家规定的征收标准计征，全额缴入国库",
        words("""申报审核责任：审核排污者申报的排放种类、数量
核定责任：结合监督性监测数据核定并书面通知排污者
征收责任：按标准计算{o}额，公告并送达缴纳通知单 稽查责任：开展征收稽查，依法办理复核申请"""),
        words("""不按规定标准核定、计征{o}的 擅自减免或者搞协议收费的 截留、挪用征收款项的
对复核申请不依法办理的"""),
        "依据排污者申报并经核定的排放种类、数量，按国家标准计征{o}，督促按期缴纳并开展稽查。",
    ),
    "JC": Kind(
        _objects("""
排污单位||pollutant-discharging units
建设项目环境保护设施||environmental facilities of construction projects
自然保护区||nature reserves
危险废物经营单位||hazardous waste operators
核技术利用单位||users of nuclear technology
饮用水水源保护区||drinking-water source protection zones
重点污染源自动监控设施||automatic monitoring facilities of key pollution sources"""),
        (
            ("{o}现场监督检查", "On-site supervisory inspection of {o}"),
            ("{o}专项执法检查", "Special enforcement inspection of {o}"),
        ),
        words("省环境监察总队 环境监察局 自然生态保护处 核与辐射安全管理处"),
        ("《环境监察办法》",),
        ("",),
        (inspection, complaint, complaint),
        ("{n}流程", "{s}举报投诉核查流程", "{s}专项检查流程"),
        0.0,
        "不收费",
        words("""计划责任：制定并执行年度检查计划，随机确定检查对象
检查责任：两人以上出示执法证件，如实制作检查笔录 处理责任：对发现的违法行为责令改正或者移送立案
反馈责任：核查举报投诉并按时反馈举报人"""),
        words("""泄露检查计划或者通风报信的 对发现的违法行为不制止、不查处的
在检查中索取、收受被检查单位财物的 对举报投诉不核查、不反馈的"""),
        "对{o}的环境保护法律法规执行情况进行现场监督检查，并核查群众举报投诉。",
    ),
    "QT": Kind(
        _objects("""
污染物排放种类、数量核定|排污核定|assessment of the kinds and quantities of pollutants discharged
限期治理决定|限期治理|decisions on treatment within a time limit
环境污染纠纷调解处理|污染纠纷|mediation of environmental pollution disputes
环境保护先进集体和个人表彰奖励|表彰奖励|awards for outstanding environmental work
环境违法行为举报奖励|举报奖励|rewards for reporting environmental violations
生态示范区验收确认|生态示范区|acceptance of ecological demonstration zones
环境保护专项资金项目审核|专项资金|review of projects for special environmental funds
重大环境违法案件挂牌督办|挂牌督办|listed supervision of major environmental violations"""),
        (("{o}", "{O}"),),
        words("污染防治处 总量控制处 政策法规处 宣传教育中心 自然生态保护处"),
        (),
        words("申请人 推荐单位 当事人"),
        (other, review, review),
        ("{n}流程", "{s}复核流程", "{s}复查流程"),
        0.2,
        "不收费",
        words("""受理责任：公开{o}的条件、程序和时限
审核责任：审核申报材料，必要时现场核查或者组织评审 决定责任：集体审定并作出决定
公开责任：公开结果并接受监督"""),
        words("""对不符合条件的{o}事项违规认定的 不按规定程序办理的 索取、收受当事人财物的
应当公开而不公开的"""),
        "依法办理{o}事项，审核后作出决定并公开结果。",
    ),
}
