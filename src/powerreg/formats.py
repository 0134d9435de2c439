"""The formats every list of problems is shown in: text lines, JSON, Markdown, SARIF; and
the JSON of what a command wrote (:func:`summary_json`).

``validate`` (E codes), ``audit`` (A codes) and ``monitor`` (M codes) all report
:class:`~powerreg.errors.Problem` records, so they print them the same way; each format
renders the messages in the language asked for, when it is asked.

Examples:
    >>> from powerreg.errors import problem
    >>> ps = [problem("E002.missing", "powers/XK-001.yaml", 3, 1, entity="XK-001",
    ...               field="label")]
    >>> print(text_lines(ps, "en")[0])
    powers/XK-001.yaml:3:1: E002 missing required field 'label'; add it
    >>> sarif_log(ps, "en")["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    {'startLine': 3, 'startColumn': 1}
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .codes import CODES
from .lang import Lang
from .layout import REGISTRY_FILE, catalog_of
from .textsafe import md_cell

if TYPE_CHECKING:  # (a validate answered from its remembered verdict imports neither)
    from pydantic import BaseModel

    from .errors import Problem

_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def summary_json(result: BaseModel, **extra: Any) -> str:
    """What a command wrote, as the JSON a program reads: the fields of its ``result``,
    then ``extra`` (the sentence of the report, the commands that open what was written).

    Examples:
        >>> from pydantic import BaseModel
        >>> class Wrote(BaseModel):
        ...     out_dir: str
        >>> print(summary_json(Wrote(out_dir="site"), open="python -m http.server -d site"))
        {
          "out_dir": "site",
          "open": "python -m http.server -d site"
        }
    """
    return json.dumps({**result.model_dump(), **extra}, ensure_ascii=False, indent=2)


def text_lines(problems: Iterable[Problem], lang: Lang, *, severity: bool = False) -> list[str]:
    """One diagnostic line per problem."""
    return [p.as_line(lang, severity=severity) for p in problems]


def json_items(problems: Iterable[Problem], lang: Lang) -> list[dict[str, Any]]:
    """Plain data per problem, message rendered in ``lang``."""
    return [p.to_dict(lang) for p in problems]


def markdown_item(p: Problem, lang: Lang) -> str:
    """A Markdown list item for one problem; everything from the data escaped."""
    where = f" ({md_cell(p.where)})" if p.where else ""
    return f"- **{p.code}** {p.severity}: {md_cell(p.message(lang))}{where}"


def markdown_list(title: str, problems: list[Problem], lang: Lang) -> str:
    """A Markdown report of a list of problems, grouped by file."""
    out = [f"# {md_cell(title)}", ""]
    if not problems:
        out.append("None." if lang == "en" else "无。")
    groups: dict[str, list[Problem]] = {}
    for p in problems:
        groups.setdefault(p.file or "-", []).append(p)
    for file, items in groups.items():
        out += [f"## {md_cell(file)}", ""]
        out += [markdown_item(p, lang) for p in items]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def sarif_log(
    problems: Iterable[Problem],
    lang: Lang,
    *,
    codes: Iterable[str] | None = None,
    names: Mapping[str, str] | None = None,
    helps: Mapping[str, str] | None = None,
    source_root: str | None = None,
    version: str = "0",
) -> dict[str, Any]:
    """A SARIF 2.1.0 log, as GitHub code scanning accepts: one rule per code (all of
    ``codes``, else those found), results with file, line and column (paths relative
    to the working directory when ``source_root`` is given)."""
    problems = list(problems)
    ids = sorted(set(codes) if codes is not None else {p.code for p in problems})
    names = names or {}
    helps = helps or {}
    rules = []
    for c in ids:
        title = CODES[c].title[lang]
        rules.append(
            {
                "id": c,
                "name": names.get(c, c),
                "shortDescription": {"text": title},
                "fullDescription": {"text": helps.get(c, title)},
                "help": {"text": helps.get(c, title)},
                "defaultConfiguration": {"level": _SARIF_LEVEL[CODES[c].severity]},
            }
        )
    results = []
    whole = REGISTRY_FILE  # where a finding of no file is placed
    for p in problems:
        res: dict[str, Any] = {
            "ruleId": p.code,
            "ruleIndex": ids.index(p.code),
            "level": _SARIF_LEVEL[p.severity],
            "message": {"text": p.message(lang)},
        }
        # every result has a location (GitHub refuses one without): a finding of no file
        # (a registry read from a catalog, or made in Python) is placed at the registry
        # itself, its first line
        file = p.file or whole
        kept = catalog_of(file)
        if kept is not None:
            # a file a catalog keeps (a roll-up's member that is one: layout.kept_in):
            # placed at the catalog, the YAML's place as properties
            loc: dict[str, Any] = {"artifactLocation": {"uri": _uri(kept[1], source_root)}}
            loc["region"] = {"startLine": 1}
            loc["properties"] = {"file": kept[0], "line": p.line, "column": p.column}
        else:
            loc = {"artifactLocation": {"uri": _uri(file, source_root)}}
            loc["region"] = {"startLine": p.line if p.file and p.line > 0 else 1}
            if p.file and p.line > 0 and p.column > 0:
                loc["region"]["startColumn"] = p.column
        if p.sheet is not None:  # a workbook: the region is the cell's row and column
            loc["properties"] = {"sheet": p.sheet, "cell": p.cell}
        located: dict[str, Any] = {"physicalLocation": loc}
        if p.entity:
            located["logicalLocations"] = [{"fullyQualifiedName": p.entity}]
        res["locations"] = [located]
        results.append(res)
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "powerreg", "version": version, "rules": rules}},
                "results": results,
            }
        ],
    }


def _uri(file: str, source_root: str | None) -> str:
    if source_root is None:
        return file
    path = Path(source_root) / file
    try:
        return Path(os.path.relpath(path)).as_posix()
    except ValueError:  # another drive on Windows
        return path.as_posix()
