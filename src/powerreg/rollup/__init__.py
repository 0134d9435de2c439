"""A province's registries in one: a roll-up of many departments, in bounded memory.

A **roll-up** is a file, ``rollup.yaml``, that names the registries a provincial office
receives — the province's own departments, its cities' and counties' — and where each
lies, relative to the file::

    title: 示例省行政权力清单汇总（2011 年）
    departments:
      - id: SEPD                  # the department's id in the roll-up (an id, SPEC §2)
        name: 示例省环境保护厅
        level: province           # province 省 · city 市 · county 县
        path: members/sepd        # a registry directory, inside the roll-up's folder
      - id: SZ-EPB
        name: 示例市环境保护局
        level: city
        region: 示例市            # optional: departments of one level *and* region are peers
        path: members/sz-epb

``powerreg validate``, ``audit``, ``export``, ``site`` and ``build`` take such a file (or a
directory holding ``rollup.yaml`` and no ``registry.yaml``) wherever they take a registry;
the command line looks at PATH (:func:`find_rollup`) and hands a roll-up to the functions
of this package, :func:`validate`, :func:`audit`, :func:`export`, :func:`site` and
:func:`build`. The single-registry code paths are not touched.

Design, and why:

* **A member is processed whole, one at a time, in a worker process** (:mod:`.worker`):
  load, audit, and — as the command asks — export its catalog, publish its site, or run
  its own ``powerreg build`` (:func:`powerreg.mainjob.build`) into
  ``departments/<id>/``, so a member's part of a roll-up build *is* its own build. Two
  worker processes (``concurrent.futures.ProcessPoolExecutor``, ``forkserver`` start, a
  pool let go after eight members a worker so that its memory does not creep) keep both
  cores busy;
  ``POWERREG_WORKERS`` sets another number, ``0`` runs in this process. A registry is
  never held by the parent: a province of 200,000 powers does not fit in memory whole
  (about 2 GB per 100,000 powers), 400 powers of one department do.
* **Only what the cross-department rules need comes back** (:mod:`.summary`): per power
  its normalised name and legal basis, its id, statutory limit, category name and line;
  per department its counts and how many of its high risks a supervision or technology
  measure guards; its own audit's counts (and, for ``audit``, its findings).
* **The cross-department rules** (:mod:`.rules`) are audit rules with A5xx codes, their
  severities and templates in :mod:`powerreg.codes.audit_codes`, honoured by the audit
  policy like any other (``severities: {A502: off}``, ``peer_coverage_gap``):

  ====  ========  ==============================================================
  A501  warning   the same power (normalised name and legal basis) held by two
                  departments of one level (and region, where given)
  A502  warning   one power's legal basis given different statutory limits or
                  categories in different departments
  A503  warning   a department whose high risks lack supervision or technology
                  measures while its peers have them
  A504  error     a member registry that does not load (the others are still built)
  ====  ========  ==============================================================

* **Every problem names the member's file and line**: a member's problems and findings
  are shown with its path in front (``members/sepd/powers/XK-001.yaml:12:3``) and their
  entity with its department (``SEPD:XK-001/F1/S3``); a problem of ``rollup.yaml`` itself
  (:mod:`.spec`: unknown key, missing field, a path outside the roll-up's folder, a
  duplicate id) is an E code at its line, and stops the roll-up as a bad registry does.
* **The combined outputs are merged as members finish, in rollup.yaml's order**:
  the catalog (:mod:`.combined`) copies each member catalog's rows with ``ATTACH`` and
  ``INSERT … SELECT``, ids prefixed with the department (``SEPD:XK-001/F1/S3``), a
  ``department`` column on every row and a ``departments`` table (level, region, counts,
  coverage); the single-registry schema is unchanged. The website (:mod:`.portal`) is the
  members' own sites under ``departments/<id>/`` with an index of departments ranked by
  coverage and a page of cross-department findings; the Markdown report has the same
  table (:mod:`.report`).
* **One department does not stop the province**: a member that does not load is A504
  and left out of the catalog and the site; a member's audit failing does not stop its
  build. The outputs are written atomically as usual; the exit status says whether the
  whole (members' findings and the cross-department ones) passes ``--fail-on``.

Layout: :mod:`.spec` (rollup.yaml) ← :mod:`.summary` ← :mod:`.rules` ← :mod:`.report`;
:mod:`.worker` (one member) ← :mod:`.combined` (the catalog), :mod:`.portal` (the site)
← :mod:`.jobs` (the five commands).

Examples:
    >>> import tempfile, shutil
    >>> from pathlib import Path
    >>> root = Path(tempfile.mkdtemp())
    >>> for d in ("a", "b"):
    ...     _ = shutil.copytree("examples/minimal", root / d)
    >>> _ = (root / "rollup.yaml").write_text(
    ...     "title: 示例汇总\\ndepartments:\\n"
    ...     "  - {id: A, name: 甲市环境保护局, level: city, path: a}\\n"
    ...     "  - {id: B, name: 乙市环境保护局, level: city, path: b}\\n", encoding="utf-8")
    >>> from powerreg.rollup import audit
    >>> report = audit(root, lang="en", workers=0)
    >>> for f in report.cross:
    ...     print(f.code, f.entity, f.where)
    A501 A:CF-001 a/powers/CF-001.yaml:1:5
    A501 A:XK-001 a/powers/XK-001.yaml:1:5
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazyface import attach

if TYPE_CHECKING:
    from .jobs import audit, build, export, site, validate
    from .report import DepartmentRow, RollupReport
    from .results import RollupBuild, RollupExport, RollupSite, RollupValidation, summary_json
    from .rules import CROSS_CHECKS
    from .spec import ROLLUP_FILE, Department, DepartmentLevel, Rollup, find_rollup, read_rollup
    from .summary import MemberSummary, PowerMark, basis_key, name_key, summarise

# each name imported with its module when first asked for (powerreg.lazyface): a
# command on one registry asks only find_rollup whether PATH is a roll-up
__getattr__, __dir__ = attach(
    __name__,
    {
        ".jobs": ("audit", "build", "export", "site", "validate"),
        ".report": ("DepartmentRow", "RollupReport"),
        ".results": (
            "RollupBuild",
            "RollupExport",
            "RollupSite",
            "RollupValidation",
            "summary_json",
        ),
        ".rules": ("CROSS_CHECKS",),
        ".spec": (
            "ROLLUP_FILE",
            "Department",
            "DepartmentLevel",
            "Rollup",
            "find_rollup",
            "read_rollup",
        ),
        ".summary": ("MemberSummary", "PowerMark", "basis_key", "name_key", "summarise"),
    },
)

__all__ = [
    "CROSS_CHECKS",
    "ROLLUP_FILE",
    "Department",
    "DepartmentLevel",
    "DepartmentRow",
    "MemberSummary",
    "PowerMark",
    "Rollup",
    "RollupBuild",
    "RollupExport",
    "RollupReport",
    "RollupSite",
    "RollupValidation",
    "audit",
    "basis_key",
    "build",
    "export",
    "find_rollup",
    "name_key",
    "read_rollup",
    "site",
    "summarise",
    "summary_json",
    "validate",
]
