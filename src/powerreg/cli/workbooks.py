"""Workbooks in and out: import a department's book, export one for reviewers."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import click

from ..errors import UsageError
from ..lang import default_lang
from ..synth import write_registry
from ..workbook import DEFAULT_MAX_BYTES, PLACEHOLDER_AT
from . import PATH_ARG, _load, lang_option, main, output_option, reports_errors
from .words import say


def _workbook() -> ModuleType:
    """The workbook package with its file format (extra 'workbook'), imported to use it."""
    try:
        from .. import workbook
        from ..workbook import read, write  # noqa: F401  (openpyxl, python-calamine)
    except ImportError as err:
        raise UsageError("service.workbook_extra_missing", module=str(err.name)) from err
    return workbook


@main.command("import")
@click.argument("book", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@output_option("registry directory to write: new, empty, or a registry to replace")
@click.option("--department", help="the department, if the book's title row does not name it")
@click.option("--year", type=click.IntRange(1949, 2200), help="the year, if the title does not say")
@click.option("--id", "registry_id", help="the registry's id (default: the book's file name)")
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_BYTES,
    show_default=True,
    help="largest workbook read",
)
@lang_option
@reports_errors
def import_book(
    book: Path,
    out: Path,
    department: str | None,
    year: int | None,
    registry_id: str | None,
    max_bytes: int,
    lang: str | None,
) -> None:
    """Read a workbook (.xlsx) into a registry directory: registry.yaml and powers/*.yaml.

    BOOK is a workbook written by export-workbook, or a department's flat 一览表: a
    title row, a header row (事项名称, 权力类别, 风险点, 风险等级, 风险类别, 防控措施 …
    in any order), merged cells, countermeasures numbered in one cell. Every problem is
    reported at its sheet and cell, and nothing is written. DIR is written whole or not
    at all.

    \b
    Examples:
        powerreg import 一览表.xlsx -o my-registry/
        powerreg import 一览表.xlsx -o my-registry/ --department 示例市环境保护局 --year 2011
    """
    reg = _workbook().read_workbook(
        book, max_bytes=max_bytes, department=department, year=year, registry_id=registry_id
    )
    path = write_registry(reg, out)
    shown = lang or default_lang()
    click.echo(say("wrote_registry", shown, path=path, sentence=reg.stats().sentence))
    waiting = [p for p in reg.powers.values() if any(r.at == PLACEHOLDER_AT for r in p.risk_points)]
    if waiting:
        click.echo(say("placeholders", shown, n=len(waiting), path=path), err=True)


@main.command("export-workbook")
@PATH_ARG
@output_option(
    "workbook to write, e.g. registry.xlsx (new, or one written by export-workbook)", kind="file"
)
@lang_option
@reports_errors
def export_workbook(path: Path | None, out: Path, lang: str | None) -> None:
    """Write the registry as a workbook for reviewers (Excel, WPS): the 一览表, one sheet
    per kind (权力事项, 流程图, 流程环节, 流转, 风险点, 防控措施 …) and 说明.

    Chinese headers, frozen and filtered; drop-downs for levels, types, kinds and stages.
    `powerreg import` reads it back into an equal registry. The file is replaced
    atomically: a failed export leaves the previous one.

    \b
    Examples:
        powerreg export-workbook -o reference.xlsx
        powerreg export-workbook my-registry/ -o my-registry.xlsx
    """
    reg = _load(path)
    written = _workbook().write_workbook(reg, out)
    s = reg.stats()
    click.echo(
        say(
            "wrote_workbook",
            lang or default_lang(),
            path=written,
            powers=s.powers,
            flowcharts=s.flowcharts,
            risks=s.risk_points,
            measures=s.countermeasures,
        )
    )
