# ruff: noqa: E501  (one sentence a line reads best)
"""What the commands say to a person, in Chinese and English: one table, one function.

Diagnostics have their codes and templates in :mod:`powerreg.codes`; these are the
commands' own lines (what was written, the counts, the summaries), so that ``--lang zh``
gives a Chinese screen from start to end.

Examples:
    >>> say("problems", "en", n=2, files=1)
    '2 problems in 1 file'
    >>> say("problems", "zh", n=2, files=1)
    '共 2 个问题，涉及 1 个文件'
"""

from __future__ import annotations

import os
from typing import Any

from ..lang import Lang
from ..textsafe import one_line

WORDS: dict[str, dict[str, str]] = {
    "error": {"en": "error: {message}", "zh": "错误：{message}"},
    "problems": {
        "en": "{n} problem{s} in {files} file{fs}",
        "zh": "共 {n} 个问题，涉及 {files} 个文件",
    },
    "valid": {
        "en": "ok: {id}: {categories} categories, {powers} powers, {flowcharts} flowcharts, {risks} risk points, {measures} countermeasures ({files} files read)",
        "zh": "通过：{id}：{categories} 类、{powers} 项行政权力、{flowcharts} 张流程图、{risks} 个廉政风险点、{measures} 条防范措施（读取 {files} 个文件）",
    },
    "valid_file": {
        "en": "ok: {file}: power {id} validates against registry {registry}",
        "zh": "通过：{file}：事项 {id} 符合清单 {registry} 的要求",
    },
    "files_read": {"en": "read {n} file{s}", "zh": "读取了 {n} 个文件"},
    "cache_info": {
        "en": "load cache: {path}: {n} entries, {mib} MiB",
        "zh": "载入缓存：{path}：{n} 条，{mib} MiB",
    },
    "cache_kept": {
        "en": "entries unused for {days} days are removed by themselves; deleting the cache is always safe (powerreg cache clear)",
        "zh": "{days} 天未用的条目会自动删除；缓存随时可以删除（powerreg cache clear）",
    },
    "cache_off": {
        "en": "the cache is off here (POWERREG_CACHE=0)",
        "zh": "此处已关闭缓存（POWERREG_CACHE=0）",
    },
    "cache_cleared": {"en": "deleted the load cache in {path}", "zh": "已删除 {path} 中的载入缓存"},
    "cache_none": {"en": "no load cache in {path}", "zh": "{path} 中没有载入缓存"},
    "validation_of": {"en": "Validation of {name}", "zh": "{name} 的校验结果"},
    "stats_rows": {
        "en": "categories|powers|flowcharts|steps|risk points|countermeasures",
        "zh": "职权类别|行政权力|流程图|流程环节|廉政风险点|防范措施",
    },
    "by_level": {"en": "risk points by level: {levels}", "zh": "廉政风险点按等级：{levels}"},
    "by_category": {"en": "powers by category: {cats}", "zh": "行政权力按类别：{cats}"},
    "schemas_ok": {
        "en": "ok: schemas in {out} match the models",
        "zh": "通过：{out} 中的 JSON Schema 与模型一致",
    },
    "schema_stale": {
        "en": "{path}: out of date; run 'powerreg schema -o {out}'",
        "zh": "{path}：已过时，请运行 'powerreg schema -o {out}'",
    },
    "wrote": {"en": "wrote {path}", "zh": "已写入 {path}"},
    "wrote_diagrams": {"en": "wrote {n} diagram{s} to {out}", "zh": "已将 {n} 张图写入 {out}"},
    "kept_diagrams": {
        "en": " ({kept} unchanged since the last run, not drawn again)",
        "zh": "（其中 {kept} 张自上次以来未变，未重画）",
    },
    "wrote_catalog": {
        "en": "wrote {db}: {powers} powers, {flowcharts} flowcharts, {risks} risk points, {measures} countermeasures",
        "zh": "已写入 {db}：{powers} 项行政权力、{flowcharts} 张流程图、{risks} 个廉政风险点、{measures} 条防范措施",
    },
    "serve_with": {
        "en": "wrote {meta}; serve with: datasette {db} -m {meta}",
        "zh": "已写入 {meta}；浏览方式：datasette {db} -m {meta}",
    },
    "wrote_cases": {
        "en": "wrote {path}: {events} events of {n} cases, {deviations} with a deviation, {alerts} alerts expected",
        "zh": "已写入 {path}：{n} 件办件共 {events} 条事件，其中 {deviations} 件有偏离，预期 {alerts} 条预警",
    },
    "monitor_fails": {
        "en": "a finding reaches --fail-on {fail_on}: exit 1",
        "zh": "有发现达到 --fail-on {fail_on}：退出码 1",
    },
    "wrote_new_power": {
        "en": "wrote {path}: fill in each （待填写：…）, then run powerreg validate",
        "zh": "已写入 {path}：请填写各处（待填写：…），然后运行 powerreg validate",
    },
    "wrote_registry": {"en": "wrote {path}: {sentence}", "zh": "已写入 {path}：{sentence}"},
    "wrote_province": {
        "en": "wrote {path}: rollup.yaml, {n} departments' registries of {powers} powers in all under members/, and planted.json (the cross-department findings planted)",
        "zh": "已写入 {path}：rollup.yaml，members/ 下 {n} 个部门的清单（共 {powers} 项），以及 planted.json（植入的跨部门问题）",
    },
    "rollup_member_ok": {
        "en": "ok: {id} ({name}): {powers} powers, {flowcharts} flowcharts, {risks} risk points, {measures} countermeasures",
        "zh": "通过：{id}（{name}）：{powers} 项行政权力、{flowcharts} 张流程图、{risks} 个廉政风险点、{measures} 条防范措施",
    },
    "rollup_member_failed": {
        "en": "FAILED: {id} ({name}) does not load: {n} problem{s} in {path}",
        "zh": "未通过：{id}（{name}）无法载入：{path} 中有 {n} 个问题",
    },
    "rollup_summary": {
        "en": "{title}: {loaded} of {n} departments load; {sentence}",
        "zh": "{title}：{n} 个部门中 {loaded} 个载入成功；{sentence}",
    },
    "rollup_not_loaded": {
        "en": "not loaded, left out: {ids}",
        "zh": "未能载入、未收入：{ids}",
    },
    "wrote_rollup_catalog": {
        "en": "wrote {db}: {n} departments ({loaded} loaded), {powers} powers, {risks} risk points, {measures} countermeasures, {findings} cross-department finding{fs}",
        "zh": "已写入 {db}：{n} 个部门（{loaded} 个载入成功），{powers} 项行政权力、{risks} 个廉政风险点、{measures} 条防范措施，跨部门发现 {findings} 个",
    },
    "wrote_rollup_site": {
        "en": "wrote {out}/: the sites of {published} of {n} departments under departments/, index.html, findings.html ({findings} cross-department finding{fs})",
        "zh": "已写入 {out}/：{n} 个部门中 {published} 个的网站（departments/ 下），index.html，findings.html（跨部门发现 {findings} 个）",
    },
    "wrote_rollup_build": {
        "en": "wrote {out}/: audit.md, audit.json, catalog.db, metadata.json, departments/ ({n} builds), site/",
        "zh": "已写入 {out}/：audit.md、audit.json、catalog.db、metadata.json、departments/（{n} 个部门各自的构建）、site/",
    },
    "building": {"en": "building", "zh": "构建中"},
    "build_stopped": {
        "en": "build stopped: the audit fails at --fail-on {fail_on}; '{out}' is unchanged",
        "zh": "构建已停止：审计在 --fail-on {fail_on} 下不通过；'{out}' 未作改动",
    },
    "coverage_by_level": {"en": "coverage by level: {cover}", "zh": "各等级的防范：{cover}"},
    "level_coverage": {
        "en": "{level} {risks} risk points / {measures} countermeasures",
        "zh": "{level} {risks} 个风险点 / {measures} 条措施",
    },
    "build_audit": {
        "en": "audit: {verdict} — {errors} errors, {warnings} warnings, {infos} infos",
        "zh": "审计：{verdict}——错误 {errors} 个、警告 {warnings} 个、提示 {infos} 个",
    },
    "audit_ok": {"en": "ok", "zh": "通过"},
    "audit_failed": {"en": "FAILED", "zh": "不通过"},
    "wrote_build": {
        "en": "wrote {out}/: audit.md, audit.json, diagrams/ ({charts}), catalog.db, metadata.json, site/",
        "zh": "已写入 {out}/：audit.md、audit.json、diagrams/（{charts}）、catalog.db、metadata.json、site/",
    },
    "build_charts": {"en": "{n} charts", "zh": "{n} 张流程图"},
    "build_charts_kept": {
        "en": "{n} charts; {kept} charts and sheets unchanged, not drawn again",
        "zh": "{n} 张流程图；其中 {kept} 张图未变，未重画",
    },
    "build_time": {
        "en": "time: {wall:.2f}s (stages, which overlap: {stages}){memory}",
        "zh": "用时 {wall:.2f} 秒（各阶段，彼此重叠：{stages}）{memory}",
    },
    "build_memory": {"en": "; peak memory {mib:.0f} MiB", "zh": "；内存峰值 {mib:.0f} MiB"},
    "browse": {"en": "browse: {command}", "zh": "浏览目录数据库：{command}"},
    "open_public_site": {
        "en": "public website: {command}, then open http://127.0.0.1:8000/",
        "zh": "公开网站：{command}，然后打开 http://127.0.0.1:8000/",
    },
    "edition_not_loaded": {
        "en": "error: an edition does not load ({n} problem{s})",
        "zh": "错误：有一个版本无法载入（{n} 个问题）",
    },
    "previous_not_loaded": {
        "en": "error: the previous edition does not load ({n} problem{s})",
        "zh": "错误：上一版本无法载入（{n} 个问题）",
    },
    "monitor_to_catalog": {
        "en": "added tables cases, case_events and alerts to {catalog}",
        "zh": "已在 {catalog} 中加入 cases、case_events 和 alerts 三张表",
    },
    "rows_left_out": {
        "en": "{n} row{s} of {rows} left out",
        "zh": "{rows} 行中有 {n} 行未采用",
    },
    "rollup_audit": {
        "en": "audit: {verdict} — {errors} errors, {warnings} warnings, {infos} infos (cross-department: {cross})",
        "zh": "审计：{verdict}——错误 {errors} 个、警告 {warnings} 个、提示 {infos} 个（跨部门：{cross}）",
    },
    "rollup_fails": {
        "en": "the roll-up's audit fails at --fail-on {fail_on}; '{out}' is written all the same: one department does not stop the province",
        "zh": "汇总审计未通过（--fail-on {fail_on}）；{out} 仍已写入：一个部门的问题不影响其他部门",
    },
    "rollup_time": {
        "en": "time: {total:.1f}s with {workers} worker{ws} (members {members:.1f}s; the members' own work summed {summed:.1f}s); peak memory {peak} MiB, busiest worker {worker_peak} MiB",
        "zh": "用时 {total:.1f} 秒，{workers} 个工作进程（各部门 {members:.1f} 秒；各部门自身工作合计 {summed:.1f} 秒）；内存峰值 {peak} MiB，工作进程最高 {worker_peak} MiB",
    },
    "site_kept": {
        "en": " ({kept} charts and sheets unchanged since the last run, not drawn again)",
        "zh": "（其中 {kept} 张图自上次以来未变，未重画）",
    },
    "wrote_site": {
        "en": "wrote {out}/: {pages} pages ({powers} powers{withheld}), {charts} charts{kept}, search index {kib} KiB{left_out}",
        "zh": "已写入 {out}/：{pages} 个网页（{powers} 项事项{withheld}），{charts} 张流程图{kept}，搜索索引 {kib} KiB{left_out}",
    },
    "site_withheld": {"en": ", {n} withheld", "zh": "，其中 {n} 项不予公开"},
    "site_left_out": {"en": "; left out: {fields}", "zh": "；未公开字段：{fields}"},
    "open_site": {
        "en": "open: {command}, then http://127.0.0.1:8000/",
        "zh": "打开网站：{command}，然后访问 http://127.0.0.1:8000/",
    },
    "site_refused": {
        "en": "the site is not published: a withheld power must state its reason; '{out}' is unchanged",
        "zh": "未发布网站：不予公开的事项必须写明理由；{out} 未改动",
    },
    "placeholders": {
        "en": "{n} power{s} had no flowchart in the book: their risk points sit at a placeholder step until the charts are drawn (powerreg audit {path} lists them: A107)",
        "zh": "{n} 项事项在工作簿中没有流程图：其风险点暂挂在占位环节，待绘制流程图后再放到各自环节（powerreg audit {path} 列出它们：A107）",
    },
    "wrote_workbook": {
        "en": "wrote {path}: {powers} powers, {flowcharts} flowcharts, {risks} risk points, {measures} countermeasures",
        "zh": "已写入 {path}：{powers} 项行政权力、{flowcharts} 张流程图、{risks} 个廉政风险点、{measures} 条防范措施",
    },
    "supervise_listening": {
        "en": "powerreg supervise: {registry}, {n} case{s} as of {day}; listening on {address}",
        "zh": "powerreg supervise：{registry}，截至 {day} 共 {n} 件办件；监听 {address}",
    },
    "supervise_token": {
        "en": "token {name}: {rights}; stored as its SHA-256 in {state}: keep it now, it is not shown again",
        "zh": "令牌 {name}：{rights}；仅以其 SHA-256 存入 {state}：请立即保存，此后不再显示",
    },
    "supervise_posts": {"en": "posts {powers}", "zh": "推送 {powers} 的事件"},
    "supervise_reads": {"en": "reads {powers}", "zh": "读取 {powers}"},
    "supervise_every_power": {"en": "every power", "zh": "全部事项"},
    "supervise_and": {"en": " and ", "zh": "，"},
    "supervise_exported": {
        "en": "added tables cases, case_events and alerts to {catalog}",
        "zh": "已将 cases、case_events、alerts 三张表加入 {catalog}",
    },
}


def say(key: str, lang: Lang | str, **params: Any) -> str:
    """The line ``key`` in ``lang`` (``zh``, else English); ``{s}``/``{fs}`` make English
    plurals of ``n``/``files``. Text and paths are data (a department's name, a roll-up's
    title, a file name): each is shown on the one line (:func:`powerreg.textsafe.one_line`),
    so that a line break in it cannot print a forged line of its own.

    Examples:
        >>> say("rollup_summary", "en", title="T\\nx.yaml:1:1: E001 forged", loaded=1, n=1,
        ...     sentence="s")
        'T\\\\nx.yaml:1:1: E001 forged: 1 of 1 departments load; s'
    """
    n, files = params.get("n"), params.get("files")
    params.setdefault("s", "s" if n != 1 else "")
    params.setdefault("fs", "s" if files != 1 else "")
    shown = {
        k: one_line(os.fspath(v)) if isinstance(v, str | os.PathLike) else v
        for k, v in params.items()
    }
    return WORDS[key]["zh" if lang == "zh" else "en"].format(**shown)
