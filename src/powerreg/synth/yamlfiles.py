"""A registry in memory → a registry directory: ``registry.yaml`` and one
``powers/<id>.yaml`` per power, in the layout and style of the reference registry."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from ..atomic import check_output, new_directory
from ..codes import Phrase, phrase
from ..errors import UsageError
from ..layout import POWERS_DIR, REGISTRY_FILE
from ..model import Power, Registry, is_id

try:
    from yaml import CSafeDumper as _BaseDumper
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeDumper as _BaseDumper  # type: ignore[assignment]


class _Flow(dict[str, Any]):
    """A mapping written on one line, as the reference writes steps, transitions and
    countermeasures."""


class _Dumper(_BaseDumper):
    """Block style except for :class:`_Flow` mappings; never anchors or aliases, which
    the loader refuses (E006)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_flow(dumper: _Dumper, data: _Flow) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=True)


_Dumper.add_representer(_Flow, _represent_flow)


def _dump(data: dict[str, Any]) -> str:
    text: str = yaml.dump(
        data,
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=1 << 16,  # one line per step or countermeasure, however long
    )
    return text


def registry_yaml(reg: Registry) -> str:
    """The text of ``registry.yaml`` for ``reg``."""
    return _dump(reg.model_dump(mode="json", by_alias=True, exclude_none=True, exclude={"powers"}))


def power_yaml(power: Power) -> str:
    """The text of ``powers/<id>.yaml`` for one power: defaults left out (a step's
    ``kind: task``), transitions without a branch label in the ``"S1 -> S2"`` shorthand.

    Examples:
        >>> from powerreg.synth import generate
        >>> print(power_yaml(generate(7).powers["QT-000001"]).split("flowcharts:")[0])
        ... # doctest: +ELLIPSIS
        id: QT-000001
        category: QT
        ...
        responsibilities:
        - 受理责任：...
    """
    data = power.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_defaults=True)
    for name, limit in (
        ("statutory_limit", power.statutory_limit),
        ("promised_limit", power.promised_limit),
    ):
        if limit is not None:  # as people write it: 20 (working days), 30 日, 3 个月
            data[name] = limit.amount if limit.in_working_days else limit.text("zh")
    for fc in data.get("flowcharts", []):
        fc["steps"] = [_Flow(s) for s in fc["steps"]]
        if "transitions" in fc:
            fc["transitions"] = [
                _Flow(t) if "when" in t else f"{t['from']} -> {t['to']}" for t in fc["transitions"]
            ]
    for r in data.get("risk_points", []):
        if "countermeasures" in r:
            r["countermeasures"] = [_Flow(m) for m in r["countermeasures"]]
    return _dump(data)


def write_registry(
    registry: Registry,
    out_dir: str | os.PathLike[str],
    *,
    progress: Callable[[int], object] | None = None,
) -> Path:
    """Write ``registry`` as a registry directory that :func:`powerreg.load` reads back into
    an equal registry: ``registry.yaml`` and ``powers/<id>.yaml``, one file per power.

    The files are written into a new directory beside ``out_dir`` that takes its place
    at the end (:func:`powerreg.atomic.new_directory`), so a failure or a kill leaves
    nothing half-written. An existing ``out_dir`` is replaced if it is empty or a
    registry directory (``registry.yaml`` and ``powers/`` and nothing else); anything
    else is refused (:func:`powerreg.atomic.check_output`). ``progress``, if given, is
    called with 1 after each power file (``click.progressbar(...).update`` fits).

    Returns:
        ``out_dir`` as a path.

    Raises:
        UsageError: if ``out_dir`` is a file, or a directory holding other things than a
            registry; or if a power id cannot be a file name.

    Examples:
        >>> import tempfile, powerreg
        >>> from powerreg.synth import generate
        >>> registry = generate(10, seed=3)
        >>> out = write_registry(registry, tempfile.mkdtemp() + "/registry")
        >>> sorted(p.name for p in out.iterdir()), len(list((out / "powers").iterdir()))
        (['powers', 'registry.yaml'], 10)
        >>> powerreg.load(out) == registry
        True
    """
    out = Path(out_dir)
    check_output(
        out,
        directory=True,
        not_ours=_not_a_registry,
        fix=phrase("fix.registry_dir"),
        source=registry.source_root,
    )
    for pid in registry.powers:
        if not is_id(pid):
            raise UsageError("synth_files.bad_id", id=repr(pid))
    with new_directory(out) as tmp:
        (tmp / POWERS_DIR).mkdir()
        (tmp / REGISTRY_FILE).write_text(registry_yaml(registry), encoding="utf-8")
        for pid, power in registry.powers.items():
            (tmp / POWERS_DIR / f"{pid}.yaml").write_text(power_yaml(power), encoding="utf-8")
            if progress is not None:
                progress(1)
    return out


def _not_a_registry(target: Path) -> Phrase | None:
    """Why a non-empty directory is not a registry directory that may be replaced:
    anything but ``registry.yaml`` and ``powers/`` would be deleted."""
    names = sorted(p.name for p in target.iterdir())
    others = [n for n in names if n not in (REGISTRY_FILE, POWERS_DIR)]
    if not others and REGISTRY_FILE in names:
        return None
    shown = ", ".join(others[:5] or names[:5]) + (", …" if len(others) > 5 else "")
    return phrase("part.not_a_registry_dir", names=shown)
