"""The Chinese label of every field of the models: one home, the field's description.

Every field of every model is declared with ``Field(description=...)`` in one form: its
short Chinese label, a colon and a Chinese sentence, then an English sentence::

    fee: Prose | None = Field(default=None, description="收费依据及标准：…。The fee's …")

(a count of :class:`~powerreg.model.Stats` has only the label: ``"风险点数。Number of …"``).
The JSON Schemas carry the whole description, so an editor's hover explains a key in both
languages; :func:`field_label` reads the label back, for whatever shows a field to a
person in Chinese (a DataFrame's columns, a table's headings).

Examples:
    >>> from powerreg.model import Power, RiskPoint
    >>> field_label(Power, "promised_limit"), field_label(RiskPoint, "level")
    ('承诺时限', '风险等级')
    >>> FIELD_LABELS["Power"]["name"]
    '事项名称'
    >>> field_label(Power, "nonsense")
    Traceback (most recent call last):
    ...
    KeyError: 'Power.nonsense'
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from .entities import (
    Category,
    Countermeasure,
    Disclosure,
    Flowchart,
    Power,
    RiskPoint,
    Step,
    Transition,
)
from .limits import Limit
from .orgchart import Unit
from .registry import Registry, RegistryMeta, Stats

#: The label: what a description says before its first colon or full stop.
_LABEL = re.compile(r"^([^：。]+)[：。]")

#: Every model whose fields are described, by class name.
MODELS: tuple[type[BaseModel], ...] = (
    Category,
    Step,
    Transition,
    Flowchart,
    Countermeasure,
    RiskPoint,
    Disclosure,
    Power,
    Unit,
    Limit,
    RegistryMeta,
    Registry,
    Stats,
)


def field_label(model: type[BaseModel], name: str) -> str:
    """The short Chinese label of field ``name`` of ``model`` (e.g. 事项名称);
    ``KeyError`` naming ``Model.field`` for a field that does not exist or has no label."""
    info = model.model_fields.get(name)
    m = _LABEL.match(info.description or "") if info is not None else None
    if m is None:
        raise KeyError(f"{model.__name__}.{name}")
    return m.group(1)


def field_labels(model: type[BaseModel]) -> dict[str, str]:
    """Field name → Chinese label, for every field of ``model``, in declaration order."""
    return {name: field_label(model, name) for name in model.model_fields}


#: Model name → field name → Chinese label, for every model of :data:`MODELS`.
FIELD_LABELS: dict[str, dict[str, str]] = {m.__name__: field_labels(m) for m in MODELS}
