"""Made-up registries with the shape of the bundled reference registry, at any size.

:func:`generate` builds an in-memory :class:`~powerreg.model.Registry` of ``n_powers``
powers: the reference's seven categories in its proportions (16 XK, 13 SP, 26 CF, 3 QZ,
3 ZS, 7 JC, 16 QT of 84); 1–3 flowcharts per power (1.4 on average, like 118/84) of 6–12
steps in the reference's shapes — licensing with its 补正 loop and 不予受理 branch,
penalties from 立案 to 执行, levies from 申报 to 稽查, inspections, coercive measures,
hearings, reviews; about 3 risk points per power, one on every decision step; about 3
countermeasures per risk point; Chinese text composed from phrase tables; step days
that fit the promised limit, which is at most two thirds of the statutory one. The same
seed gives an equal registry, and the default audit finds nothing in it.

:func:`write_registry` writes a registry as a directory that :func:`powerreg.load`
reads back into an equal registry; :func:`write_province` writes a made-up province, a
roll-up of many departments' registries with cross-department overlaps planted
(:mod:`.province`).

Used by the tests (hypothesis) and the benchmarks; the data is made up.

Layout: ``phrases`` (text tables) ← ``charts`` (the chart builder and shapes) ←
``kinds`` (what each category looks like) ← ``build`` (risk points, countermeasures,
powers, :func:`generate`); ``write`` (:func:`write_registry`).

Examples:
    >>> import powerreg
    >>> reg = generate(14, seed=1)
    >>> reg.stats().powers_by_category
    {'XK': 2, 'SP': 2, 'CF': 4, 'QZ': 1, 'ZS': 1, 'JC': 1, 'QT': 3}
    >>> powerreg.audit(reg).findings
    []
    >>> generate(14, seed=1) == reg, generate(14, seed=2) == reg
    (True, False)
"""

from __future__ import annotations

from ..collector import FREEZE_AT
from .generator import DEPARTMENT, apportion, generate
from .kinds import CATEGORIES, REFERENCE_COUNTS
from .province import write_province
from .yamlfiles import power_yaml, registry_yaml, write_registry

__all__ = [
    "CATEGORIES",
    "DEPARTMENT",
    "FREEZE_AT",
    "REFERENCE_COUNTS",
    "apportion",
    "generate",
    "power_yaml",
    "registry_yaml",
    "write_province",
    "write_registry",
]
