"""Loading: every problem of SPEC §3, with its exact code, file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

import powerreg
from powerreg import RegistryError
from powerreg.load import load

from .conftest import EXAMPLE, META, WriteRegistry, dump, power_data

F = "powers/XK-001.yaml"

MINI = """\
id: XK-001
category: XK
name: 审批
subject: 局
division: 科
flowcharts:
  - id: F1
    title: 流程
    steps:
      - {id: S1, kind: start, label: 申请}
      - {id: S2, label: 审查, role: 科员, days: 5}
      - {id: S3, kind: end, label: 办结}
    transitions: [S1 -> S2, S2 -> S3]
risk_points:
  - id: R1
    at: F1/S2
    level: high
    type: duty
    description: 拖延
    countermeasures:
      - {id: M1, kind: supervision, stage: during, description: 电子监察}
"""


def problems_of(root: Path, **kwargs: int) -> list[tuple[str, str, int]]:
    with pytest.raises(RegistryError) as info:
        load(root, **kwargs)
    return info.value.codes


def test_mini_loads(write_registry: WriteRegistry) -> None:
    reg = load(write_registry({"XK-001": MINI}))
    assert reg.powers["XK-001"].flowcharts[0].transitions[1].target == "S3"
    assert reg.location("XK-001/F1/S2") == (F, 11, 9)
    assert reg.location("XK-001/R1/M1") == (F, 21, 9)


CASES = [
    # (name, replace this, with this, expected problems)
    ("syntax", "name: 审批", "name: [审批", [("E001", F, 4)]),
    ("duplicate key", "name: 审批", "name: 审批\nname: 又一个", [("E001", F, 4)]),
    ("unknown enum", "level: high", "level: hig", [("E002", F, 17)]),
    ("unknown field", "title: 流程", "titel: 流程", [("E002", F, 7), ("E002", F, 8)]),
    (
        "bad id",
        "{id: S2,",
        "{id: S 2,",
        [("E002", F, 11), ("E004", F, 13), ("E004", F, 13), ("E004", F, 16)],
    ),
    ("wrong type", "days: 5", "days: 五", [("E002", F, 11)]),
    ("missing field", "subject: 局\n", "", [("E002", F, 1)]),
    (
        "duplicate step",
        "{id: S3, kind: end",
        "{id: S2, kind: end",
        [("E003", F, 12), ("E004", F, 13)],
    ),
    (
        "duplicate risk",
        "risk_points:\n",
        "risk_points:\n  - {id: R1, at: F1/S2, level: low, type: duty, description: 重复}\n",
        [("E003", F, 16)],
    ),
    ("dangling transition", "S2 -> S3]", "S2 -> S9]", [("E004", F, 13)]),
    ("dangling risk step", "at: F1/S2", "at: F1/S9", [("E004", F, 16)]),
    ("dangling risk chart", "at: F1/S2", "at: F7/S2", [("E004", F, 16)]),
    ("unknown category", "category: XK", "category: QT", [("E004", F, 2)]),
    ("anchor", "name: 审批", "name: &n 审批", [("E006", F, 3)]),
    ("alias", "division: 科", "division: *x", [("E006", F, 5)]),
    ("tag", "name: 审批", "name: !!str 审批", [("E006", F, 3)]),
    ("bad shorthand", "[S1 -> S2,", "[S1 S2,", [("E002", F, 13)]),
    ("two documents", "id: XK-001\n", "id: XK-001\n---\nid: x\n", [("E001", F, 2)]),
]


@pytest.mark.parametrize(
    ("before", "after", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_problem_is_reported_where_it_is(
    write_registry: WriteRegistry,
    before: str,
    after: str,
    expected: list[tuple[str, str, int]],
) -> None:
    assert before in MINI
    root = write_registry({"XK-001": MINI.replace(before, after, 1)})
    assert problems_of(root) == expected


def test_alias_with_anchor_is_refused(write_registry: WriteRegistry) -> None:
    text = MINI.replace("subject: 局", "subject: &s 局").replace("division: 科", "division: *s")
    assert problems_of(write_registry({"XK-001": text})) == [("E006", F, 4), ("E006", F, 5)]


def test_not_utf8(write_registry: WriteRegistry) -> None:
    raw = MINI.encode("utf-8").replace("name: 审批".encode(), b"name: \xb8\xdf")
    assert problems_of(write_registry({"XK-001": raw})) == [("E001", F, 3)]


def test_file_stem_differs_from_id(write_registry: WriteRegistry) -> None:
    root = write_registry({"XK-002": MINI})
    assert problems_of(root) == [("E005", "powers/XK-002.yaml", 1)]


def test_two_files_declare_one_power(write_registry: WriteRegistry) -> None:
    root = write_registry({"XK-001": MINI, "XK-002": MINI})
    assert problems_of(root) == [
        ("E003", "powers/XK-002.yaml", 1),
        ("E005", "powers/XK-002.yaml", 1),
    ]


def test_file_over_size_limit_is_refused_before_parsing(write_registry: WriteRegistry) -> None:
    big = MINI + "# " + "x" * 2000 + "\n" + "bad: [\n"
    root = write_registry({"XK-001": big})
    assert problems_of(root, max_bytes=1000) == [("E007", F, 1)]


def test_missing_registry_yaml_and_powers_dir(write_registry: WriteRegistry) -> None:
    root = write_registry(no_meta=True, no_powers_dir=True)
    assert problems_of(root) == [("E007", "powers/", 0), ("E007", "registry.yaml", 0)]


def test_not_a_directory(tmp_path: Path) -> None:
    assert problems_of(tmp_path / "nothing")[0][0] == "E007"


def test_registry_yaml_problems(write_registry: WriteRegistry) -> None:
    meta = dump(
        {
            **META,
            "year": "二〇一一",
            "categories": [*META["categories"], dict(META["categories"][0])],
        }
    )
    root = write_registry({"XK-001": MINI}, meta=meta)
    problems = problems_of(root)
    assert [p[:2] for p in problems] == [("E002", "registry.yaml")]
    assert problems[0][2] == meta.splitlines().index("year: 二〇一一") + 1


def test_duplicate_category_code(write_registry: WriteRegistry) -> None:
    meta = dump({**META, "categories": [*META["categories"], dict(META["categories"][0])]})
    root = write_registry({"XK-001": MINI}, meta=meta)
    lines = meta.splitlines()
    line = lines.index("- code: XK", 1 + lines.index("- code: XK")) + 1
    assert problems_of(root) == [("E003", "registry.yaml", line)]


def test_every_problem_in_every_file_is_reported_at_once(write_registry: WriteRegistry) -> None:
    root = write_registry(
        {
            "XK-001": MINI.replace("level: high", "level: 极高"),
            "XK-002": MINI.replace("id: XK-001", "id: XK-002").replace("S2 -> S3]", "S2 -> S4]"),
            "CF-001": MINI.replace("id: XK-001", "id: CF-001").replace(
                "category: XK", "category: CX"
            ),
            "CF-002": b"id: CF-002\nname: \xff\n",
        }
    )
    assert problems_of(root) == [
        ("E004", "powers/CF-001.yaml", 2),
        ("E001", "powers/CF-002.yaml", 2),
        ("E002", F, 17),
        ("E004", "powers/XK-002.yaml", 13),
    ]


def test_messages_say_what_to_do(write_registry: WriteRegistry) -> None:
    root = write_registry(
        {
            "XK-001": MINI.replace("title: 流程", "titel: 流程").replace(
                "category: XK", "category: XK1"
            )
        }
    )
    with pytest.raises(RegistryError) as info:
        load(root)
    lines = [str(p) for p in info.value.problems]
    assert lines == [
        f"{F}:2:11: E004 category 'XK1' is not declared in registry.yaml (categories: CF, XK); "
        "did you mean 'XK'?",
        f"{F}:7:5: E002 missing required field 'title'; add it",
        f"{F}:8:5: E002 unknown field 'titel'; did you mean 'title'?",
    ]
    assert info.value.problems[1].entity == "XK-001/F1"


def test_billion_laughs_is_refused_without_expansion(write_registry: WriteRegistry) -> None:
    lol = ['lol0: &a0 "lol"']
    for i in range(1, 10):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lol.append(f"lol{i}: &a{i} [{refs}]")
    root = write_registry({"XK-001": MINI + "\n".join(lol) + "\n"})
    problems = problems_of(root)
    # every anchor and alias is named once; nothing is expanded (10^9 strings otherwise)
    assert {p[0] for p in problems} == {"E006"}
    assert len(problems) == 10 + 9 * 10


def test_the_example_loads_with_positions() -> None:
    reg = powerreg.load(EXAMPLE)
    assert sorted(reg.powers) == ["CF-001", "XK-001"]
    assert reg.location("XK-001") == ("powers/XK-001.yaml", 1, 5)
    rp = reg.powers["XK-001"].risk_points[1]
    assert (rp.level, rp.type) == (powerreg.Level.HIGH, powerreg.RiskType.PROCESS)


def test_risk_point_and_flowchart_ids_share_a_scope(write_registry: WriteRegistry) -> None:
    # XK-001/F1 would name both the flowchart and the risk point
    root = write_registry({"XK-001": MINI.replace("  - id: R1", "  - id: F1")})
    assert problems_of(root) == [("E003", F, 15)]


@pytest.mark.parametrize(
    ("limit", "en", "zh"),
    [
        (
            "3 weeks",
            "'promised_limit': time limit '3 weeks' is not a number of working days",
            "promised_limit：时限“3 weeks”既不是工作日数",
        ),
        (
            "200 个月",
            "'promised_limit': a time limit of 200 months is more than 120 months",
            "promised_limit：时限 200 个月 超过上限 120 个月",
        ),
    ],
)
def test_a_bad_time_limit_is_located_and_said_in_both_languages(
    write_registry: WriteRegistry, limit: str, en: str, zh: str
) -> None:
    data = power_data(promised_limit=limit)
    del data["promised_days"]
    with pytest.raises(RegistryError) as err:
        load(write_registry({"XK-001": data}))
    [p] = err.value.problems
    assert (p.code, p.file) == ("E002", "powers/XK-001.yaml")
    assert p.line > 0
    assert p.message("en").startswith(en)
    assert p.message("zh").startswith(zh)


def test_disclosure_is_read_and_its_mistakes_located(write_registry: WriteRegistry) -> None:
    withheld = MINI + "disclosure:\n  public: false\n  reason: 涉及国家秘密\n"
    reg = load(write_registry({"XK-001": withheld}))
    assert not reg.powers["XK-001"].is_public
    assert reg.location("XK-001#disclosure") == (F, 22, 1)
    bad = MINI + "disclosure:\n  pubilc: false\n"
    with pytest.raises(RegistryError) as info:
        load(write_registry({"XK-001": bad}, name="typo"))
    assert [str(p) for p in info.value.problems] == [
        f"{F}:23:3: E002 unknown field 'pubilc'; did you mean 'public'?"
    ]
    not_bool = MINI + "disclosure: {public: 否}\n"
    assert problems_of(write_registry({"XK-001": not_bool}, name="not-bool")) == [("E002", F, 22)]


ORG_META = {
    **META,
    "posts": ["局长"],
    "units": [
        {"name": "环评科", "kind": "处室", "posts": ["科长", "承办人"]},
        {"name": "市环境监察支队", "kind": "直属单位", "posts": ["支队长"]},
    ],
}


def test_an_unknown_unit_or_post_is_located_with_a_correction(
    write_registry: WriteRegistry,
) -> None:
    text = (
        MINI.replace("division: 科", "division: 环评科")
        .replace("role: 科员", "role: 环评科科员")
        .replace("description: 电子监察}", "description: 电子监察, responsible: 市环境监察大队}")
    )
    root = write_registry({"XK-001": text}, meta=ORG_META)
    with pytest.raises(RegistryError) as info:
        load(root)
    assert [str(p) for p in info.value.problems] == [
        f"{F}:11:35: E004 role names '环评科科员', but 环评科 has no post '科员' in "
        "registry.yaml (posts: 承办人, 科长); did you mean '环评科科长'?",
        f"{F}:21:84: E004 responsible names '市环境监察大队', which is neither a unit nor a "
        "post declared in registry.yaml (units: 市环境监察支队, 环评科); did you mean "
        "'市环境监察支队'?",
    ]
    zh = info.value.problems[0].message("zh")
    assert zh == (
        "role 中的 环评科科员：registry.yaml 中 环评科 没有岗位 科员（岗位：承办人, 科长）："
        "是否应为 环评科科长？"
    )
    assert info.value.problems[0].entity == "XK-001/F1/S2"
    fixed = text.replace("环评科科员", "环评科 承办人").replace("大队", "支队（两人以上）")
    reg = load(write_registry({"XK-001": fixed}, meta=ORG_META, name="fixed"))
    assert reg.units is not None
    assert reg.units[1].kind.value == "affiliated"
    # without an org chart, nothing is checked (examples/minimal has none)
    assert load(write_registry({"XK-001": text}, name="no-chart")).units is None


def test_org_chart_mistakes_in_registry_yaml(write_registry: WriteRegistry) -> None:
    meta = {**ORG_META, "units": [*ORG_META["units"], {"name": "环评科", "kind": "科室"}]}
    root = write_registry({"XK-001": MINI}, meta=meta)
    with pytest.raises(RegistryError) as info:
        load(root)
    (bad_kind,) = info.value.problems
    assert bad_kind.code == "E002"
    assert "division, affiliated, dispatched, body (or 处室" in str(bad_kind)
    meta["units"][-1]["kind"] = "处室"
    valid = MINI.replace("division: 科", "division: 环评科").replace("科员", "环评科承办人")
    root = write_registry({"XK-001": valid}, meta=meta, name="twice")
    with pytest.raises(RegistryError) as info:
        load(root)
    (twice,) = info.value.problems
    assert (twice.code, twice.file) == ("E003", "registry.yaml")
    line = (root / "registry.yaml").read_text(encoding="utf-8").splitlines()[twice.line - 1]
    assert line.strip() == "- name: 环评科"
    assert twice.line > 20  # the second one, not the first
