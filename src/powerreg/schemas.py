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

from .atomic import check_output, write_text
from .codes import Phrase, phrase
from .errors import UsageError
from .model import Power, RegistryMeta, field_label
from .readfile import read_limited

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def json_schemas() -> dict[str, dict[str, Any]]:
    """File name → JSON Schema, for ``registry.yaml`` and for one power file."""
    out = {}
    for name, model, title in (
        ("registry.schema.json", RegistryMeta, "powerreg registry.yaml"),
        ("power.schema.json", Power, "powerreg power file (powers/<id>.yaml)"),
    ):
        schema = model.model_json_schema(by_alias=True, mode="validation")
        props = schema.get("properties", {})
        for key in ("statutory", "promised"):
            if f"{key}_limit" in props:  # the older key, read as the same field
                props[f"{key}_days"] = {
                    **props[f"{key}_limit"],
                    "description": f"{field_label(Power, f'{key}_limit')}：{key}_limit 的旧键名，"
                    f"数字按工作日计。Older name of {key}_limit: a number is working days.",
                }
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
    """Write both schemas into ``directory`` (created if needed), atomically each.

    A file of the same name is replaced only if it is a schema written here (a JSON
    object whose ``$id`` is its name) or empty.

    Raises:
        UsageError: ``directory`` is not a directory, or a file in the way is not ours.

    Examples:
        >>> import tempfile
        >>> [p.name for p in write_schemas(tempfile.mkdtemp())]
        ['registry.schema.json', 'power.schema.json']
    """
    d = Path(directory)
    try:
        d.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise UsageError("atomic.not_dir", path=d, fix=phrase("fix.give_dir")) from None
    written = []
    for name, schema in json_schemas().items():
        path = check_output(
            d / name,
            directory=False,
            not_ours=_not_a_schema,
            fix=phrase("fix.schema_move_away", name=name),
        )
        write_text(path, render_schema(schema))
        written.append(path)
    return written


def _not_a_schema(path: Path) -> Phrase | None:
    try:
        data = json.loads(read_limited(path))
    except (UsageError, ValueError):
        data = None
    if isinstance(data, dict) and data.get("$id") == path.name:
        return None
    return phrase("part.not_a_schema")
