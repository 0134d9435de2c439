"""JSON Schemas of the two file kinds, generated from the models.

Editors use them to check and complete registry files as they are typed; ``powerreg
schema --check`` keeps the copies in ``schemas/`` in step with the models.

Examples:
    >>> sorted(json_schemas())
    ['power.schema.json', 'registry.schema.json']
    >>> json_schemas()["power.schema.json"]["additionalProperties"]
    False
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .model import Power, RegistryMeta

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def json_schemas() -> dict[str, dict[str, Any]]:
    """File name → JSON Schema, for ``registry.yaml`` and for one power file."""
    out = {}
    for name, model, title in (
        ("registry.schema.json", RegistryMeta, "powerreg registry.yaml"),
        ("power.schema.json", Power, "powerreg power file (powers/<id>.yaml)"),
    ):
        schema = model.model_json_schema(by_alias=True, mode="validation")
        out[name] = {"$schema": DRAFT, "$id": name, **schema, "title": title}
    return out


def render_schema(schema: dict[str, Any]) -> str:
    """The stable text form written to disk (sorted keys, UTF-8, final newline)."""
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def stale_schemas(directory: str | os.PathLike[str]) -> list[str]:
    """Names of schema files in ``directory`` that are missing or differ from the models."""
    d = Path(directory)
    stale = []
    for name, schema in json_schemas().items():
        path = d / name
        if not path.is_file() or path.read_text(encoding="utf-8") != render_schema(schema):
            stale.append(name)
    return stale


def write_schemas(directory: str | os.PathLike[str]) -> list[Path]:
    """Write both schemas into ``directory`` (created if needed), atomically each."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in json_schemas().items():
        path = d / name
        tmp = path.with_name(f".{name}.tmp")
        tmp.write_text(render_schema(schema), encoding="utf-8")
        os.replace(tmp, path)
        written.append(path)
    return written
