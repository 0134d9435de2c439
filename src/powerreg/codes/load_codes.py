# ruff: noqa: E501  (message templates: one sentence a line reads best)
"""E codes: a registry that does not load (SPEC §3), with their templates.

Each entry keyed by a code carries its severity and title; ``CODE.variant`` entries are
the other messages of the same code. Parameters named in braces are filled in when the
message is shown (see :func:`powerreg.codes.render`).
"""

from __future__ import annotations

from typing import Any

LOAD: dict[str, dict[str, Any]] = {
    # ---------------------------------------------------------------- E001 syntax
    "E001": {
        "severity": "error",
        "title": {
            "en": "not readable as YAML (syntax error), or not UTF-8",
            "zh": "无法按 YAML 读取（语法错误），或不是 UTF-8 编码",
        },
        "en": "YAML syntax: {detail}",
        "zh": "YAML 语法错误：{detail}",
    },
    "E001.not_utf8": {
        "en": "byte 0x{byte} is not UTF-8; save the file as UTF-8",
        "zh": "字节 0x{byte} 不是 UTF-8 编码：请将文件另存为 UTF-8",
    },
    "E001.complex_key": {
        "en": "a mapping key must be a plain value, not a mapping or list",
        "zh": "映射的键必须是普通值，不能是映射或列表",
    },
    "E001.duplicate_key": {
        "en": "duplicate key '{key}' (first on line {first}); keep only one",
        "zh": "键 {key} 重复（首次出现在第 {first} 行）：只保留一个",
    },
    "E001.tab": {
        "en": "a tab indents this line; YAML indents with spaces only: replace the tab with spaces",
        "zh": "本行用制表符（Tab）缩进；YAML 只能用空格缩进：请把制表符换成空格",
    },
    "E001.fullwidth_space": {
        "en": "a full-width space (U+3000) indents this line; YAML indents with ASCII spaces: replace it",
        "zh": "本行用全角空格缩进；YAML 只能用半角空格缩进：请改为半角空格",
    },
    "E001.fullwidth_colon": {
        "en": "'{key}' is followed by a full-width colon '：'; a key ends with an ASCII colon and a space ('{key}: ')",
        "zh": "{key} 后面是全角冒号“：”；键后面应是半角冒号加空格（“{key}: ”）",
    },
    "E001.colon_space": {
        "en": "no space after the colon of '{key}:'; write '{key}: ' with a space before the value",
        "zh": "“{key}:”的冒号后缺少空格：请写成“{key}: ”，冒号和值之间加一个空格",
    },
    "E001.indent": {
        "en": "this line is indented more than the key above it (line {above}); line it up with that key, or move it under a key that has no value on its own line",
        "zh": "本行比上面的键（第 {above} 行）缩进得多：请与该键对齐，或放到一个本行没有值的键下面",
    },
    "E001.second_document": {
        "en": "a second YAML document ('---'); a file holds exactly one",
        "zh": "出现第二个 YAML 文档（'---'）：一个文件只能有一个文档",
    },
    # ---------------------------------------------------------------- E002 schema
    "E002": {
        "severity": "error",
        "title": {
            "en": "schema: missing/unknown field, wrong type, unknown enum value, bad id",
            "zh": "结构错误：缺少或未知字段、类型不对、取值不在可选范围、编号不合规",
        },
        "en": "'{field}': {detail}",
        "zh": "{field}：{detail}",
    },
    "E002.not_mapping": {
        "en": "the file must hold a mapping of fields (key: value), not {kind}",
        "zh": "文件应为字段映射（键: 值），而不是{kind}",
    },
    "E002.unknown_field": {
        "en": "unknown field '{field}'; did you mean '{close}'?",
        "zh": "未知字段 {field}：是否应为 {close}？",
    },
    "E002.unknown_field_list": {
        "en": "unknown field '{field}'; known fields: {known}",
        "zh": "未知字段 {field}：可用字段为 {known}",
    },
    "E002.missing": {
        "en": "missing required field '{field}'; add it",
        "zh": "缺少必填字段 {field}：请补上",
    },
    "E002.enum": {
        "en": "unknown {field} '{value}'; use one of {accepted}",
        "zh": "{field} 的取值 {value} 不在可选范围：请使用 {accepted}",
    },
    "E002.enum_close": {
        "en": "unknown {field} '{value}'; did you mean '{close}'? (one of {accepted})",
        "zh": "{field} 的取值 {value} 不在可选范围：是否应为 {close}？（可选：{accepted}）",
    },
    "E002.at": {
        "en": "risk point 'at' '{value}' must be '<flowchart id>/<step id>', e.g. F1/S3",
        "zh": "风险点的 at 值 {value} 应写成“流程图编号/步骤编号”，如 F1/S3",
    },
    "E002.bad_id": {
        "en": "bad id '{value}' in '{field}': an id is letters, digits and '-', starts with a letter or digit, at most 64 characters",
        "zh": "{field} 中的编号 {value} 不合规：编号由字母、数字和“-”组成，以字母或数字开头，不超过 64 个字符",
    },
    "E002.empty": {
        "en": "'{field}' is empty; write the text or remove the field if optional",
        "zh": "{field} 为空：请填写内容，选填字段可删除",
    },
    "E002.not_int": {
        "en": "'{field}' must be a whole number, not {kind}",
        "zh": "{field} 应为整数，而不是{kind}",
    },
    "E002.too_small": {
        "en": "'{field}' must be {bound} or more, not {value}",
        "zh": "{field} 应不小于 {bound}，而不是 {value}",
    },
    "E002.too_large": {
        "en": "'{field}' must be {bound} or less, not {value}",
        "zh": "{field} 应不大于 {bound}，而不是 {value}",
    },
    "E002.not_text": {
        "en": "'{field}' must be text, not {kind}; quote it if needed",
        "zh": "{field} 应为文本，而不是{kind}：必要时加引号",
    },
    "E002.not_list": {
        "en": "'{field}' must be a list, not {kind}",
        "zh": "{field} 应为列表，而不是{kind}",
    },
    "E002.not_map": {
        "en": "'{field}' must be a mapping, not {kind}",
        "zh": "{field} 应为映射（键: 值），而不是{kind}",
    },
    "E002.too_few": {
        "en": "'{field}' needs at least {n} item(s)",
        "zh": "{field} 至少需要 {n} 项",
    },
    "E002.too_long": {
        "en": "'{field}' holds {n} characters, more than the {max} it may hold; shorten it",
        "zh": "{field} 有 {n} 个字符，超过上限 {max} 个：请精简",
    },
    "E002.limit_text": {
        "en": "'{field}': time limit '{value}' is not a number of working days, nor text such as '20 个工作日', '30 日' or '3 个月'",
        "zh": "{field}：时限“{value}”既不是工作日数，也不是“20 个工作日”“30 日”“3 个月”这样的写法",
    },
    "E002.limit_too_long": {
        "en": "'{field}': a time limit of {limit} is more than {max}; check the amount and its unit",
        "zh": "{field}：时限 {limit} 超过上限 {max}：请核对数量和单位",
    },
    "E002.transition_form": {
        "en": "transition '{value}' is not of the form 'S1 -> S2'",
        "zh": "流转 {value} 应写成“S1 -> S2”的形式",
    },
    "E002.not_bool": {
        "en": "'{field}' must be true or false, not {kind}",
        "zh": "{field} 应为 true 或 false，而不是{kind}",
    },
    "E002.not_literal": {
        "en": "'{field}' must be {expected}, not {value}",
        "zh": "{field} 应为 {expected}，而不是 {value}",
    },
    "E002.literal_quoted": {
        "en": "'{field}' must be the number {expected}, not the text '{expected}'; write it without quotes",
        "zh": "{field} 应为数字 {expected}，而不是文字 '{expected}'：请去掉引号",
    },
    "E002.long_number": {
        "en": "the number '{value}' has {n} characters, more than a number may have ({max}); check the value",
        "zh": "数字 {value} 有 {n} 位，超过数字允许的最大长度（{max} 位）：请核对取值",
    },
    "E002.rollup_absolute": {
        "en": "path '{path}' is absolute; write it relative to the folder that holds rollup.yaml (e.g. members/sepd)",
        "zh": "路径 {path} 是绝对路径：请写成相对于 rollup.yaml 所在目录的路径（如 members/sepd）",
    },
    "E002.rollup_outside": {
        "en": "path '{path}' leads outside the roll-up's folder; keep every member registry inside the folder that holds rollup.yaml",
        "zh": "路径 {path} 指向汇总目录之外：各成员清单都应放在 rollup.yaml 所在目录之内",
    },
    "E002.catalog_row": {
        "en": "catalog row of {entity}: {field}: {detail}",
        "zh": "目录中 {entity} 的记录：{field}：{detail}",
    },
    "E002.catalog_null": {
        "en": "table {table}, row {row}: column {column} is empty (NULL); it needs a value",
        "zh": "表 {table} 的记录 {row}：{column} 列为空（NULL），该列必须有值",
    },
    "E002.catalog_type": {
        "en": "table {table}, row {row}: column {column} must be {want}, not {kind}",
        "zh": "表 {table} 的记录 {row}：{column} 列应为{want}，而不是{kind}",
    },
    "E002.catalog_duplicate": {
        "en": "table {table}: {column} {row} is shared by {n} rows; it must be unique",
        "zh": "表 {table}：{column} 为 {row} 的记录有 {n} 条，该值必须唯一",
    },
    "E002.catalog_orphan": {
        "en": "table {table}, row {row}: column {column} refers to {kind}, which the catalog does not hold",
        "zh": "表 {table} 的记录 {row}：{column} 列引用的{kind}在目录中不存在",
    },
    "E002.catalog_step": {
        "en": "table {table}, row {row}: column {column} refers to {kind}, which is not a step of this {scope} in the catalog",
        "zh": "表 {table} 的记录 {row}：{column} 列引用的{kind}不是目录中本{scope}的步骤",
    },
    "E002.catalog_json": {
        "en": "table {table}, row {row}: column {column} is not JSON ({error})",
        "zh": "表 {table} 的记录 {row}：{column} 列不是有效的 JSON（{error}）",
    },
    "E002.catalog_json_list": {
        "en": "table {table}, row {row}: column {column} must be a JSON list, not {kind}",
        "zh": "表 {table} 的记录 {row}：{column} 列应为 JSON 列表，而不是{kind}",
    },
    "E002.no_sheet": {
        "en": "no sheet '{sheet}' in the workbook (its sheets: {sheets}); add it as export-workbook writes it",
        "zh": "工作簿中没有工作表“{sheet}”（现有工作表：{sheets}）：请按 export-workbook 导出的样式补上",
    },
    "E002.no_layout": {
        "en": "no sheet is a 一览表 nor is the book one export-workbook writes (sheets: {sheets}): a 一览表 has a header row with 事项名称 and 风险点 among its first rows; a structured book has the sheets 清单信息 and 权力事项",
        "zh": "没有一张工作表是一览表，也不是 export-workbook 导出的工作簿（工作表：{sheets}）：一览表的前几行中有含“事项名称”和“风险点”的表头；结构化工作簿有“清单信息”和“权力事项”两张表",
    },
    "E002.column_twice": {
        "en": "column '{header}' appears twice (also column {other}); keep one",
        "zh": "列“{header}”重复（另见第 {other} 列）：只保留一列",
    },
    "E002.no_header": {
        "en": "the value '{value}' is in a column without a heading; give the column a heading or remove the value",
        "zh": "值“{value}”所在的列没有表头：请给该列加上表头，或删除该值",
    },
    "E002.cell_error": {
        "en": "the cell holds the error {error}, not a value; correct the formula or type the value",
        "zh": "单元格中是错误值 {error}，而不是取值：请改正公式，或直接填写取值",
    },
    "E002.cell_formula": {
        "en": "the cell holds a formula with no computed value ({formula}); open and save the book in Excel or LibreOffice so it is calculated, or type the value",
        "zh": "单元格中的公式（{formula}）没有计算结果：请用 Excel 或 LibreOffice 打开并保存工作簿，使其得到计算，或直接填写取值",
    },
    "E002.book_meta": {
        "en": "the workbook does not say its {what}: write it in the title row above the header (e.g. '示例市环境保护局2011年廉政风险点及防控措施一览表'), or give {option}",
        "zh": "工作簿未写明{what}：请写在表头上方的标题行中（如“示例市环境保护局2011年廉政风险点及防控措施一览表”），或用 {option} 指定",
    },
    # ---------------------------------------------------------------- E003 duplicates
    "E003": {
        "severity": "error",
        "title": {"en": "duplicate id in its scope", "zh": "编号在其范围内重复"},
        "en": "duplicate {what} id '{id}'; ids must be unique",
        "zh": "{what}编号 {id} 重复：编号必须唯一",
    },
    "E003.first": {
        "en": "duplicate {what} id '{id}' (the first is on line {first}); ids must be unique",
        "zh": "{what}编号 {id} 重复（第一个在第 {first} 行）：编号必须唯一",
    },
    "E003.first_cell": {
        "en": "duplicate {what} id '{id}' (the first is at {first}); ids must be unique",
        "zh": "{what}编号 {id} 重复（第一个在 {first}）：编号必须唯一",
    },
    "E003.category": {
        "en": "duplicate category code '{id}'",
        "zh": "职权类别代码 {id} 重复",
    },
    "E003.risk_is_chart": {
        "en": "risk point id '{id}' is also a flowchart id of this power; both would be {gid}: give the risk point another id (e.g. R1)",
        "zh": "风险点编号 {id} 与本事项的流程图编号相同，二者都将是 {gid}：请给风险点另取编号（如 R1）",
    },
    "E003.case": {
        "en": "id '{id}' differs from '{other}' only in case: their files, pages and charts would be one file on a disk that ignores case (Windows, macOS); rename one",
        "zh": "编号 {id} 与 {other} 仅大小写不同：在不区分大小写的磁盘（Windows、macOS）上，二者的文件、网页和流程图会成为同一个文件；请改名其一",
    },
    "E003.power_twice": {
        "en": "power '{id}' is also declared in {other}; each power has one file",
        "zh": "事项 {id} 也在 {other} 中声明：每个事项只有一个文件",
    },
    "E003.department": {
        "en": "department id '{id}' is also on line {first}; give each department its own id",
        "zh": "部门编号 {id} 与第 {first} 行重复：每个部门使用各自的编号",
    },
    "E003.department_path": {
        "en": "path '{path}' is also the path of department {other} (line {first}); each department has its own registry",
        "zh": "路径 {path} 与部门 {other}（第 {first} 行）相同：每个部门应有各自的清单",
    },
    "E003.unit": {
        "en": "'{id}' is declared twice among the units and posts of registry.yaml; each unit and each post of the department has one entry",
        "zh": "{id} 在 registry.yaml 的机构和岗位中声明了两次：每个机构、每个厅级岗位只声明一次",
    },
    "E003.post": {
        "en": "post '{id}' is declared twice in unit {unit}",
        "zh": "机构 {unit} 的岗位 {id} 声明了两次",
    },
    "E003.transition_twice": {
        "en": "flowchart {chart} has two transitions {source} -> {target}; the catalog keys transitions by (flowchart, source, target): merge them (one 'when') or remove one",
        "zh": "流程图 {chart} 有两条 {source} -> {target} 的流转；目录按（流程图, 起点, 终点）存储流转：请合并（一个 when）或删除一条",
    },
    "E003.row_twice": {
        "en": "{what} '{id}' is also on row {other}; each {what} has one row",
        "zh": "{what} {id} 已在第 {other} 行出现：每个{what}只占一行",
    },
    # ---------------------------------------------------------------- E004 references
    "E004": {
        "severity": "error",
        "title": {
            "en": "dangling reference: category, transition endpoint, risk point `at`, unit or post",
            "zh": "引用不存在：职权类别、流转端点、风险点位置、机构或岗位",
        },
        "en": "transition {end} '{step}' is not a step of flowchart {chart} (steps: {steps})",
        "zh": "流转{end} {step} 不是流程图 {chart} 的步骤（步骤：{steps}）",
    },
    "E004.category": {
        "en": "category '{category}' is not declared in registry.yaml (categories: {categories})",
        "zh": "职权类别 {category} 未在 registry.yaml 中声明（已声明：{categories}）",
    },
    "E004.category_close": {
        "en": "category '{category}' is not declared in registry.yaml (categories: {categories}); did you mean '{close}'?",
        "zh": "职权类别 {category} 未在 registry.yaml 中声明（已声明：{categories}）：是否应为 {close}？",
    },
    "E004.unit": {
        "en": "{field} names '{part}', which is neither a unit nor a post declared in registry.yaml (units: {units}); use a declared name or declare it under units (or posts)",
        "zh": "{field} 中的 {part} 不是 registry.yaml 中声明的机构或岗位（机构：{units}）：请使用已声明的名称，或在 units（或 posts）中声明",
    },
    "E004.unit_close": {
        "en": "{field} names '{part}', which is neither a unit nor a post declared in registry.yaml (units: {units}); did you mean '{close}'?",
        "zh": "{field} 中的 {part} 不是 registry.yaml 中声明的机构或岗位（机构：{units}）：是否应为 {close}？",
    },
    "E004.post": {
        "en": "{field} names '{part}', but {unit} has no post '{post}' in registry.yaml (posts: {posts}); use one of its posts or declare it",
        "zh": "{field} 中的 {part}：registry.yaml 中 {unit} 没有岗位 {post}（岗位：{posts}）：请使用其已声明的岗位，或予以声明",
    },
    "E004.post_close": {
        "en": "{field} names '{part}', but {unit} has no post '{post}' in registry.yaml (posts: {posts}); did you mean '{close}'?",
        "zh": "{field} 中的 {part}：registry.yaml 中 {unit} 没有岗位 {post}（岗位：{posts}）：是否应为 {close}？",
    },
    "E004.at_chart": {
        "en": "risk point {risk} is at flowchart '{chart}', which this power does not have (flowcharts: {charts})",
        "zh": "风险点 {risk} 位于流程图 {chart}，但本事项没有该流程图（流程图：{charts}）",
    },
    "E004.at_step": {
        "en": "risk point {risk} is at step '{step}', which is not a step of flowchart {chart} (steps: {steps})",
        "zh": "风险点 {risk} 位于步骤 {step}，但它不是流程图 {chart} 的步骤（步骤：{steps}）",
    },
    "E004.row_parent": {
        "en": "{header} '{id}' is not on sheet {sheet}; add it there or correct it here",
        "zh": "{header} {id} 不在工作表“{sheet}”中：请在该表中补上，或改正此处",
    },
    "E004.step_label": {
        "en": "step '{step}' is not a step of power '{name}' on sheet 流程环节 (steps: {steps}); write one of them, or add the step there",
        "zh": "环节“{step}”不是事项“{name}”在工作表“流程环节”中的环节（环节：{steps}）：请改为其中之一，或在该表中补上",
    },
    # ---------------------------------------------------------------- E005 file names
    "E005": {
        "severity": "error",
        "title": {"en": "file stem differs from the power id", "zh": "文件名与事项编号不一致"},
        "en": "file stem '{stem}' differs from the power id '{id}'; rename the file to '{id}.yaml' or set id: {stem}",
        "zh": "文件名 {stem} 与事项编号 {id} 不一致：请将文件改名为 {id}.yaml，或将 id 改为 {stem}",
    },
    "E005.key": {
        "en": "power is filed as '{key}' but its id is '{id}'",
        "zh": "事项登记在 {key} 下，但其编号为 {id}",
    },
    # ---------------------------------------------------------------- E006 refused YAML
    "E006": {
        "severity": "error",
        "title": {
            "en": "YAML anchor, alias or tag (refused)",
            "zh": "YAML 锚点、别名或标签（不予接受）",
        },
        "en": "YAML {construct} '{name}' is refused: write the value out in full (a registry is data, not a program)",
        "zh": "不接受 YAML {construct} {name}：请把取值完整写出（清单是数据，不是程序）",
    },
    # ---------------------------------------------------------------- E007 files
    "E007": {
        "severity": "error",
        "title": {
            "en": "file over the size limit, unreadable, or no registry.yaml / powers/",
            "zh": "文件超过大小上限、无法读取，或缺少 registry.yaml / powers/",
        },
        "en": "cannot read the file: {reason}",
        "zh": "无法读取该文件：{reason}",
    },
    "E007.not_dir": {
        "en": "'{root}' is not a registry directory; give a directory holding registry.yaml and powers/",
        "zh": "{root} 不是清单目录：请指定包含 registry.yaml 和 powers/ 的目录",
    },
    "E007.too_big": {
        "en": "file is {size} bytes, over the limit of {limit}; split it, or raise the limit (load(..., max_bytes=N))",
        "zh": "文件有 {size} 字节，超过上限 {limit}：请拆分，或提高上限（load(..., max_bytes=N)）",
    },
    "E007.too_big_read": {
        "en": "file holds more than the limit of {limit} bytes; split it, or raise the limit (load(..., max_bytes=N))",
        "zh": "文件超过上限 {limit} 字节：请拆分，或提高上限（load(..., max_bytes=N)）",
    },
    "E007.not_regular": {
        "en": "it is {kind}, not a regular file; a registry holds regular files only: put the YAML file itself here",
        "zh": "此处是{kind}，不是普通文件：清单只收普通文件，请将 YAML 文件本身放在此处",
    },
    "E007.outside": {
        "en": "it is a link to '{target}', outside the registry, which is not read; a registry's files stay inside its directory: copy the file in",
        "zh": "此处是指向清单目录之外的链接（{target}），不予读取：清单的文件都应在其目录之内，请将文件复制进来",
    },
    "E007.denied": {
        "en": "cannot read the file: permission denied; give the user who runs powerreg permission to read it",
        "zh": "无权读取该文件：请授予运行 powerreg 的用户读取权限",
    },
    "E007.gone": {
        "en": "cannot read the file: no such file (a link to nothing, or removed while loading)",
        "zh": "无法读取该文件：文件不存在（链接指向的文件不存在，或在读取期间被删除）",
    },
    "E007.powers_not_dir": {
        "en": "powers in '{root}' is not a directory; make it a directory with one file per power (powers/XK-001.yaml)",
        "zh": "{root} 中的 powers 不是目录：请改为目录，每个事项一个文件（powers/XK-001.yaml）",
    },
    "E007.dir_denied": {
        "en": "cannot list the directory: permission denied; give the user who runs powerreg permission to read it",
        "zh": "无权读取该目录：请授予运行 powerreg 的用户读取权限",
    },
    "E007.dir_unreadable": {
        "en": "cannot list the directory: {reason}",
        "zh": "无法读取该目录：{reason}",
    },
    "E007.nested_rollup": {
        "en": "'{root}' is a roll-up itself (it holds rollup.yaml), not a registry: a roll-up's members are registries; list its departments in this rollup.yaml instead",
        "zh": "{root} 本身是一个汇总（含 rollup.yaml），不是清单：汇总的成员应为清单，请将其中各部门直接列入本 rollup.yaml",
    },
    "E007.no_registry": {
        "en": "no registry.yaml in '{root}'; every registry has one (id, department, year, source, categories)",
        "zh": "{root} 中没有 registry.yaml：每个清单都需要它（id、department、year、source、categories）",
    },
    "E007.no_powers": {
        "en": "no powers/ directory in '{root}'; put one file per power there (powers/XK-001.yaml)",
        "zh": "{root} 中没有 powers/ 目录：请在其中为每个事项建一个文件（powers/XK-001.yaml）",
    },
    # ---------------------------------------------------------------- E008 files not read
    "E008": {
        "severity": "error",
        "title": {
            "en": "a file or folder in powers/ that is never read",
            "zh": "powers/ 中有不会被读取的文件或文件夹",
        },
        "en": "not a power file: only powers/*.yaml are read; move it out of powers/",
        "zh": "不是事项文件：只读取 powers/*.yaml，请将它移出 powers/",
    },
    "E008.suffix": {
        "en": "a power file must end in .yaml, so this one is never read; rename it '{name}'",
        "zh": "事项文件须以 .yaml 结尾，本文件不会被读取：请改名为 {name}",
    },
    "E008.folder": {
        "en": "a folder inside powers/ is never read; put its power files directly in powers/",
        "zh": "powers/ 中的子文件夹不会被读取：请将其中的事项文件直接放在 powers/ 下",
    },
}

#: How a value of the wrong type is named in E002 messages (``{kind}``).
KINDS: dict[str, dict[str, str]] = {
    "none": {"en": "nothing (an empty value)", "zh": "空值"},
    "mapping": {"en": "a mapping", "zh": "映射"},
    "list": {"en": "a list", "zh": "列表"},
    "bool": {"en": "the boolean {value}", "zh": "布尔值 {value}"},
    "number": {"en": "the number {value}", "zh": "数字 {value}"},
    "text": {"en": "the text '{value}'", "zh": "文本“{value}”"},
    "blob": {"en": "a blob of {value} bytes", "zh": "{value} 字节的二进制数据"},
}

#: What a catalog column holds (``{want}`` of E002.catalog_type).
COLUMN_TYPES: dict[str, dict[str, str]] = {
    "int": {"en": "a whole number", "zh": "整数"},
    "str": {"en": "text", "zh": "文本"},
}

#: Whose step a catalog row must refer to (``{scope}`` of E002.catalog_step).
SCOPES: dict[str, dict[str, str]] = {
    "power": {"en": "power", "zh": "事项"},
    "flowchart": {"en": "flowchart", "zh": "流程图"},
}

#: What is at a path that is not a regular file (``{kind}`` of E007.not_regular); the
#: English one is also the reason of :class:`powerreg.readfile.NotRegularFile`.
FILE_KINDS: dict[str, dict[str, str]] = {
    "directory": {"en": "a directory", "zh": "目录"},
    "fifo": {"en": "a FIFO (named pipe)", "zh": "命名管道（FIFO）"},
    "char_device": {"en": "a character device", "zh": "字符设备"},
    "block_device": {"en": "a block device", "zh": "块设备"},
    "socket": {"en": "a socket", "zh": "套接字"},
    "other": {"en": "an unknown kind of file", "zh": "未知类型的文件"},
}

#: What a duplicate id belongs to (``{what}`` of E003).
WHATS: dict[str, dict[str, str]] = {
    "flowchart": {"en": "flowchart", "zh": "流程图"},
    "risk point": {"en": "risk point", "zh": "风险点"},
    "step": {"en": "step", "zh": "步骤"},
    "countermeasure": {"en": "countermeasure", "zh": "防范措施"},
}
