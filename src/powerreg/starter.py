"""A starting file for a new power: ``powerreg new power XK-017 --category XK``.

The file validates as written: the power's category is one the registry declares, its
subject is the department, its division and posts are units and posts of the registry's
org chart (when it declares one), and it has one flowchart of the usual shape (受理审查 with
its 补正 loop and 不予受理 branch, 审查, 审批决定) with a risk point on each decision and
countermeasures in the three stages. What the keeper must still write is marked
``（待填写：…）`` so that nothing invented passes for the department's own text.

Examples:
    >>> import powerreg, tempfile, shutil
    >>> root = tempfile.mkdtemp() + "/reg"
    >>> _ = shutil.copytree("examples/minimal", root)
    >>> path = write_new_power(root, "XK-017", "XK")
    >>> path.name, powerreg.load(root).powers["XK-017"].flowcharts[0].steps[1].label
    ('XK-017.yaml', '受理审查')
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from .atomic import write_text
from .errors import UsageError
from .layout import POWERS_DIR, REGISTRY_FILE
from .load import load
from .model import Power, Registry, StepKind, is_id
from .model.enums import UnitKind
from .suggest import closest
from .synth.yamlfiles import power_yaml

#: What the keeper has to write in place of each placeholder.
TODO = "（待填写：{}）"


def _division(reg: Registry, category: str) -> str:
    """The division that handles most powers of the category, else the first division."""
    used = Counter(p.division for p in reg.powers_of(category))
    if used:
        return used.most_common(1)[0][0]
    declared = reg.units or []
    units = [u for u in declared if u.kind is UnitKind.DIVISION] or declared
    return units[0].name if units else TODO.format("承办机构")


def _decider(reg: Registry, category: str, *, intake: bool) -> str | None:
    """The post that most often takes the category's intake (受理) decisions, or its
    other decisions."""
    deciders = Counter(
        s.role
        for p in reg.powers_of(category)
        for _, s in p.iter_steps()
        if s.kind is StepKind.DECISION and s.role and ("受理" in s.label) == intake
    )
    return deciders.most_common(1)[0][0] if deciders else None


def starter_power(meta: Registry, power_id: str, category: str) -> Power:
    """A new power of ``category`` that validates against the registry ``meta``, its
    division and deciding post the ones the category's powers use most.

    Raises:
        UsageError: the id is not an id, or the category is not declared.
    """
    if not is_id(power_id):
        raise UsageError("starter.bad_id", power_id=power_id)
    codes = [c.code for c in meta.categories]
    if category not in codes:
        close = closest(category, codes)
        if close:
            raise UsageError(
                "starter.no_category_close",
                category=category,
                codes=", ".join(codes),
                close=close,
            )
        raise UsageError("starter.no_category", category=category, codes=", ".join(codes))
    division = _division(meta, category)
    head = _decider(meta, category, intake=False) or (meta.posts or [division])[0]
    window = _decider(meta, category, intake=True) or division
    measure = TODO.format("防范措施")
    data = {
        "id": power_id,
        "category": category,
        "name": TODO.format("事项名称"),
        "legal_basis": [TODO.format("设定依据：法律法规名称及条款")],
        "subject": meta.department,
        "division": division,
        "promised_limit": 20,
        "responsibilities": [TODO.format("责任事项")],
        "accountability": [TODO.format("追责情形")],
        "flowcharts": [
            {
                "id": "F1",
                "title": TODO.format("流程图名称"),
                "steps": [
                    {"id": sid, "kind": kind, "label": label, "role": role, "days": days,
                     "pauses_clock": label == "一次性告知补正材料"}
                    for sid, kind, label, role, days in (
                        ("S1", "start", "申请人提交申请材料", None, None),
                        ("S2", "decision", "受理审查", window, 1),
                        ("S3", "task", "一次性告知补正材料", window, 1),
                        ("S4", "task", "出具不予受理决定书并说明理由", window, 1),
                        ("S5", "task", "审查申请材料", division, 10),
                        ("S6", "decision", "审批决定", head, 3),
                        ("S7", "task", "作出准予决定", division, 2),
                        ("S8", "task", "作出不予准予决定并说明理由", division, 2),
                        ("S9", "end", "送达并公开结果", None, None),
                        ("S10", "end", "不予受理决定书送达申请人", None, None),
                    )
                ],
                "transitions": [
                    "S1 -> S2",
                    {"from": "S2", "to": "S3", "when": "材料不齐全需补正"},
                    "S3 -> S2",
                    {"from": "S2", "to": "S4", "when": "不属于本机关职权范围"},
                    "S4 -> S10",
                    {"from": "S2", "to": "S5", "when": "材料齐全予以受理"},
                    "S5 -> S6",
                    {"from": "S6", "to": "S7", "when": "符合条件"},
                    {"from": "S6", "to": "S8", "when": "不符合条件"},
                    "S7 -> S9",
                    "S8 -> S9",
                ],
            }
        ],
        "risk_points": [
            {
                "id": f"R{i}",
                "at": at,
                "level": level,
                "type": "duty",
                "description": TODO.format("风险描述"),
                "countermeasures": [
                    {"id": f"M{j}", "kind": kind, "stage": stage, "description": measure,
                     "responsible": division}
                    for j, (kind, stage) in enumerate(
                        [("disclosure", "before"), ("supervision", "during"),
                         ("institution", "after")], start=1)
                ],
            }
            for i, (at, level) in enumerate([("F1/S2", "medium"), ("F1/S6", "high")], start=1)
        ],
    }  # fmt: skip
    return Power.model_validate(data)


def write_new_power(registry: str | os.PathLike[str], power_id: str, category: str) -> Path:
    """Write ``powers/<power_id>.yaml`` into the registry directory ``registry``.

    Raises:
        UsageError: not a registry directory, a power of that id already there, a bad
            id or category.
        RegistryError: the registry does not load (fix it first).
    """
    root = Path(registry)
    if not (root / REGISTRY_FILE).is_file():
        raise UsageError("starter.not_registry", path=root, file=REGISTRY_FILE)
    reg = load(root)
    if power_id in reg.powers:
        where = reg.location(power_id)
        file = where[0] if where else f"{POWERS_DIR}/{power_id}.yaml"
        raise UsageError("starter.power_exists", power_id=power_id, file=file)
    target = root / POWERS_DIR / f"{power_id}.yaml"
    if target.exists():
        raise UsageError("starter.file_exists", path=target)
    power = starter_power(reg, power_id, category)
    text = f"# 新事项 {power_id}：请把（待填写：…）改为本部门的内容\n" + power_yaml(power)
    target.parent.mkdir(exist_ok=True)
    return write_text(target, text)
