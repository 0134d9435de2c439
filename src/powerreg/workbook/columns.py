"""The structured workbook, written once as data: its sheets, their columns, Chinese
headers and descriptions.

The writer (:mod:`.write`), the reader (:mod:`.read`) and the 说明 sheet that describes
every column all take them from here. A field added to the models is one
:class:`Column` line below; a test fails while a field of the models has no column.

Each sheet holds one kind of entity, one row each: a power's row names the power, a step's
row names its power and flowchart (the sheet's ``keys``) and then the step's own fields.
清单信息 is the exception: one row per field of ``registry.yaml`` (项目, 内容).

Examples:
    >>> [s.name for s in SHEETS]  # doctest: +NORMALIZE_WHITESPACE
    ['清单信息', '职权类别', '机构', '权力事项', '流程图', '流程环节', '流转', '风险点',
     '防控措施']
    >>> [c.header for c in SHEET["流转"].all_columns]
    ['事项编号', '流程图编号', '起点环节', '终点环节', '分支条件']
    >>> SHEET["风险点"].column("level").header
    '风险等级'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import BaseModel

from ..model import (
    Category,
    Countermeasure,
    Disclosure,
    Flowchart,
    Power,
    RegistryMeta,
    RiskPoint,
    Step,
    Transition,
    Unit,
    field_label,
)
from .codecs import (
    BOOL,
    DAYS,
    INT,
    LEVEL,
    LIMIT,
    LINES,
    MATRIX,
    MEASURE_KIND,
    RISK_TYPE,
    STAGE,
    STEP_KIND,
    TEXT,
    UNIT_KIND,
    Codec,
)


@dataclass(frozen=True)
class Column:
    """One column: the field it holds, its Chinese header, how its cells read and what
    it holds (for the 说明 sheet).

    ``field`` is the key in the entity's data as YAML writes it (``from`` for a
    transition's source; ``disclosure.public`` for a field of a nested model); ``attr``
    the attribute of the model, where it differs.
    """

    field: str
    header: str
    about: str
    codec: Codec = TEXT
    attr: str | None = None
    #: widest the column is drawn, in characters (long prose wraps)
    max_width: int = 40
    #: headers of books written before the header became the field's label, still read
    others: tuple[str, ...] = ()

    @property
    def path(self) -> tuple[str, ...]:
        """The attribute path of the value in the model (``("disclosure", "public")``)."""
        return tuple((self.attr or self.field).split("."))

    @property
    def headers(self) -> tuple[str, ...]:
        """Every header read as this column: its own, then the former ones."""
        return (self.header, *self.others)


#: The models of the nested fields a sheet's columns reach into.
_NESTED: dict[tuple[type[BaseModel], str], type[BaseModel]] = {(Power, "disclosure"): Disclosure}


def label(model: type[BaseModel], path: str) -> str:
    """The Chinese label of a field of ``model`` (``disclosure.public`` reaches into the
    nested model): the one name of the field (:func:`powerreg.model.field_label`).

    Examples:
        >>> label(Power, "id"), label(Power, "disclosure.public")
        ('事项编号', '是否公开')
    """
    head, _, rest = path.partition(".")
    if rest:
        return label(_NESTED[(model, head)], rest)
    return field_label(model, head)


def own(model: type[BaseModel]) -> Callable[..., Column]:
    """A maker of ``model``'s own columns, each headed by its field's label: a column is
    ``own(Power)("fee", "收费依据及标准，或 不收费（选填）", max_width=50)``."""

    def column(
        field: str,
        about: str,
        codec: Codec = TEXT,
        *,
        attr: str | None = None,
        max_width: int = 40,
        others: tuple[str, ...] = (),
    ) -> Column:
        return Column(field, label(model, attr or field), about, codec, attr, max_width, others)

    return column


@dataclass(frozen=True)
class Sheet:
    """One sheet: the kind of entity in its rows, the ids of the entity it belongs to
    (``keys``) and its own columns."""

    name: str
    about: str
    model: type[BaseModel]
    columns: tuple[Column, ...]
    keys: tuple[Column, ...] = ()
    #: one row per field (项目, 内容) rather than one row per entity
    vertical: bool = False
    #: the model's fields that hold other sheets' rows, not cells
    nested: tuple[str, ...] = field(default=())

    @property
    def all_columns(self) -> tuple[Column, ...]:
        """The keys, then the entity's own columns: the sheet's columns in order."""
        return self.keys + self.columns

    def column(self, name: str) -> Column:
        """The column of a field; ``KeyError`` if the sheet has none."""
        for c in self.all_columns:
            if c.field == name:
                return c
        raise KeyError(name)

    def required(self, column: Column) -> bool:
        """Whether a value must be given (a key, or a required field of the model)."""
        if column in self.keys:
            return True
        info = self.model.model_fields.get(column.path[0])
        return info is not None and info.is_required() and len(column.path) == 1


_registrymeta = own(RegistryMeta)
_category = own(Category)
_unit = own(Unit)
_power = own(Power)
_flowchart = own(Flowchart)
_step = own(Step)
_transition = own(Transition)
_riskpoint = own(RiskPoint)
_countermeasure = own(Countermeasure)

_POWER = Column("power", field_label(Power, "id"), "所属权力事项的编号，见“权力事项”表")
_CHART = Column("flowchart", field_label(Flowchart, "id"), "所属流程图的编号，见“流程图”表")
_RISK = Column("risk_point", field_label(RiskPoint, "id"), "所属风险点的编号，见“风险点”表")

REGISTRY = Sheet(
    "清单信息",
    "清单本身：一行一项，写明部门、年度、来源等",
    RegistryMeta,
    (
        _registrymeta("id", "清单的编号，如 liaoning-epd-2011（字母、数字和 -）"),
        _registrymeta("department", "行使权力的部门，如 辽宁省环境保护厅", others=("部门",)),
        _registrymeta("department_en", "部门的英文名称（选填）"),
        _registrymeta("year", "清单的年度，如 2011", INT),
        _registrymeta("source", "清单所依据的文件", max_width=60, others=("来源",)),
        _registrymeta("license", "公开数据的许可协议（选填）"),
        _registrymeta("schema_version", "清单格式的版本，现为 1", INT),
        _registrymeta("risk_matrix", "按可能性和影响程度评定风险等级（选填）", MATRIX),
        _registrymeta("posts", "部门本身的岗位（厅长、分管厅领导等），一行一个（选填）", LINES),
    ),
    vertical=True,
    nested=("categories", "units", "powers"),
)

CATEGORIES = Sheet(
    "职权类别",
    "职权类别，按显示顺序排列",
    Category,
    (
        _category("code", "类别代码，如 XK（字母、数字和 -）"),
        _category("name", "类别名称，如 行政许可"),
        _category("name_en", "类别的英文名称（选填）"),
    ),
)

UNITS = Sheet(
    "机构",
    "部门的机构（处室、直属单位、派驻机构、议事机构）及其岗位；声明后，承办岗位、承办机构和责任主体"
    "须使用这里的名称（选填）",
    Unit,
    (
        _unit("name", "机构名称，如 政策法规处"),
        _unit("name_en", "机构的英文名称（选填）"),
        _unit("kind", "处室、直属单位、派驻机构或议事机构", UNIT_KIND),
        _unit("posts", "机构的岗位，一行一个，如 处长（写作“政策法规处处长”）", LINES),
    ),
)

POWERS = Sheet(
    "权力事项",
    "权力清单：每项行政权力一行",
    Power,
    (
        _power("id", "事项编号，如 XK-001（字母、数字和 -）"),
        _power("category", "职权类别的代码，见“职权类别”表"),
        _power("name", "事项名称"),
        _power("name_en", "事项名称的英文译名（选填）"),
        _power("legal_basis", "设定依据，一行一条", LINES, max_width=60),
        _power("subject", "实施主体"),
        _power("division", "承办机构（承办处室）"),
        _power("statutory_limit", "法定时限（选填）", LIMIT),
        _power("promised_limit", "承诺时限（选填）", LIMIT),
        _power("fee", "收费依据及标准，或 不收费（选填）", max_width=50),
        _power("description", "事项说明（选填）", max_width=60),
        _power("responsibilities", "承办机构的责任事项，一行一条", LINES, max_width=60),
        _power("accountability", "追究责任的情形，一行一条", LINES, max_width=60),
        _power("reason", "本版调整的理由，如延长承诺时限时（选填）", max_width=50),
        _power("disclosure.public", "是否在外网公开（空白为公开）", BOOL, others=("外网公开",)),
        _power(
            "disclosure.reason",
            "不予公开的法律依据（不予公开时必填）",
            max_width=50,
            others=("不予公开理由",),
        ),
    ),
    nested=("flowcharts", "risk_points"),
)

FLOWCHARTS = Sheet(
    "流程图",
    "权力运行流程图：每张一行",
    Flowchart,
    (
        _flowchart("id", "流程图编号，在本事项内唯一，如 F1"),
        _flowchart("title", "流程图名称，如 审批流程", others=("流程图名称",)),
    ),
    keys=(_POWER,),
    nested=("steps", "transitions"),
)

STEPS = Sheet(
    "流程环节",
    "流程图的环节（步骤）：每个一行，按流程图中的顺序",
    Step,
    (
        _step("id", "环节编号，在本流程图内唯一，如 S3"),
        _step("kind", "开始、办理、判断（有分支）或结束", STEP_KIND),
        _step("label", "环节名称，如 受理"),
        _step("role", "承办岗位（选填）"),
        _step("days", "本环节的时限，工作日数（选填）", DAYS, others=("时限（工作日）",)),
        _step(
            "pauses_clock",
            "本环节所用时间不计入时限（补正、听证、专家评审等；空白为否）",
            BOOL,
        ),
        _step(
            "no_risk_reason",
            "判断环节不设廉政风险点的理由（选填）",
            max_width=50,
            others=("无风险点理由",),
        ),
    ),
    keys=(_POWER, _CHART),
)

TRANSITIONS = Sheet(
    "流转",
    "环节之间的流转：每条一行",
    Transition,
    (
        _transition("from", "从哪个环节（环节编号）", attr="source"),
        _transition("to", "到哪个环节（环节编号）", attr="target"),
        _transition("when", "判断环节的分支条件，如 符合条件（选填）", others=("条件",)),
    ),
    keys=(_POWER, _CHART),
)

RISK_POINTS = Sheet(
    "风险点",
    "廉政风险点：每个一行",
    RiskPoint,
    (
        _riskpoint("id", "风险点编号，在本事项内唯一，如 R1"),
        _riskpoint("at", "风险点所在的环节：流程图编号/环节编号，如 F1/S3"),
        _riskpoint("level", "高、中、低（也可写 一级、二级、三级）", LEVEL),
        _riskpoint("type", "风险的来源", RISK_TYPE),
        _riskpoint("description", "风险点及其表现形式", max_width=60),
        _riskpoint(
            "likelihood", "发生的可能性，1（低）至 3（高）（选填）", INT, others=("可能性",)
        ),
        _riskpoint("impact", "造成的影响，1（低）至 3（高）（选填）", INT),
        _riskpoint("reason", "本版调整风险等级的理由，如降低等级时（选填）", max_width=50),
    ),
    keys=(_POWER,),
    nested=("countermeasures",),
)

COUNTERMEASURES = Sheet(
    "防控措施",
    "防控措施：每条一行",
    Countermeasure,
    (
        _countermeasure("id", "措施编号，在本风险点内唯一，如 M1"),
        _countermeasure("kind", "措施的类别", MEASURE_KIND),
        _countermeasure("stage", "事前、事中或事后", STAGE, others=("实施阶段",)),
        _countermeasure("description", "措施内容", max_width=60, others=("措施内容",)),
        _countermeasure("responsible", "负责落实的岗位或人员（选填）", others=("责任人",)),
    ),
    keys=(_POWER, _RISK),
)

#: The sheets of the structured workbook, in the book's order.
SHEETS: tuple[Sheet, ...] = (
    REGISTRY,
    CATEGORIES,
    UNITS,
    POWERS,
    FLOWCHARTS,
    STEPS,
    TRANSITIONS,
    RISK_POINTS,
    COUNTERMEASURES,
)
SHEET: dict[str, Sheet] = {s.name: s for s in SHEETS}

#: The header row of 清单信息, one row per field below it.
VERTICAL_HEADERS = ("项目", "内容")

#: The sheet that shows the registry as departments keep it (written, never read back
#: from a structured book) and the sheet that describes every column.
OVERVIEW = "一览表"
README = "说明"


# ------------------------------------------------------------------ the flat 一览表


@dataclass(frozen=True)
class FlatColumn:
    """A column of a flat 一览表: what it holds (``role``), the header the export writes
    and the other headers departments give it. Headers match after full-width
    characters, spaces and a note in parentheses are left out (``风险等级（高/中/低）``)."""

    role: str
    header: str
    others: tuple[str, ...] = ()
    about: str = ""

    @property
    def headers(self) -> tuple[str, ...]:
        """Every header read as this column."""
        return (self.header, *self.others)


#: The columns of the 一览表: the export writes those with an ``about``, in this order;
#: the flat reader finds any of them, in any order, and passes over the rest (序号,
#: 备注, 责任领导 …).
FLAT_COLUMNS: tuple[FlatColumn, ...] = (
    FlatColumn("number", "序号", about="序号"),
    FlatColumn(
        "category",
        "权力类别",
        ("职权类别", "权力类型", "职权类型", "事项类别", "事项类型"),
        "职权类别的名称，如 行政许可",
    ),
    FlatColumn(
        "id",
        "事项编号",
        ("权力编码", "权力编号", "事项编码", "权力事项编码", "编码"),
        "事项编号，如 XK-001",
    ),
    FlatColumn(
        "name",
        "事项名称",
        (
            "权力事项",
            "权力名称",
            "职权名称",
            "权力事项名称",
            "行政权力事项",
            "行政权力名称",
            "事项",
        ),
        "事项名称",
    ),
    FlatColumn(
        "division",
        "责任部门",
        (
            *("承办机构", "责任科室", "承办科室", "承办处室", "责任处室", "单位/科室", "科室"),
            *("处室", "责任单位", "承办部门"),
        ),
        "承办机构（责任部门）",
    ),
    FlatColumn("subject", "实施主体", ("行使主体",)),
    FlatColumn("legal_basis", "设定依据", ("法律依据", "实施依据", "设定依据/实施依据", "依据")),
    FlatColumn("statutory_limit", "法定时限"),
    FlatColumn("promised_limit", "承诺时限"),
    FlatColumn("fee", "收费依据及标准", ("收费标准", "收费依据")),
    FlatColumn(
        "step",
        "所在环节",
        ("风险环节", "环节", "流程环节", "环节名称", "办理环节"),
        "风险点所在的流程环节",
    ),
    FlatColumn(
        "risk",
        "风险点",
        ("廉政风险点", "风险点描述", "风险点名称", "风险内容", "风险描述"),
        "廉政风险点",
    ),
    FlatColumn("manifestation", "主要表现形式", ("表现形式", "风险表现")),
    FlatColumn("level", "风险等级", ("风险级别", "等级"), "风险等级：高、中、低"),
    FlatColumn("type", "风险类别", ("风险类型",), "风险类别"),
    FlatColumn("likelihood", "可能性", ("发生可能性",)),
    FlatColumn("impact", "影响程度", ("影响",)),
    FlatColumn(
        "measures",
        "防控措施",
        ("防范措施", "防控措施内容", "风险防控措施", "廉政风险防控措施", "措施", "防范措施内容"),
        "防控措施，编号列出：1.……；2.……",
    ),
    FlatColumn(
        "before", "前期预防措施", ("前期预防", "事前防范", "事前预防", "事前防范措施", "事前")
    ),
    FlatColumn("during", "中期监控措施", ("中期监控", "事中监控", "事中监控措施", "事中")),
    FlatColumn("after", "后期处置措施", ("后期处置", "事后处置", "事后处置措施", "事后")),
    FlatColumn("responsible", "责任人", ("责任岗位",)),
)
FLAT_COLUMN: dict[str, FlatColumn] = {c.role: c for c in FLAT_COLUMNS}

#: The columns of a flat 流程环节 sheet (steps in order, one a row, per power and chart).
FLAT_STEP_COLUMNS: tuple[FlatColumn, ...] = (
    FLAT_COLUMN["id"],
    FLAT_COLUMN["name"],
    FlatColumn("chart", "流程图名称", ("流程图", "流程名称")),
    FlatColumn("label", "环节名称", ("环节", "流程环节", "办理环节", "步骤")),
    FlatColumn("kind", "环节类型", ("类型",)),
    FlatColumn("role", "承办岗位", ("岗位", "责任岗位", "承办人")),
    FlatColumn("days", "时限（工作日）", ("时限", "办理时限", "工作日")),
)
