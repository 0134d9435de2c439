"""JSON Schemas: generated from the models, in step with schemas/, agreeing with the loader."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from powerreg.schemas import json_schemas, render_schema, stale_schemas, write_schemas

from .conftest import EXAMPLE, META, ROOT, power_data

SCHEMAS = json_schemas()


def validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(SCHEMAS[name])


def test_committed_schemas_match_the_models() -> None:
    assert stale_schemas(ROOT / "schemas") == []


def test_write_then_check(tmp_path: Path) -> None:
    assert sorted(stale_schemas(tmp_path)) == ["power.schema.json", "registry.schema.json"]
    write_schemas(tmp_path)
    assert stale_schemas(tmp_path) == []
    (tmp_path / "power.schema.json").write_text("{}", encoding="utf-8")
    assert stale_schemas(tmp_path) == ["power.schema.json"]
    assert json.loads(render_schema(SCHEMAS["power.schema.json"])) == SCHEMAS["power.schema.json"]


def test_project_fixtures_are_valid_against_the_schemas() -> None:
    for schema in SCHEMAS.values():
        jsonschema.Draft202012Validator.check_schema(schema)
    validator("registry.schema.json").validate(META)
    validator("registry.schema.json").validate(
        yaml.safe_load((EXAMPLE / "registry.yaml").read_text(encoding="utf-8"))
    )
    for path in sorted((EXAMPLE / "powers").glob("*.yaml")):
        validator("power.schema.json").validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    validator("power.schema.json").validate(power_data())


def test_schema_accepts_aliases_and_shorthand() -> None:
    data = power_data()
    data["risk_points"][0]["level"] = "一级"
    data["risk_points"][0]["countermeasures"][0]["kind"] = "电子监察"
    validator("power.schema.json").validate(data)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("risk_points", 0, "level"), "extreme"),
        (("flowcharts", 0, "steps", 0, "lable"), "x"),
        (("flowcharts", 0, "transitions", 0), "S1 S2"),
        (("id",), "not an id"),
        (("statutory_days",), -1),
    ],
)
def test_schema_and_models_reject_the_same_mistakes(path: tuple, value: object) -> None:
    from pydantic import ValidationError

    from powerreg import Power

    data = copy.deepcopy(power_data())
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    assert not validator("power.schema.json").is_valid(data)
    with pytest.raises(ValidationError):
        Power.model_validate(data)
