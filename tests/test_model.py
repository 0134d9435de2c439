"""The models: enumerations and aliases, shorthand, global ids, API-side validation."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from powerreg import (
    Level,
    MeasureKind,
    Power,
    Registry,
    RiskPoint,
    RiskType,
    Stage,
    Step,
    StepKind,
    Transition,
)
from powerreg.model import ALIASES, Unit, UnitKind, is_id

from .conftest import META, power_data


@pytest.mark.parametrize(
    ("enum", "word", "code"),
    [(enum, word, code) for enum, table in ALIASES.items() for word, code in table.items()],
)
def test_chinese_aliases_store_canonical_codes(enum: type, word: str, code: str) -> None:
    field = {Level: "level", RiskType: "type"}.get(enum)
    if enum is UnitKind:
        assert Unit.model_validate({"name": "n", "kind": word}).kind.value == code
    elif enum is StepKind:
        assert Step.model_validate({"id": "S1", "kind": word, "label": "x"}).kind.value == code
    elif field is not None:
        rp = RiskPoint.model_validate(
            {
                "id": "R1",
                "at": "F1/S1",
                "level": "low",
                "type": "duty",
                "description": "d",
                field: word,
            }
        )
        assert getattr(rp, field).value == code
    else:
        m = {"id": "M1", "kind": "institution", "stage": "before", "description": "d"}
        m["kind" if enum is MeasureKind else "stage"] = word
        power = power_data()
        power["risk_points"][0]["countermeasures"] = [m]
        cm = Power.model_validate(power).risk_points[0].countermeasures[0]
        assert (cm.kind if enum is MeasureKind else cm.stage).value == code
        assert enum in (MeasureKind, Stage)


def test_dump_writes_canonical_codes() -> None:
    power = power_data()
    power["risk_points"][0]["level"] = "一级"
    dumped = Power.model_validate(power).model_dump(mode="json", by_alias=True)
    assert dumped["risk_points"][0]["level"] == "high"
    assert dumped["flowcharts"][0]["transitions"][0] == {"from": "S1", "to": "S2", "when": None}


def test_transition_shorthand() -> None:
    assert Transition.model_validate("S1->S2") == Transition.model_validate(
        {"from": "S1", "to": "S2"}
    )
    with pytest.raises(ValidationError):
        Transition.model_validate("S1 S2")
    with pytest.raises(ValidationError):
        Transition.model_validate("S1 -> S 2")


def test_unknown_fields_are_errors() -> None:
    with pytest.raises(ValidationError, match="lable"):
        Power.model_validate({**power_data(), "lable": "x"})


def test_global_ids_on_every_entity() -> None:
    p = Power.model_validate(power_data())
    fc = p.flowcharts[0]
    r = p.risk_points[0]
    assert [p.gid, fc.gid, fc.steps[2].gid, r.gid, r.countermeasures[1].gid] == [
        "XK-001",
        "XK-001/F1",
        "XK-001/F1/S3",
        "XK-001/R1",
        "XK-001/R1/M2",
    ]
    assert (r.flowchart_id, r.step_id) == ("F1", "S2")
    assert fc.start_steps[0].kind is StepKind.START


def test_api_validation_checks_references() -> None:
    data = power_data()
    data["risk_points"][0]["at"] = "F1/S9"
    with pytest.raises(ValidationError, match="E004 risk point R1 is at step 'S9'"):
        Power.model_validate(data)


def test_registry_checks_categories_and_keys() -> None:
    good = Registry.model_validate({**META, "powers": {"XK-001": power_data()}})
    assert good.entity("XK-001/F1/S2").label == "审查"  # type: ignore[attr-defined]
    assert good.entity("XK-001/R1/M3").description == "结果公开"  # type: ignore[attr-defined]
    with pytest.raises(KeyError):
        good.entity("XK-001/R1/M9")
    with pytest.raises(ValidationError, match="E004 category 'QT'"):
        Registry.model_validate({**META, "powers": {"QT-001": power_data("QT-001", "QT")}})
    with pytest.raises(ValidationError, match="E005"):
        Registry.model_validate({**META, "powers": {"XK-002": power_data()}})


def test_stats_and_sentence() -> None:
    reg = Registry.model_validate(
        {
            **META,
            "powers": {
                "XK-001": power_data(),
                "CF-001": power_data("CF-001", "CF", flowcharts=[], risk_points=[]),
            },
        }
    )
    s = reg.stats()
    assert (
        s.categories,
        s.powers,
        s.powers_with_flowcharts,
        s.flowcharts,
        s.risk_points,
        s.countermeasures,
    ) == (2, 2, 1, 1, 1, 3)
    assert s.risk_points_by_level == {"high": 1, "medium": 0, "low": 0}
    assert s.sentence == (
        "梳理出2类、2项行政权力，查找出1个廉政风险点，绘制权力运行流程图1项、1张，制定防范措施3条"
    )


def test_equality_ignores_provenance(write_registry) -> None:  # type: ignore[no-untyped-def]
    from powerreg import load

    a = load(write_registry(name="a"))
    b = Registry.model_validate({**META, "powers": {"XK-001": power_data()}})
    assert a.location("XK-001") is not None
    assert b.location("XK-001") is None
    assert a == b


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("XK-001", True),
        ("a", True),
        ("A" * 64, True),
        ("A" * 65, False),
        ("-a", False),
        ("a b", False),
        ("审批", False),
        ("a_b", False),
        ("", False),
    ],
)
def test_id_grammar(value: str, ok: bool) -> None:
    assert is_id(value) is ok


def test_a_risk_matrix_is_three_by_three_levels() -> None:
    from powerreg import RegistryMeta

    base = {"id": "x", "department": "局", "year": 2011, "source": "s"}
    base["categories"] = [{"code": "XK", "name": "许可"}]
    good = [["低", "低", "中"], ["低", "中", "高"], ["中", "高", "高"]]
    meta = RegistryMeta.model_validate({**base, "risk_matrix": good})
    assert meta.assessed_level(2, 3) == Level.HIGH
    for bad in (good[:2], [*good[:2], ["中", "高"]], [*good[:2], ["中", "高", "极高"]]):
        with pytest.raises(ValidationError):
            RegistryMeta.model_validate({**base, "risk_matrix": bad})


def test_scores_are_one_to_three() -> None:
    data = {"id": "R1", "at": "F1/S1", "level": "low", "type": "duty", "description": "d"}
    assert RiskPoint.model_validate({**data, "likelihood": 3, "impact": 1}).likelihood == 3
    for wrong in (0, 4, "high"):
        with pytest.raises(ValidationError):
            RiskPoint.model_validate({**data, "impact": wrong})


def test_a_power_is_public_unless_withheld() -> None:
    from powerreg import Disclosure

    assert Power.model_validate(power_data()).is_public
    assert Power.model_validate(power_data()).disclosure is None
    said = Power.model_validate(power_data(disclosure={"public": True}))
    assert said.is_public
    assert said == Power.model_validate(power_data())  # the default, said aloud
    reason = "涉及国家秘密，依《中华人民共和国保守国家秘密法》第九条不予公开"
    withheld = Power.model_validate(power_data(disclosure={"public": False, "reason": reason}))
    assert not withheld.is_public
    assert withheld.disclosure == Disclosure(public=False, reason=reason)
    noted = Power.model_validate(power_data(disclosure={"reason": "主动公开"}))
    assert noted.is_public
    assert noted.disclosure == Disclosure(reason="主动公开")
    for wrong in ({"public": "maybe"}, {"public": False, "reason": ""}, {"secret": True}):
        with pytest.raises(ValidationError):
            Power.model_validate(power_data(disclosure=wrong))


ORG = {
    "posts": ["局长", "分管局领导"],
    "units": [
        {"name": "环评科", "kind": "处室", "posts": ["科长", "承办人"]},
        {"name": "市环境监察支队", "kind": "直属单位", "posts": ["支队长", "执法人员"]},
        {"name": "局长办公会", "kind": "议事机构"},
    ],
}


def test_roles_divisions_and_responsibles_name_the_org_chart() -> None:
    p = power_data()
    p["flowcharts"][0]["steps"][1]["role"] = "环评科 承办人"
    p["flowcharts"][0]["steps"][2]["role"] = "局长办公会"
    p["flowcharts"][0]["steps"][3]["role"] = "局长"
    p["risk_points"][0]["countermeasures"][0]["responsible"] = "环评科科长、市环境监察支队"
    p["risk_points"][0]["countermeasures"][1]["responsible"] = "市环境监察支队执法人员（两人以上）"
    reg = Registry.model_validate({**META, **ORG, "powers": {"XK-001": p}})
    chart = reg.org_chart()
    assert chart is not None
    assert chart.names[:4] == ["局长", "分管局领导", "环评科", "环评科科长"]
    # a registry without an org chart checks nothing
    assert Registry.model_validate({**META, "powers": {"XK-001": p}}).org_chart() is None
    p["flowcharts"][0]["steps"][3]["role"] = "环评科处长"
    p["risk_points"][0]["countermeasures"][2]["responsible"] = "环评处、局长"
    with pytest.raises(ValidationError) as info:
        Registry.model_validate({**META, **ORG, "powers": {"XK-001": p}})
    text = str(info.value)
    assert "E004 role names '环评科处长', but 环评科 has no post '处长'" in text
    assert "did you mean '环评科科长'?" in text
    assert "E004 responsible names '环评处', which is neither a unit nor a post" in text
    assert "did you mean '环评科'?" in text


def test_an_org_chart_declares_each_name_once() -> None:
    twice = {
        "posts": ["局长", "环评科"],
        "units": [{"name": "环评科", "posts": ["科长", "科长"]}],
    }
    with pytest.raises(ValidationError) as info:
        Registry.model_validate({**META, **twice})
    text = str(info.value)
    assert "E003 '环评科' is declared twice among the units and posts" in text
    assert "E003 post '科长' is declared twice in unit 环评科" in text
    for empty in ({"units": []}, {"posts": []}, {"units": [{"name": ""}]}):
        with pytest.raises(ValidationError):
            Registry.model_validate({**META, **empty})
