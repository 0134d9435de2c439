# ruff: noqa: E501  (message templates: one sentence a line reads best)
"""What powerreg says when it refuses a command: usage and I/O errors, with templates.

A :class:`~powerreg.errors.UsageError` carries a key of this table and its parameters,
and is rendered in Chinese or English only when shown (:func:`powerreg.codes.render_usage`),
as the E, A, M and D codes are: ``--lang zh`` gives a Chinese screen for a refusal too.
Keys are ``area.what`` (``atomic.not_ours``, ``catalog.not_sqlite``); ``fix.*`` and
``part.*`` are pieces other messages take as parameters (:func:`powerreg.codes.phrase`).
The English text of a key is the message the error has always had, so what a program
matched keeps matching. Parameters are data, each shown on one line
(:func:`powerreg.codes.shown`); an operating system's reason (``strerror``) is shown as
the system gave it.
"""

from __future__ import annotations


def _t(en: str, zh: str) -> dict[str, str]:
    return {"en": en, "zh": zh}


USAGE: dict[str, dict[str, str]] = {
    # ------------------------------------------------------------ the audit's policy file
    "part.audit_policy": _t("policy", "审计策略"),
    "part.audit_policy_not_mapping": _t(
        "a policy file holds a mapping of severities, min_high_measures and promise_ratio",
        "审计策略文件应为映射，含 severities、min_high_measures 和 promise_ratio",
    ),
    "part.policy_key_unknown": _t(
        "unknown key; a policy's keys are {keys}", "未知的键；审计策略的键有 {keys}"
    ),
    "part.policy_key_close": _t(
        "unknown key; a policy's keys are {keys} (did you mean '{close}'?)",
        "未知的键；审计策略的键有 {keys}（是否应为 '{close}'？）",
    ),
    "part.policy_key_is_rule": _t(
        "unknown key; a policy's keys are {keys} (a rule's severity goes under severities, e.g. 'severities: {{{key}: off}}')",
        "未知的键；审计策略的键有 {keys}（规则的严重程度应写在 severities 下，如 'severities: {{{key}: off}}'）",
    ),
    "part.policy_unknown_rules": _t(
        "unknown rule(s) {codes}; rules are {rules}", "未知的规则 {codes}；规则有 {rules}"
    ),
    "part.promise_ratio_not_number": _t(
        "promise_ratio {value} is not a number or fraction", "promise_ratio {value} 不是数字或分数"
    ),
    "part.promise_ratio_range": _t(
        "promise_ratio must be above 0 and at most 1", "promise_ratio 应大于 0 且不大于 1"
    ),
    # ------------------------------------------------------------ files read
    "file.unreadable": _t("cannot read '{path}': {reason}", "无法读取 '{path}'：{reason}"),
    "part.no_such_file": _t("no such file", "文件不存在"),
    "part.permission_denied": _t("permission denied", "无权读取"),
    "part.os_reason": _t("{reason}", "{reason}"),
    "part.not_regular": _t("it is {kind}, not a regular file", "此处是{kind}，不是普通文件"),
    "part.too_big": _t(
        "file is {size} bytes, over the limit of {limit}", "文件有 {size} 字节，超过上限 {limit}"
    ),
    "part.over_limit": _t(
        "file holds more than the limit of {limit} bytes", "文件超过上限 {limit} 字节"
    ),
    # ------------------------------------------------------------ workbooks read
    "part.book_is": _t(
        "the workbook is {size} bytes, over the limit of {limit}; split it, or raise the limit (--max-bytes, or read_workbook(..., max_bytes=N))",
        "工作簿有 {size} 字节，超过上限 {limit}：请拆分，或提高上限（--max-bytes，或 read_workbook(..., max_bytes=N)）",
    ),
    "part.book_unpacks_to": _t(
        "the workbook unpacks to {size} bytes, over the limit of {limit}; split it, or raise the limit (--max-bytes, or read_workbook(..., max_bytes=N))",
        "工作簿解压后有 {size} 字节，超过上限 {limit}：请拆分，或提高上限（--max-bytes，或 read_workbook(..., max_bytes=N)）",
    ),
    "part.book_over": _t(
        "the workbook holds more than the limit of {limit} bytes; split it, or raise the limit (--max-bytes, or read_workbook(..., max_bytes=N))",
        "工作簿超过上限 {limit} 字节：请拆分，或提高上限（--max-bytes，或 read_workbook(..., max_bytes=N)）",
    ),
    "part.book_encrypted": _t(
        "the workbook is encrypted with a password; open it in Excel or WPS, remove the password (文件 → 信息 → 保护工作簿 → 用密码进行加密, leave it empty) and save it again",
        "工作簿设有密码：请在 Excel 或 WPS 中打开，去掉密码（文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码）后重新保存",
    ),
    "part.book_xls": _t(
        "it is an Excel 97–2003 (.xls) or WPS (.et) workbook, not .xlsx; open it in Excel or WPS and save it as .xlsx (另存为 → Excel 工作簿 *.xlsx)",
        "这是 Excel 97–2003（.xls）或 WPS（.et）工作簿，不是 .xlsx；请在 Excel 或 WPS 中打开，另存为 .xlsx（另存为 → Excel 工作簿 *.xlsx）",
    ),
    "part.book_not_xlsx": _t(
        "it is not an Excel workbook (.xlsx) but {what}; open it in Excel or WPS and save it as .xlsx (另存为 → Excel 工作簿 *.xlsx)",
        "这不是 Excel 工作簿（.xlsx），而是{what}；请在 Excel 或 WPS 中打开，另存为 .xlsx（另存为 → Excel 工作簿 *.xlsx）",
    ),
    "part.book_damaged": _t(
        "the workbook is damaged ({reason}); open it in Excel or WPS and save it as .xlsx (另存为 → Excel 工作簿 *.xlsx) again",
        "工作簿已损坏（{reason}）；请在 Excel 或 WPS 中打开，重新另存为 .xlsx（另存为 → Excel 工作簿 *.xlsx）",
    ),
    "part.book_sheet_damaged": _t(
        "sheet {sheet} is damaged ({reason}); open it in Excel or WPS and save it as .xlsx (另存为 → Excel 工作簿 *.xlsx) again",
        "工作表 {sheet} 已损坏（{reason}）；请在 Excel 或 WPS 中打开，重新另存为 .xlsx（另存为 → Excel 工作簿 *.xlsx）",
    ),
    "part.book_ods": _t("an OpenDocument spreadsheet (.ods)", "OpenDocument 电子表格（.ods）"),
    "part.book_word": _t("a Word document", "Word 文档"),
    "part.book_zip": _t("a zip archive of something else", "其他内容的 zip 压缩包"),
    "part.book_empty": _t("an empty file", "空文件"),
    "part.book_html": _t("a web page (HTML)", "网页（HTML）"),
    "part.book_pdf": _t("a PDF document", "PDF 文档"),
    "part.book_other": _t("a file of another kind", "其他类型的文件"),
    "part.book_text": _t("text (CSV?)", "文本（CSV？）"),
    # ------------------------------------------------------------ outputs (atomic)
    "atomic.not_utf8": _t(
        "'{path}' is not a name in UTF-8, which the outputs record (markers, catalogs, pages); give the output a name in UTF-8: {fix}",
        "'{path}' 不是 UTF-8 名称，而输出要记录名称（标记文件、目录数据库、网页）；请给输出取 UTF-8 名称：{fix}",
    ),
    "atomic.inside_source": _t(
        "'{path}' is inside the registry being read ('{source}'); refusing to write there: {fix}",
        "'{path}' 位于正在读取的清单（'{source}'）之内，不在那里写入：{fix}",
    ),
    "atomic.holds_source": _t(
        "'{path}' holds the registry being read ('{source}'); refusing to replace it: {fix}",
        "'{path}' 包含正在读取的清单（'{source}'），不予替换：{fix}",
    ),
    "atomic.no_parent": _t(
        "cannot write '{path}': directory '{parent}' does not exist; create it",
        "无法写入 '{path}'：目录 '{parent}' 不存在，请先创建",
    ),
    "atomic.part_not_dir": _t(
        "cannot write '{path}': a part of the path is not a directory",
        "无法写入 '{path}'：路径中有一部分不是目录",
    ),
    "atomic.symlink": _t(
        "'{path}' is a symbolic link (to '{target}'); refusing to replace it: {fix}",
        "'{path}' 是符号链接（指向 '{target}'），不予替换：{fix}",
    ),
    "atomic.special_not_dir": _t(
        "'{path}' is {kind}, not a directory powerreg writes; refusing to replace it: {fix}",
        "'{path}' 是{kind}，不是 powerreg 写出的目录，不予替换：{fix}",
    ),
    "atomic.special_not_file": _t(
        "'{path}' is {kind}, not a file powerreg writes; refusing to replace it: {fix}",
        "'{path}' 是{kind}，不是 powerreg 写出的文件，不予替换：{fix}",
    ),
    "atomic.not_dir": _t(
        "'{path}' exists and is not a directory; {fix}", "'{path}' 已存在且不是目录；{fix}"
    ),
    "atomic.is_dir": _t("'{path}' is a directory; {fix}", "'{path}' 是一个目录；{fix}"),
    "atomic.not_ours": _t(
        "'{path}' {reason}; refusing to replace it: {fix}", "'{path}' {reason}，不予替换：{fix}"
    ),
    "part.char_device": _t("a character device", "字符设备"),
    "part.block_device": _t("a block device", "块设备"),
    "part.named_pipe": _t("a named pipe", "命名管道"),
    "part.socket": _t("a socket", "套接字"),
    "part.not_written_by": _t(
        "is not empty and was not written by '{command}' (it has no {marker})",
        "不是空目录，也不是由 '{command}' 写出的（其中没有 {marker}）",
    ),
    "part.unreadable": _t("cannot be read ({reason})", "无法读取（{reason}）"),
    "part.catalog": _t("catalog", "目录数据库"),
    "part.rollup_catalog": _t("roll-up catalog", "汇总目录数据库"),
    "part.not_our_sqlite": _t(
        "is not a {kind} written by powerreg ({reason})", "不是 powerreg 写出的{kind}（{reason}）"
    ),
    "part.sqlite_not_ours": _t(
        "is a SQLite database but not a {kind} written by powerreg",
        "是 SQLite 数据库，但不是 powerreg 写出的{kind}",
    ),
    "part.not_sqlite": _t("not a SQLite database", "不是 SQLite 数据库"),
    "part.not_metadata": _t(
        "is not the Datasette metadata of a catalog ({reason})",
        "不是目录数据库的 Datasette 元数据（{reason}）",
    ),
    "part.too_large": _t("too large", "文件过大"),
    "part.not_json": _t("not JSON", "不是 JSON"),
    "part.no_databases": _t("no 'databases' object", "没有 'databases' 对象"),
    # ------------------------------------------------------------ the catalog written
    "catalog.number_too_large": _t(
        "cannot write the catalog '{path}': a number in the registry is too large for SQLite ({reason})",
        "无法写入目录数据库 '{path}'：清单中有数字超出 SQLite 的范围（{reason}）",
    ),
    "catalog.cannot_write": _t(
        "cannot write the catalog '{path}': {reason}", "无法写入目录数据库 '{path}'：{reason}"
    ),
    "catalog.cannot_write_file": _t(
        "cannot write the catalog '{path}': {reason} ({file})",
        "无法写入目录数据库 '{path}'：{reason}（{file}）",
    ),
    "catalog.does_not_fit": _t(
        "the registry does not fit the catalog ({reason}); check it with 'powerreg validate'",
        "清单无法写入目录数据库（{reason}）；请用 'powerreg validate' 检查清单",
    ),
    "part.not_a_schema": _t(
        "is not a JSON Schema written by 'powerreg schema'",
        "不是由 'powerreg schema' 写出的 JSON Schema",
    ),
    # ------------------------------------------------------------ build
    "build.cannot_write": _t(
        "cannot build into '{path}': {reason}", "无法构建到 '{path}'：{reason}"
    ),
    "site.cannot_write": _t(
        "cannot write the site into '{path}': {reason}", "无法将网站写入 '{path}'：{reason}"
    ),
    # ------------------------------------------------------------ roll-ups
    "rollup.inside_member": _t(
        "'{path}' is inside the registry of department {department} ('{member}'); refusing to write there: give an output outside the member registries",
        "'{path}' 位于部门 {department} 的清单（'{member}'）之内，不在那里写入：请把输出放在各成员清单之外",
    ),
    "rollup.holds_rollup": _t(
        "'{path}' holds the roll-up being read; refusing to replace it: choose a new or empty directory",
        "'{path}' 包含正在读取的汇总，不予替换：请选择新的目录或空目录",
    ),
    "rollup.cannot_write_catalog": _t(
        "cannot write the catalog of '{path}': {reason}", "无法写入 '{path}' 的目录数据库：{reason}"
    ),
    # ------------------------------------------------------------ drawing
    "render.no_graphviz": _t(
        "graphviz is not installed: the 'dot' program is not on PATH; install graphviz and a CJK font (e.g. 'apt-get install graphviz fonts-noto-cjk'), or write DOT sources with --format dot",
        "未安装 graphviz：PATH 中没有 'dot' 程序；请安装 graphviz 和一种中日韩字体（如 'apt-get install graphviz fonts-noto-cjk'），或用 --format dot 只写出 DOT 源文件",
    ),
    "render.dot_failed": _t(
        "graphviz dot failed ({command}): {failures}; no diagram was changed",
        "graphviz dot 出错（{command}）：{failures}；没有改动任何图",
    ),
    "render.dot_silent": _t(
        "graphviz dot failed ({command}): it wrote {files} files for {graphs} graphs and said nothing (is the disk full?); no diagram was changed",
        "graphviz dot 出错（{command}）：{graphs} 张图只写出 {files} 个文件，且没有任何提示（磁盘是否已满？）；没有改动任何图",
    ),
    "render.dot_not_all": _t(
        "graphviz dot failed ({command}): some graphs were not drawn",
        "graphviz dot 出错（{command}）：有些图没有画出",
    ),
    "render.dot_cut_short": _t(
        "graphviz dot failed (dot -T{format}): its {format} of {name} is cut short and it said nothing (is the disk full?); no diagram was changed",
        "graphviz dot 出错（dot -T{format}）：{name} 的 {format} 文件不完整，且没有任何提示（磁盘是否已满？）；没有改动任何图",
    ),
    "render.unknown_format": _t(
        "unknown diagram format '{format}' (formats: {formats})",
        "未知的图格式 '{format}'（可用格式：{formats}）",
    ),
    "render.bad_name": _t(
        "diagram name '{name}' is not a relative path like 'XK-001/F1'",
        "图名 '{name}' 不是 'XK-001/F1' 这样的相对路径",
    ),
    "render.cannot_write": _t(
        "cannot write diagrams to '{path}': {reason}", "无法将图写入 '{path}'：{reason}"
    ),
    "render.stopped": _t(
        "the drawing was stopped; no diagram was changed", "绘图已中止；没有改动任何图"
    ),
    # ------------------------------------------------------------ made-up cases
    "part.not_a_log": _t(
        "is not a case log (it does not begin with a header or an event)",
        "不是案件日志（开头既不是表头，也不是事件）",
    ),
    "part.not_a_log_by_month": _t(
        "is not a case log by month (month=…/part-0.parquet)",
        "不是按月存放的案件日志（month=…/part-0.parquet）",
    ),
    "part.not_a_truth": _t(
        "is not the truth of a case log (it does not begin with its parameters)",
        "不是案件日志的真值文件（开头不是其参数）",
    ),
    "cases.rate": _t(
        "{name} must be between 0 and 1, not {rate}", "{name} 应在 0 到 1 之间，而不是 {rate}"
    ),
    "cases.n_cases": _t("n_cases must be 0 or more, not {n}", "n_cases 应不小于 0，而不是 {n}"),
    "cases.no_sound_flowchart": _t(
        "registry {registry} has no sound flowchart to generate cases on",
        "清单 {registry} 没有可用来生成案件的完好流程图",
    ),
    "cases.start_too_late": _t(
        "start {start} leaves cases no year to run in the working-day calendar ({first}–{last}); start earlier",
        "从 {start} 开始，工作日历（{first}–{last}）中留给案件办理的时间不足一年；请提前开始日期",
    ),
    # ------------------------------------------------------------ workbooks written
    "part.not_a_workbook": _t(
        "is not a workbook written by export-workbook", "不是由 export-workbook 写出的工作簿"
    ),
    "part.workbook_not_ours": _t(
        "is a workbook not written by export-workbook (it has no sheets 清单信息 and 权力事项)",
        "是工作簿，但不是由 export-workbook 写出的（没有“清单信息”和“权力事项”两张工作表）",
    ),
    "workbook.line_break": _t(
        "{entity}: an item of {field} holds a line break, and a workbook cell lists one item a line; write the item on one line",
        "{entity}：{field} 中有一项含有换行，而工作簿单元格每行列一项；请把这一项写在一行内",
    ),
    # ------------------------------------------------------------ made-up registries
    "province.too_few_departments": _t(
        "a made-up province needs 3 departments or more (to plant its overlaps), not {n}",
        "模拟的省至少需要 3 个部门（用于埋设交叉重叠），而不是 {n} 个",
    ),
    "province.too_few_powers": _t(
        "{n} powers are too few for {departments} departments: give at least {least}",
        "{n} 项行政权力不够分给 {departments} 个部门：请至少给出 {least} 项",
    ),
    "province.no_high_risk": _t(
        "no department has a high risk point: give more powers",
        "没有一个部门有高风险点：请给出更多行政权力",
    ),
    "part.not_written_by_synth": _t(
        "is not empty and was not written by 'powerreg synth --departments'",
        "不是空目录，也不是由 'powerreg synth --departments' 写出的",
    ),
    "part.not_a_registry_dir": _t(
        "is not empty and is not a registry directory (it holds {names})",
        "不是空目录，也不是清单目录（其中有 {names}）",
    ),
    "synth_files.bad_id": _t(
        "power id {id} is not an id, so it cannot name a file",
        "行政权力编号 {id} 不是合法编号，不能用作文件名",
    ),
    # ------------------------------------------------------------ why the service's state is unavailable
    "service.why_full": _t("the disk is full", "磁盘已满"),
    "service.why_read_only": _t("the state database is read-only", "状态数据库只读"),
    "service.why_io": _t("the disk reported an I/O error", "磁盘报告了读写错误"),
    "service.why_busy": _t(
        "the state database is locked by another process", "状态数据库被另一个进程锁定"
    ),
    "service.why_locked": _t("the state database is locked", "状态数据库已锁定"),
    "service.why_cannot_open": _t("the state database cannot be opened", "无法打开状态数据库"),
    "service.why_denied": _t("the state database may not be written", "无权写入状态数据库"),
    "service.why_sqlite": _t("SQLite error ({kind})", "SQLite 错误（{kind}）"),
    "service.why_no_settler": _t("the settling process cannot be started", "无法启动结算进程"),
    # ------------------------------------------------------------ what the service's health reports
    "service.health.write_failed": _t("the last write failed: {why}", "上次写入失败：{why}"),
    "service.health.calendar_ended": _t(
        "today is after {last}, the last day {source} knows: upgrade chinese-calendar",
        "今天已晚于{source}所知的最后一天 {last}：请升级 chinese-calendar",
    ),
    "service.health.the_calendar": _t("the calendar", "日历"),
    "service.why_settler_failed": _t(
        "the settling process failed ({kind}); see the log", "结算进程出错（{kind}）：请查看日志"
    ),
    # ------------------------------------------------------------ click's own refusals
    "cli.try_help": _t(
        "Try '{command} {option}' for help.", "运行 '{command} {option}' 查看帮助。"
    ),
    "cli.no_such_option": _t("No such option {name}.", "没有选项 {name}。"),
    "cli.no_such_command": _t("No such command {name}.", "没有命令 {name}。"),
    "cli.did_you_mean": _t("Did you mean {names}?", "您是想用 {names} 吗？"),
    "cli.missing_argument": _t("Missing argument {name}.", "缺少参数 {name}。"),
    "cli.missing_option": _t("Missing option {name}.", "缺少选项 {name}。"),
    "cli.missing_parameter": _t("Missing parameter {name}.", "缺少参数 {name}。"),
    "cli.bad_value_of": _t("Invalid value for {name}: {reason}", "{name} 的值无效：{reason}"),
    "cli.bad_value": _t("Invalid value: {reason}", "值无效：{reason}"),
    "cli.refused": _t("{reason}", "{reason}"),
    # the reasons click's own types give for a value (said in click's words in English)
    "cli.reason.not_one_of": _t(
        "{value} is not one of {choices}.", "{value} 不是可选值之一（可选：{choices}）。"
    ),
    "cli.reason.not_choice": _t("{value} is not {choice}.", "{value} 不是 {choice}。"),
    "cli.reason.not_number": _t("{value} is not a valid {kind}.", "{value} 不是有效的{kind}。"),
    "cli.reason.out_of_range": _t(
        "{value} is not in the range {range}.", "{value} 不在范围 {range} 内。"
    ),
    "cli.reason.not_format": _t(
        "{value} does not match the format {formats}.", "{value} 不符合格式 {formats}。"
    ),
    "cli.reason.path": _t("{kind} {name} {state}.", "{kind} {name} {state}。"),
    "cli.scheduler_needs_dask": _t(
        "--scheduler needs --engine dask", "--scheduler 需要与 --engine dask 一起使用"
    ),
    # what to give instead (the end of a refusal to replace an output)
    "fix.workbook_file": _t(
        "give a new .xlsx file, or a workbook written by export-workbook to replace",
        "请给出新的 .xlsx 文件，或要替换的、由 export-workbook 写出的工作簿",
    ),
    "fix.registry_dir": _t(
        "give a new or empty directory, or a registry directory to replace",
        "请给出新的目录或空目录，或要替换的清单目录",
    ),
    "fix.synth_cases_file": _t(
        "choose a new file, or one that 'powerreg synth-cases' wrote",
        "请选择新文件，或由 'powerreg synth-cases' 写出的文件",
    ),
    "fix.new_dir_of": _t(
        "choose a new or empty directory, or one written by 'powerreg {command}'",
        "请选择新的目录或空目录，或由 'powerreg {command}' 写出的目录",
    ),
    "fix.rollup_catalog_file": _t(
        "give a new file name (e.g. province.db), or a roll-up catalog written by powerreg",
        "请给出新文件名（如 province.db），或由 powerreg 写出的汇总目录数据库",
    ),
    "fix.give_dir": _t("give a directory", "请给出目录"),
    "fix.schema_move_away": _t(
        "move '{name}' away or give another directory", "请移走 '{name}'，或给出另一个目录"
    ),
    "fix.catalog_file": _t(
        "give a new file name (e.g. catalog.db), or a catalog written by 'powerreg export'",
        "请给出新文件名（如 catalog.db），或由 'powerreg export' 写出的目录数据库",
    ),
    "fix.move_away": _t(
        "move '{name}' away (or repair it), then run again",
        "请移走 '{name}'（或修复它），然后重新运行",
    ),
    "fix.new_dir": _t("choose a new or empty directory", "请选择新的目录或空目录"),
    # ------------------------------------------------------------ the electronic supervision (case logs, the monitor)
    # ------------------------------------------------------------ case logs (events)
    "monitor.log_source_type": _t(
        "cannot read a case log from {kind}: give a path to a .csv or .jsonl file, or a pandas DataFrame",
        "无法从 {kind} 读取办件日志：请给出 .csv 或 .jsonl 文件的路径，或 pandas DataFrame",
    ),
    "monitor.log_missing": _t(
        "no case log at '{path}': no such file",
        "'{path}' 处没有办件日志：文件不存在",
    ),
    "monitor.log_not_file": _t(
        "'{path}' is {kind}, not a file; give the case log as a file (a pipe or a FIFO cannot be read twice, as a log is)",
        "'{path}' 是{kind}，不是文件；请以文件形式给出办件日志（日志要读两遍，管道或命名管道只能读一遍）",
    ),
    "monitor.log_is_dir": _t(
        "'{path}' is a directory; give the case log file",
        "'{path}' 是一个目录；请给出办件日志文件",
    ),
    "monitor.log_unreadable": _t(
        "cannot read the case log '{path}': {reason}",
        "无法读取办件日志 '{path}'：{reason}",
    ),
    "monitor.log_not_utf8": _t(
        "{name}:{line}: the case log is not UTF-8 ({reason}); save it as UTF-8 (a GBK export can be converted with: iconv -f GBK -t UTF-8)",
        "{name}:{line}: 办件日志不是 UTF-8 编码（{reason}）：请另存为 UTF-8（GBK 导出的文件可用 iconv -f GBK -t UTF-8 转换）",
    ),
    "monitor.log_empty": _t(
        "{name}: the case log is empty; it needs a header row naming the columns {columns}",
        "{name}: 办件日志为空：需要一行表头，写明各列 {columns}",
    ),
    "monitor.log_header_unreadable": _t(
        "{name}:1: the header cannot be read as CSV: {why}",
        "{name}:1: 表头无法按 CSV 读取：{why}",
    ),
    "monitor.log_header_lacks": _t(
        "{name}:1: the header has no column {lacking}; it needs {required} (and may have {optional})",
        "{name}:1: 表头缺少列 {lacking}：日志需要 {required} 这几列（还可以有 {optional}）",
    ),
    "monitor.log_header_twice": _t(
        "{name}:1: column '{column}' appears twice in the header (fields {first} and {second}{named}); the log cannot say which to read: rename or remove one",
        "{name}:1: 表头中列 {column} 出现两次（第 {first} 和第 {second} 个字段{named}），无法确定读取哪一个：请重命名或删除其中一个",
    ),
    "part.monitor_named_as": _t(": '{first}' and '{second}'", "：“{first}”和“{second}”"),
    "monitor.frame_lacks": _t(
        "the DataFrame has no column {lacking}; it needs {required} (and may have {optional})",
        "DataFrame 缺少列 {lacking}：需要 {required} 这几列（还可以有 {optional}）",
    ),
    "monitor.frame_twice": _t(
        "the DataFrame has column '{column}' twice (by its name or a Chinese one: {names}); the log cannot say which to read: rename or drop one",
        "DataFrame 中列 {column} 出现两次（以其本名或中文名：{names}），无法确定读取哪一个：请重命名或删除其中一个",
    ),
    # ------------------------------------------------------------ working-day calendar
    "monitor.calendar_empty": _t(
        "a working-day calendar needs at least one day",
        "工作日日历至少需要一天",
    ),
    "monitor.calendar_where": _t("{what}: {why}", "{what}：{why}"),
    "monitor.calendar_outside": _t(
        "{day} is outside the working-day calendar: {calendar} knows China's public holidays and make-up working days (调休) for {first}–{last} only; {why}",
        "{day} 超出工作日日历范围：{calendar} 只含 {first}–{last} 年的法定节假日和调休工作日；{why}",
    ),
    "part.monitor_no_data_before": _t("it has no data before {first}", "{first} 年以前没有数据"),
    "part.monitor_upgrade_calendar": _t(
        "upgrade it (pip install -U chinese-calendar) once the State Council has published the holidays of {year}",
        "国务院公布 {year} 年节假日安排后请升级（pip install -U chinese-calendar）",
    ),
    "part.monitor_the_calendar": _t("the calendar", "该日历"),
    # ------------------------------------------------------------ Parquet logs (columnar)
    "monitor.parquet_dir_empty": _t(
        "'{path}' is a directory with no .parquet file in it; give the case log file, or a directory of Parquet files",
        "'{path}' 是一个目录，其中没有 .parquet 文件：请给出办件日志文件，或包含 Parquet 文件的目录",
    ),
    "monitor.parquet_dir_others": _t(
        "'{path}' is a directory with no .parquet file in it, but {others} ({files}); a directory is read as a Parquet log: give the case log file itself (powerreg monitor {path}/{first})",
        "'{path}' 是一个目录，其中没有 .parquet 文件，但有 {others}（{files}）；目录按 Parquet 日志读取：请直接给出办件日志文件（powerreg monitor {path}/{first}）",
    ),
    "monitor.parquet_dir_mixed": _t(
        "'{path}' holds {parquet} and {others} ({files}), which a directory, read as a Parquet log, would leave unread; give the CSV or JSON Lines log as a file of its own, or convert it to Parquet (with pyarrow) beside the others, or move it out of the directory",
        "'{path}' 中有 {parquet}和 {others}（{files}）；目录按 Parquet 日志读取，后者不会被读取：请把 CSV 或 JSON Lines 日志作为单独的文件给出，或（用 pyarrow）将其转换为 Parquet 与其他文件放在一起，或将其移出该目录",
    ),
    "part.monitor_parquet_file": _t("{n} Parquet file", "{n} 个 Parquet 文件"),
    "part.monitor_parquet_files": _t("{n} Parquet files", "{n} 个 Parquet 文件"),
    "part.monitor_other_log": _t("{n} CSV or JSON Lines file", "{n} 个 CSV 或 JSON Lines 文件"),
    "part.monitor_other_logs": _t("{n} CSV or JSON Lines files", "{n} 个 CSV 或 JSON Lines 文件"),
    "monitor.pyarrow_missing": _t(
        "reading Parquet needs pyarrow: pip install 'powerreg[scale]'",
        "读取 Parquet 需要安装 pyarrow：pip install 'powerreg[scale]'",
    ),
    "monitor.not_parquet": _t(
        "{name}: not a Parquet file ({reason})",
        "{name}: 不是 Parquet 文件（{reason}）",
    ),
    "monitor.parquet_lacks": _t(
        "{name}: the file has no column {lacking}; it needs {required} (and may have {optional})",
        "{name}: 文件缺少列 {lacking}：需要 {required} 这几列（还可以有 {optional}）",
    ),
    # ------------------------------------------------------------ replay (reader, engine, result)
    "monitor.too_many_steps": _t(
        "power {power} has {n} steps; the monitor takes {max}",
        "事项 {power} 有 {n} 个环节；电子监察最多支持 {max} 个",
    ),
    "monitor.foreign_powers": _t(
        "{source}: {unknown} of {rows} rows name powers that registry {registry} does not have ({powers}); is it the log of another registry? Give that registry (--registry PATH)",
        "{source}: {rows} 行中有 {unknown} 行的事项不在清单 {registry} 中（{powers}）；这是否是另一份清单的日志？请指定该清单（--registry PATH）",
    ),
    "monitor.dask_not_parquet": _t(
        "the dask engine reads Parquet logs; '{log}' is not one (write one with powerreg synth-cases --format parquet, or convert the log with pyarrow)",
        "dask 引擎只读取 Parquet 日志；'{log}' 不是 Parquet 日志（请用 powerreg synth-cases --format parquet 生成，或用 pyarrow 转换该日志）",
    ),
    "monitor.dask_unreachable": _t(
        "cannot reach the Dask scheduler at {scheduler}: {reason}",
        "无法连接 {scheduler} 上的 Dask 调度器：{reason}",
    ),
    "monitor.dask_missing": _t(
        "the dask engine needs dask: pip install 'powerreg[scale]'",
        "dask 引擎需要安装 dask：pip install 'powerreg[scale]'",
    ),
    "monitor.pandas_missing": _t(
        "to_pandas needs pandas: pip install 'powerreg[notebook]'",
        "to_pandas 需要安装 pandas：pip install 'powerreg[notebook]'",
    ),
    # ------------------------------------------------------------ cases into a catalog
    "monitor.catalog_missing": _t(
        "no catalog at '{path}': write it first with 'powerreg export -o {path}'",
        "'{path}' 处没有目录：请先用 'powerreg export -o {path}' 生成",
    ),
    "monitor.catalog_incomplete": _t(
        "the catalog '{path}' does not hold every power, flowchart and step the cases refer to ({reason}); export the registry the log was replayed on",
        "目录 '{path}' 未包含办件引用的全部事项、流程图和环节（{reason}）：请导出回放该日志时所用的清单",
    ),
    "monitor.catalog_unopenable": _t(
        "cannot open the catalog '{path}': {reason}",
        "无法打开目录 '{path}'：{reason}",
    ),
    "monitor.catalog_not_sqlite": _t(
        "'{path}' is not a SQLite database ({reason})",
        "'{path}' 不是 SQLite 数据库（{reason}）",
    ),
    "monitor.catalog_version": _t(
        "'{path}' is not a powerreg catalog of version {version}; write it with 'powerreg export'",
        "'{path}' 不是版本 {version} 的 powerreg 目录：请用 'powerreg export' 生成",
    ),
    "monitor.catalog_other_registry": _t(
        "the catalog '{path}' is of registry {found}, but the cases were replayed on registry {registry}; replay them on the catalog's registry (powerreg monitor LOG --registry CATALOG.db)",
        "目录 '{path}' 属于清单 {found}，而办件是在清单 {registry} 上回放的：请在该目录的清单上回放（powerreg monitor LOG --registry CATALOG.db）",
    ),
    "part.monitor_no_registry": _t("(none)", "（无）"),
    "monitor.metadata_unreadable": _t(
        "cannot read the Datasette metadata '{path}': {reason}",
        "无法读取 Datasette 元数据 '{path}'：{reason}",
    ),
    "monitor.metadata_not_object": _t(
        "the Datasette metadata '{path}' is not a JSON object",
        "Datasette 元数据 '{path}' 不是 JSON 对象",
    ),
    # ------------------------------------------------------------ the live service (supervise)
    # ------------------------------------------------------------ the commands (cli)
    "service.state_not_given": _t(
        "give the state database: --state STATE.db",
        "请给出状态数据库：--state STATE.db",
    ),
    "service.state_not_given_supervise": _t(
        "give the state database: powerreg supervise --state STATE.db",
        "请给出状态数据库：powerreg supervise --state STATE.db",
    ),
    "service.serve_extra_missing": _t(
        "serving needs the extra 'serve' ({module} is missing): pip install 'powerreg[serve]'",
        "提供服务需要附加组件 'serve'（缺少 {module}）：请运行 pip install 'powerreg[serve]'",
    ),
    "service.workbook_extra_missing": _t(
        "workbooks need the extra 'workbook' ({module} is missing): pip install 'powerreg[workbook]'",
        "读写工作簿需要附加组件 'workbook'（缺少 {module}）：请运行 pip install 'powerreg[workbook]'",
    ),
    "service.powers_none_given": _t(
        "--powers names no power; give ids such as XK-001,CF-001",
        "--powers 没有列出任何事项：请给出事项编号，如 XK-001,CF-001",
    ),
    # ------------------------------------------------------------ the clock and the address
    "service.bad_today": _t(
        "--today {today}: give a date (2011-12-30) or 'events'",
        "--today {today}：请给出日期（如 2011-12-30）或 'events'",
    ),
    "service.bad_listen": _t(
        "--listen {listen}: give HOST:PORT, e.g. {example}",
        "--listen {listen}：请给出 HOST:PORT，如 {example}",
    ),
    "service.cannot_listen": _t(
        "cannot listen on {listen}: {reason}",
        "无法监听 {listen}：{reason}",
    ),
    # ------------------------------------------------------------ tokens
    "service.bad_token_name": _t(
        "token name {name}: use letters, digits, '-', '_' and '.' (at most 64), starting with a letter or digit",
        "令牌名 {name}：请只用字母、数字、'-'、'_' 和 '.'（不超过 64 个字符），并以字母或数字开头",
    ),
    "service.token_no_right": _t(
        "a token needs --powers (a system that posts the events of those powers) or --reader (a reader of the feed), or both",
        "令牌需要 --powers（推送这些事项事件的系统）或 --reader（读取预警动态的一方），也可两者都给",
    ),
    "service.powers_empty": _t(
        "--powers names no power",
        "--powers 没有列出任何事项",
    ),
    "service.unknown_powers": _t(
        "the registry {registry} has no power {powers}; check --powers",
        "清单 {registry} 中没有事项 {powers}：请检查 --powers",
    ),
    "service.token_taken": _t(
        "the state already has a token named {name}; choose another name",
        "状态数据库中已有名为 {name} 的令牌：请另选一个名称",
    ),
    # ------------------------------------------------------------ the state database
    "service.no_state": _t(
        "no state database at '{path}'",
        "'{path}' 处没有状态数据库",
    ),
    "service.state_is_dir": _t(
        "'{path}' is a directory; give the state database file",
        "'{path}' 是一个目录：请给出状态数据库文件",
    ),
    "service.state_cannot_open": _t(
        "cannot open the state database '{path}': {reason}",
        "无法打开状态数据库 '{path}'：{reason}",
    ),
    "service.state_not_sqlite": _t(
        "'{path}' is not a SQLite database ({reason})",
        "'{path}' 不是 SQLite 数据库（{reason}）",
    ),
    "service.state_not_ours": _t(
        "'{path}' is not a state database of powerreg supervise (version {version}); give a new file or the service's own state",
        "'{path}' 不是 powerreg supervise 的状态数据库（版本 {version}）：请给出一个新文件，或该服务自己的状态数据库",
    ),
    "service.lock_cannot_open": _t(
        "cannot open '{path}': {reason}",
        "无法打开 '{path}'：{reason}",
    ),
    "service.state_held": _t(
        "another powerreg supervise is serving the state '{path}'; stop it first (one service per state file)",
        "另一个 powerreg supervise 正在使用状态数据库 '{path}'：请先停止它（一个状态文件只能由一个服务使用）",
    ),
    "service.state_other_registry": _t(
        "the state '{path}' is of registry {known}, not {registry}; give the registry the events were posted under, or a new state file",
        "状态数据库 '{path}' 属于清单 {known}，而不是 {registry}：请给出推送这些事件时所用的清单，或换一个新的状态文件",
    ),
    "service.export_other_registry": _t(
        "the state '{path}' is of registry {known}, not {registry}; give the registry the service runs on (--registry)",
        "状态数据库 '{path}' 属于清单 {known}，而不是 {registry}：请给出该服务所用的清单（--registry）",
    ),
    "service.events_unplaced": _t(
        "the state '{path}' holds {n} event(s) the registry {registry} cannot place, the first (event number {line}): {code} {problem}; start the service with the registry the events were posted under",
        "状态数据库 '{path}' 中有 {n} 个事件无法按清单 {registry} 回放，第一个（事件编号 {line}）：{code} {problem}；请用推送这些事件时所用的清单启动服务",
    ),
    # ------------------------------------------------------------ the settling process
    "service.settler_cannot_start": _t(
        "cannot start the settling process: {reason}",
        "无法启动回放进程：{reason}",
    ),
    "service.settler_slow_start": _t(
        "the settling process did not start in {seconds} s",
        "回放进程未在 {seconds} 秒内启动",
    ),
    "service.settler_ended_at_start": _t(
        "the settling process ended as it started; see the log",
        "回放进程刚启动就结束了：请查看日志",
    ),
    # ------------------------------------------------------------ the diff and the catalog read back
    # ------------------------------------------------------------ diff: the editions
    "diff.no_revision": _t(
        "'{spec}' names no git revision; write git:REV, e.g. git:HEAD~1",
        "'{spec}' 没有指明 git 修订版本：请写成 git:REV，如 git:HEAD~1",
    ),
    "diff.no_git": _t(
        "git is not installed here; compare two directories instead",
        "此处未安装 git：请改为比较两个目录",
    ),
    "diff.git_failed": _t("git {command}: {detail}", "git {command}：{detail}"),
    "diff.git_failed_silently": _t("git {command}: failed", "git {command}：执行失败"),
    "diff.no_work_tree": _t(
        "'{target}' is not in a git work tree; give git:REV:PATH",
        "'{target}' 不在 git 工作区中：请写成 git:REV:PATH",
    ),
    "diff.no_repository": _t(
        "'{target}' is not in a git repository, so git:{rev} has nothing to name; give git:REV:PATH inside a repository, or compare two directories",
        "'{target}' 不在 git 仓库中，git:{rev} 无从指向：请给出仓库内的 git:REV:PATH，或比较两个目录",
    ),
    "diff.unknown_revision": _t(
        "'{rev}' is not a revision of the git repository at {top}; give a commit, tag or branch (git log --oneline lists them)",
        "'{rev}' 不是 {top} 处 git 仓库的修订版本：请给出提交、标签或分支（git log --oneline 可列出）",
    ),
    "diff.not_at_revision": _t(
        "{label} does not exist at revision {rev}",
        "{label} 在修订版本 {rev} 中不存在",
    ),
    "diff.too_large": _t(
        "{label} is larger than {limit} bytes",
        "{label} 超过 {limit} 字节",
    ),
    "diff.unsafe_member": _t(
        "{label} holds '{member}', which is not read: {reason}; a registry's files are regular files inside it (a link out of it is E007 in a registry directory too)",
        "{label} 中的 '{member}' 不予读取：{reason}；清单的文件都应是清单之内的普通文件（在清单目录中，指向清单之外的链接同样是 E007）",
    ),
    "diff.needs_path": _t(
        "'{spec}' needs a path: write git:REV:PATH, or give a path as the other edition",
        "'{spec}' 缺少路径：请写成 git:REV:PATH，或将另一个版本指定为路径",
    ),
    "diff.no_such_edition": _t(
        "'{path}' does not exist; give a registry directory, a catalog or git:REV",
        "'{path}' 不存在：请给出清单目录、目录数据库或 git:REV",
    ),
    "diff.rollup": _t(
        "'{path}' is a roll-up of many departments; diff compares two editions of one registry: give a member's registry directory (its path in rollup.yaml)",
        "'{path}' 是多个部门的汇总；diff 比较的是同一份清单的两个版本：请给出一个成员的清单目录（即其在 rollup.yaml 中的路径）",
    ),
    # ------------------------------------------------------------ catalog: reading one
    "catalog.no_such_file": _t(
        "no catalog at '{path}': no such file",
        "'{path}' 处没有目录数据库：文件不存在",
    ),
    "catalog.inaccessible": _t(
        "no catalog at '{path}': {reason}",
        "'{path}' 处没有目录数据库：{reason}",
    ),
    "catalog.not_a_file": _t(
        "no catalog at '{path}': it is {kind}, not a file",
        "'{path}' 处没有目录数据库：它是{kind}，不是文件",
    ),
    "catalog.cannot_open": _t(
        "cannot open the catalog '{path}': {reason}",
        "无法打开目录数据库 '{path}'：{reason}",
    ),
    "catalog.unreadable": _t(
        "cannot read the catalog '{path}': {reason}",
        "无法读取目录数据库 '{path}'：{reason}",
    ),
    "catalog.not_sqlite": _t(
        "'{path}' is not a SQLite database ({reason})",
        "'{path}' 不是 SQLite 数据库（{reason}）",
    ),
    "catalog.rollup": _t(
        "'{path}' is the combined catalog of {rollup}, which is not read as one registry; give the roll-up's rollup.yaml instead, or one member's registry ({member})",
        "'{path}' 是{rollup}的合并目录数据库，不能作为一份清单读取：请改为给出该汇总的 rollup.yaml，或其中一个成员的清单（{member}）",
    ),
    "part.catalog_a_rollup": _t("a roll-up", "一个汇总"),
    "part.catalog_rollup_of_one": _t(
        "a roll-up ({n} department: {ids})", "汇总（{n} 个部门：{ids}）"
    ),
    "part.catalog_rollup_of_many": _t(
        "a roll-up ({n} departments: {ids})", "汇总（{n} 个部门：{ids}）"
    ),
    "part.catalog_member_path": _t("its path in the roll-up's folder", "即其在汇总目录中的路径"),
    "part.catalog_member_such_as": _t(
        "such as {path} in the roll-up's folder", "如汇总目录中的 {path}"
    ),
    "catalog.wrong_shape": _t(
        "'{path}' is not a powerreg catalog of version {version} ({wrong}); write it with 'powerreg export'",
        "'{path}' 不是第 {version} 版的 powerreg 目录数据库（{wrong}）：请用 'powerreg export' 重新写出",
    ),
    "part.catalog_user_version": _t(
        "user_version {found}, not {version}", "user_version 为 {found}，而不是 {version}"
    ),
    "part.catalog_no_table": _t("no table {tables}", "缺少表 {tables}"),
    "part.catalog_no_column": _t(
        "table {table} has no column {columns}", "表 {table} 缺少列 {columns}"
    ),
    "part.catalog_reasons": _t("{first}; {rest}", "{first}；{rest}"),
    "catalog.not_json": _t(
        "catalog '{name}': {table}.{column} is not JSON ({reason})",
        "目录数据库 '{name}'：{table}.{column} 不是 JSON（{reason}）",
    ),
    "catalog.registry_rows": _t(
        "catalog '{name}' has {n} rows in table registry; it needs one",
        "目录数据库 '{name}' 的 registry 表有 {n} 行：应当恰好一行",
    ),
    # ------------------------------------------------------------ catalog: the search-index worker
    "catalog.worker_tables": _t(
        "the search-index worker kept {name} in the tables {theirs}, not {mine}",
        "搜索索引工作进程把 {name} 存放在表 {theirs} 中，而不是 {mine}",
    ),
    "catalog.worker_died": _t(
        "the worker process building the search index ended before it finished (exit code {code}); if it ran out of memory, export with {env}=0 to build the index in this process",
        "构建搜索索引的工作进程未完成即已结束（退出码 {code}）；如果是内存不足，请设置 {env}=0 后再运行 export，改在本进程中构建索引",
    ),
    "catalog.worker_failed": _t(
        "the worker process building the search index failed ({detail}); export with {env}=0 to build the index in this process",
        "构建搜索索引的工作进程失败（{detail}）：请设置 {env}=0 后再运行 export，改在本进程中构建索引",
    ),
    "catalog.worker_built": _t(
        "the search-index worker built {built}, not {expected}",
        "搜索索引工作进程构建的是 {built}，而不是 {expected}",
    ),
    # ------------------------------------------------------------ starting a registry, settings files, frames, roll-ups, policies
    # ------------------------------------------------------------ new power (starter)
    "starter.bad_id": _t(
        "'{power_id}' is not a power id; use letters, digits and '-', e.g. XK-017",
        "'{power_id}' 不是合规的事项编号：请使用字母、数字和“-”，如 XK-017",
    ),
    "starter.no_category": _t(
        "category '{category}' is not declared in registry.yaml (categories: {codes})",
        "类别 '{category}' 未在 registry.yaml 中声明（已声明的类别：{codes}）",
    ),
    "starter.no_category_close": _t(
        "category '{category}' is not declared in registry.yaml (categories: {codes}); did you mean '{close}'?",
        "类别 '{category}' 未在 registry.yaml 中声明（已声明的类别：{codes}）；是否应为 '{close}'？",
    ),
    "starter.not_registry": _t(
        "'{path}' is not a registry directory (it has no {file})",
        "'{path}' 不是清单目录（其中没有 {file}）",
    ),
    "starter.power_exists": _t(
        "power {power_id} already exists ({file}); choose another id",
        "事项 {power_id} 已存在（{file}）：请换一个编号",
    ),
    "starter.file_exists": _t(
        "'{path}' already exists; choose another id",
        "'{path}' 已存在：请换一个编号",
    ),
    # ------------------------------------------------------------ settings files
    "settings.unreadable": _t(
        "cannot read {what} {path}: {reason}",
        "无法读取{what} {path}：{reason}",
    ),
    "settings.not_yaml": _t("{problem}", "{problem}"),
    "settings.not_mapping": _t(
        "{path}:{line}:{col}: {detail}",
        "{path}:{line}:{col}: {detail}",
    ),
    "settings.invalid": _t(
        "{path}:{line}:{col}: {what}: {msg}",
        "{path}:{line}:{col}: {what}：{msg}",
    ),
    "part.settings_whole": _t("policy", "策略"),
    # ------------------------------------------------------------ DataFrames (frames)
    "frames.need_pandas": _t(
        "DataFrames need pandas: pip install 'powerreg[notebook]'",
        "DataFrame 需要 pandas：请运行 pip install 'powerreg[notebook]'",
    ),
    "frames.coverage_by": _t(
        "coverage: by={by} must name two different things of: {dims}",
        "coverage：by={by} 应从以下各项中指定两个不同的项：{dims}",
    ),
    "frames.coverage_count": _t(
        "coverage: count={count} must be 'risk_points' or 'countermeasures'",
        "coverage：count={count} 应为 'risk_points' 或 'countermeasures'",
    ),
    # ------------------------------------------------------------ audit report
    "audit.report_needs_pandas": _t(
        "to_pandas needs pandas: pip install 'powerreg[notebook]'",
        "to_pandas 需要 pandas：请运行 pip install 'powerreg[notebook]'",
    ),
    # ------------------------------------------------------------ rollup workers
    "rollup.workers_env": _t(
        "{env}={value}: give a whole number of workers, 0 or more",
        "{env}={value}：请给出工作进程数，应为 0 或更大的整数",
    ),
    "rollup.worker_died": _t(
        "a worker process died ({reason}); if it ran out of memory, set {env}=1",
        "一个工作进程意外终止（{reason}）；如因内存不足，请设置 {env}=1",
    ),
    # ------------------------------------------------------------ category overview
    "render.overview_no_category": _t(
        "registry {registry} has no category '{code}' (categories: {codes})",
        "清单 {registry} 中没有类别 '{code}'（已有的类别：{codes}）",
    ),
    # ------------------------------------------------------------ publish policy
    "site.policy_bad_omit": _t(
        "{path}:{line}:{col}: omit[{i}]: {what}",
        "{path}:{line}:{col}: omit[{i}]：{what}",
    ),
    "part.site_unknown_field": _t(
        "unknown field '{name}'; fields a policy can leave out: {fields}",
        "未知字段 '{name}'；策略可不公开的字段：{fields}",
    ),
    "part.site_unknown_field_close": _t(
        "unknown field '{name}' (did you mean '{close}'?); fields a policy can leave out: {fields}",
        "未知字段 '{name}'（是否应为 '{close}'？）；策略可不公开的字段：{fields}",
    ),
    "part.site_not_field_name": _t("not a field name", "不是字段名"),
    "part.site_policy": _t("publish policy", "发布策略"),
    "part.site_not_mapping": _t(
        "a publish policy holds a mapping with the key omit: a list of the fields the site leaves out",
        "发布策略应为含 omit 键的映射：omit 列出网站不公开的字段",
    ),
    "part.site_unknown_key": _t(
        "unknown key; a publish policy holds only 'omit'",
        "未知的键；发布策略只能有 omit 一个键",
    ),
    # ------------------------------------------------------------ synthetic registries
    "synth.negative_powers": _t(
        "the number of powers must be 0 or more, not {n}",
        "事项数量应不小于 0，而不是 {n}",
    ),
    # ------------------------------------------------------------ one power file
    "directory.not_power_file": _t(
        "'{path}' is not a power file of a registry: it must sit in the {folder}/ folder of a directory holding {registry_file}",
        "'{path}' 不是清单的事项文件：它必须位于含有 {registry_file} 的目录下的 {folder}/ 文件夹中",
    ),
}
