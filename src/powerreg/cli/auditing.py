"""The audit command."""

from __future__ import annotations

from pathlib import Path

from ..audit import audit as run_audit
from ..rollup import find_rollup
from . import (
    PATH_ARG,
    _load,
    fail_on_option,
    format_option,
    lang_option,
    main,
    policy_option,
    reports_errors,
    rollups,
    show_report,
)


@main.command()
@PATH_ARG
@policy_option
@format_option("text", "json", "markdown", "sarif")
@fail_on_option("lowest severity that fails (exit 1)")
@lang_option
@reports_errors
def audit(path: Path | None, policy: Path | None, fmt: str, fail_on: str, lang: str | None) -> None:
    """Audit soundness and risk coverage (SPEC §4); exit 1 if a finding reaches --fail-on.

    \b
    Examples:
        powerreg audit --format markdown > audit.md
        powerreg audit my-registry/ --policy policy.yaml --fail-on warning
        powerreg audit --format sarif > powerreg.sarif   # for GitHub code scanning
        powerreg audit province/rollup.yaml --format markdown   # A501–A504 across departments
    """
    if (rollup := find_rollup(path)) is not None:
        rollups.audit(rollup, policy, fmt, fail_on, lang)
        return
    reg = _load(path)
    show_report(run_audit(reg, policy, lang=lang), fmt, fail_on)  # type: ignore[arg-type]
