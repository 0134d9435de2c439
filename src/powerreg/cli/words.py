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

from typing import Any

from ..lang import Lang

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
    "wrote_new_power": {
        "en": "wrote {path}: fill in each （待填写：…）, then run powerreg validate",
        "zh": "已写入 {path}：请填写各处（待填写：…），然后运行 powerreg validate",
    },
    "wrote_registry": {"en": "wrote {path}: {sentence}", "zh": "已写入 {path}：{sentence}"},
    "wrote_site": {
        "en": "wrote {out}/: {pages} pages ({powers} powers{withheld}), {charts} charts, search index {kib} KiB{left_out}",
        "zh": "已写入 {out}/：{pages} 个网页（{powers} 项事项{withheld}），{charts} 张流程图，搜索索引 {kib} KiB{left_out}",
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
    plurals of ``n``/``files``."""
    n, files = params.get("n"), params.get("files")
    params.setdefault("s", "s" if n != 1 else "")
    params.setdefault("fs", "s" if files != 1 else "")
    return WORDS[key]["zh" if lang == "zh" else "en"].format(**params)
