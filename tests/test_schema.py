"""JSON Schemas: generated from the models, in step with schemas/, agreeing with the loader."""

from __future__ import annotations

import copy
import json
import re
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


# ------------------------------------------------------------------ descriptions (issue 16.8)

CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]{3,}")


def _properties(schema: dict) -> list[tuple[str, dict]]:
    """``(where, property schema)`` of every property of a schema and of its ``$defs``."""
    objects = [("", schema), *((f"$defs/{k}", v) for k, v in schema.get("$defs", {}).items())]
    return [
        (f"{where}/{key}", prop)
        for where, obj in objects
        for key, prop in obj.get("properties", {}).items()
    ]


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_every_property_is_described_in_chinese_and_english(name: str) -> None:
    props = _properties(SCHEMAS[name])
    assert len(props) > 10
    bare = [
        where
        for where, prop in props
        if not (CJK.search(prop.get("description", "")) and LATIN.search(prop["description"]))
    ]
    assert bare == []


def test_the_committed_schemas_describe_the_keys_people_type() -> None:
    power = json.loads((ROOT / "schemas" / "power.schema.json").read_text(encoding="utf-8"))
    props = dict(_properties(power))
    assert props["/name"]["description"].startswith("事项名称：")
    assert "promises" in props["/promised_limit"]["description"]
    assert props["/promised_days"]["description"].startswith("承诺时限：")
    assert props["$defs/Transition/from"]["description"].startswith("起点环节：")
    assert props["$defs/RiskPoint/level"]["description"].startswith("风险等级：")


def test_every_model_field_has_a_chinese_label() -> None:
    from powerreg.model import FIELD_LABELS, Power, RiskPoint, field_label
    from powerreg.model.fields import MODELS

    undescribed = []
    for model in MODELS:
        assert list(FIELD_LABELS[model.__name__]) == list(model.model_fields)
        for field, info in model.model_fields.items():
            text = info.description or ""
            if not (CJK.search(text) and LATIN.search(text)):
                undescribed.append(f"{model.__name__}.{field}")
    assert undescribed == []
    labels = [label for fields in FIELD_LABELS.values() for label in fields.values()]
    assert [label for label in labels if not CJK.match(label) or len(label) > 12] == []
    assert field_label(Power, "name") == "事项名称"
    assert field_label(Power, "statutory_limit") == "法定时限"
    assert field_label(RiskPoint, "countermeasures") == "防范措施"
