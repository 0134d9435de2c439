"""The catalog in Chinese: the title and description of every table, view and column.

:func:`powerreg.catalog.tables.descriptions` puts this Chinese before the English of
:mod:`.tables`, so the catalog's ``_metadata`` table and its Datasette metadata speak both
languages; a test requires a Chinese description for every column of every table, view
and search index, so a column added without one fails it.

Examples:
    >>> TABLES_ZH["powers"][0], TABLES_ZH["powers"][2]["promised_limit"]
    ('权力事项', '承诺时限：数量')
"""

from __future__ import annotations

_INTERNAL = {
    "position": "顺序：在同级中的位置，从 0 起（内部列）",
    "source_file": "源文件：相对清单根目录的路径（内部列）",
    "source_line": "源文件行号：这一条目在源文件中开始的行（内部列）",
    "source_column": "源文件列号：该行中的列（内部列）",
}

#: The Chinese of every table and view: its title, its description, and each column's
#: description (a short label, a colon, a phrase).
TABLES_ZH: dict[str, tuple[str, str, dict[str, str]]] = {
    "registry": (
        "清单信息",
        "清单本身：一行，写明部门、年度和清单所依据的文件",
        {
            "id": "清单编号：如 liaoning-epd-2011",
            "schema_version": "格式版本：清单源文件的格式版本",
            "department": "部门名称：行使这些权力的部门",
            "department_en": "部门英文名称：部门的英文名称",
            "year": "年度：这一版清单的年份",
            "source": "来源文件：清单所依据的文件",
            "license": "许可协议：公开数据的许可",
            "risk_matrix": "风险矩阵：按发生可能性（行）和影响程度（列）给出的风险等级，JSON 列表",
            "posts": "部门岗位：部门本身的岗位（厅长、分管厅领导…），JSON 列表",
        },
    ),
    "categories": (
        "职权类别",
        "权力事项的类别，按显示顺序，如 XK 行政许可",
        {
            "code": "类别代码：如 XK",
            "name": "类别名称：如 行政许可",
            "name_en": "英文名称：类别的英文名称",
            "position": "显示顺序：从 0 起",
        },
    ),
    "powers": (
        "权力事项",
        "权力清单：部门行使的每一项行政权力一行",
        {
            "id": "事项编号：如 XK-001（即 powers/XK-001.yaml）",
            "category": "职权类别：类别代码",
            "name": "事项名称：对外公布的名称",
            "name_en": "英文名称：事项名称的英文译名",
            "legal_basis": "设定依据：法律条款，JSON 列表",
            "subject": "实施主体：行使这一权力的机关",
            "division": "承办机构：具体承办的处室或单位",
            "statutory_limit": "法定时限：数量",
            "statutory_unit": "法定时限单位：working_days 工作日、days 日、months 个月",
            "promised_limit": "承诺时限：数量",
            "promised_unit": "承诺时限单位：同法定时限单位",
            "fee": "收费依据及标准：或 不收费",
            "description": "事项说明：对这一权力的说明",
            "responsibilities": "责任事项：承办机构对什么负责，JSON 列表",
            "accountability": "追责情形：在哪些情形下追究责任，JSON 列表",
            "public": "是否公开：1 在外网公开，0 不公开",
            "disclosure_reason": "不予公开的理由：不公开时的法律理由",
            "reason": "调整理由：本版为何改动这一事项",
            **_INTERNAL,
        },
    ),
    "flowcharts": (
        "权力运行流程图",
        "每项权力的一张或多张权力运行流程图",
        {
            "id": "流程图编号：如 XK-001/F1",
            "power_id": "权力事项：流程图所属的事项",
            "local_id": "事项内编号：如 F1",
            "title": "流程图标题：如 审批流程",
            **_INTERNAL,
        },
    ),
    "steps": (
        "流程环节",
        "流程图的各个环节，含办理岗位和时限",
        {
            "id": "环节编号：如 XK-001/F1/S3",
            "flowchart_id": "流程图：环节所属的流程图",
            "local_id": "流程图内编号：如 S3",
            "kind": "环节类型：start 开始、task 办理、decision 判断、end 结束",
            "label": "环节名称：这一环节做什么",
            "role": "承办岗位：在这一环节办理的机构或岗位",
            "days": "办理时限：工作日数",
            "pauses_clock": "暂停计时：1 表示这一环节的时间不计入时限"
            "（补正、专家评审、听证、公示）",
            "no_risk_reason": "不设风险点的理由：判断环节为何不设廉政风险点",
            **_INTERNAL,
        },
    ),
    "transitions": (
        "流转",
        "流程图内从一个环节到另一个环节；判断环节的分支带条件",
        {
            "flowchart_id": "流程图：流转所在的流程图",
            "source": "起点环节：流转从哪一环节出发",
            "target": "终点环节：流转进入哪一环节",
            "condition": "分支条件：判断环节的这一分支在什么情况下走",
            "position": _INTERNAL["position"],
        },
    ),
    "risk_points": (
        "廉政风险点",
        "可能滥用裁量、拖延、受贿或漏查的地方；每个风险点位于一张流程图的一个环节",
        {
            "id": "风险点编号：如 XK-001/R2",
            "power_id": "权力事项：风险点所属的事项",
            "step_id": "所在环节：风险点位于哪一环节",
            "local_id": "事项内编号：如 R2",
            "level": "风险等级：high 高、medium 中、low 低",
            "type": "风险类别：ethics 思想道德、duty 岗位职责、process 业务流程、institution "
            "制度机制、external 外部环境",
            "description": "风险点描述：可能发生的滥用职权、拖延、受贿或漏查",
            "likelihood": "发生可能性：1（低）至 3（高）",
            "impact": "影响程度：1（低）至 3（高）",
            "reason": "调整理由：本版为何这样定级",
            **_INTERNAL,
        },
    ),
    "countermeasures": (
        "防范措施",
        "每个风险点的防范措施：制度、分权、公开、监督、科技（电子监察）和教育，分事前、事中、事后",
        {
            "id": "措施编号：如 XK-001/R2/M1",
            "risk_point_id": "风险点：措施所防控的风险点",
            "local_id": "风险点内编号：如 M1",
            "kind": "措施类别：institution 制度、separation 分权、disclosure 公开、supervision "
            "监督、technology 科技、education 教育",
            "stage": "防控阶段：before 事前、during 事中、after 事后",
            "description": "防范措施：措施的内容",
            "responsible": "责任主体：负责落实措施的机构或岗位",
            **_INTERNAL,
        },
    ),
    "units": (
        "机构",
        "部门的机构：内设处室、直属单位、派驻机构和议事机构及其岗位；未声明机构时为空",
        {
            "name": "机构名称：如 政策法规处",
            "name_en": "英文名称：机构的英文名称",
            "kind": "机构类别：division 处室、affiliated 直属单位、dispatched 派驻机构、"
            "body 议事机构",
            "posts": "岗位：机构内的岗位，JSON 列表",
            "position": _INTERNAL["position"],
        },
    ),
    "_metadata": (
        "目录元数据",
        "本目录自身的元数据：标题、来源、许可，以及每个表、视图和列的说明",
        {
            "table_name": "表名：所说明的表或视图，空为整个目录",
            "column_name": "列名：所说明的列，空为表本身",
            "key": "键：值的含义，如 title、source、license、description",
            "value": "值",
        },
    ),
    "risk_coverage": (
        "风险点防控覆盖",
        "每个风险点一行：所属事项、等级和类别，有几条防范措施，覆盖哪些措施类别和防控阶段",
        {
            "id": "风险点编号",
            "power_id": "事项编号",
            "power_name": "事项名称",
            "category": "职权类别",
            "step_id": "所在环节",
            "level": "风险等级：high 高、medium 中、low 低",
            "type": "风险类别",
            "description": "风险点描述",
            "measures": "措施条数：防范措施的条数",
            "kinds": "措施类别：已有的措施类别，逗号分隔",
            "stages": "防控阶段：已覆盖的阶段，逗号分隔",
            "supervised": "有监督：有监督或科技措施为 1",
        },
    ),
    "power_overview": (
        "权力事项概览",
        "每项权力一行：类别，流程图、环节、各等级风险点和防范措施的数量",
        {
            "id": "事项编号",
            "category": "职权类别：类别代码",
            "category_name": "类别名称",
            "name": "事项名称",
            "flowcharts": "流程图张数",
            "steps": "环节数：所有流程图的环节",
            "risk_points": "风险点数",
            "high": "高风险点数",
            "medium": "中风险点数",
            "low": "低风险点数",
            "countermeasures": "防范措施条数",
            "statutory_limit": "法定时限：数量",
            "statutory_unit": "法定时限单位",
            "promised_limit": "承诺时限：数量",
            "promised_unit": "承诺时限单位",
            "public": "是否公开：1 公开，0 不公开",
        },
    ),
}


#: The Chinese of a search index (``{table}`` is the table it indexes).
INDEX_ZH: tuple[str, str, dict[str, str]] = (
    "检索索引：{table}",
    "全文检索索引（FTS5）：被索引文本中的词，以及 1 至 4 个汉字的连续片段；供搜索框和 "
    "powerreg.search 使用",
    {"grams": "检索词：被索引文本的词和汉字片段"},
)
