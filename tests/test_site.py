"""The public website (issue 14): pages, what stays out, search recall, bad input."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import powerreg
from powerreg.cli import main
from powerreg.errors import UsageError
from powerreg.site import (
    CSP,
    Fetcher,
    NotPublishable,
    PublishPolicy,
    SearchIndex,
    lookup,
    public_power,
    publish_site,
    search_fields,
    searchbatch,
)
from powerreg.site.downloads import spreadsheet_safe
from powerreg.synth import generate

from .conftest import EXAMPLE, META, WriteRegistry, power_data

FOUR_WORDS = ("审批", "罚款", "环境影响评价", "自由裁量权")


@pytest.fixture(scope="module")
def reference_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ref") / "site"
    publish_site(powerreg.load_reference(), out)
    return out


@pytest.fixture(scope="module")
def reference_texts() -> dict[str, list[str]]:
    reg = powerreg.load_reference()
    names = {c.code: c.name for c in reg.categories}
    return {pid: search_fields(p, names[p.category]) for pid, p in sorted(reg.powers.items())}


def substring_match(texts: dict[str, list[str]], query: str) -> list[str]:
    """The plain answer the index must give: powers with the query inside one field."""
    q = query.strip()
    return [pid for pid, fields in texts.items() if q and any(q in f for f in fields)]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


# ------------------------------------------------------------------------ the pages


def test_reference_site_has_every_page(reference_site: Path) -> None:
    reg = powerreg.load_reference()
    pages = sorted(p.relative_to(reference_site).as_posix() for p in reference_site.rglob("*.html"))
    assert len(pages) == 84 + 7 + 5
    assert {f"powers/{pid}.html" for pid in reg.powers} <= set(pages)
    assert {f"categories/{c.code}.html" for c in reg.categories} <= set(pages)
    assert {"index.html", "risks.html", "search.html", "about.html", "downloads.html"} <= set(pages)
    assert len(list((reference_site / "charts").rglob("*.svg"))) == 118 + 7


def test_every_page_is_chinese_self_contained_and_scriptless_inline(reference_site: Path) -> None:
    for page in reference_site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert '<html lang="zh-CN">' in html, page
        assert 'http-equiv="Content-Security-Policy"' in html, page
        assert re.search(r"""(src|href)=["']?(https?:)?//""", html) is None, page  # no outside
        scripts = re.findall(r"<script[^>]*>", html)
        assert all(re.fullmatch(r'<script src="[^"]+">', t) for t in scripts), page  # no inline
        assert " style=" not in html, page  # the CSP allows no style attribute
    csp = CSP.replace("'", "&#39;")
    assert csp in (reference_site / "index.html").read_text(encoding="utf-8")
    for asset in (reference_site / "static").iterdir():
        text = asset.read_text(encoding="utf-8")
        assert "http://" not in text.replace("http://www.w3.org/2000/svg", "")
        assert "https://" not in text
        assert "@import" not in text
        assert "@font-face" not in text


def test_power_page_shows_every_field_chart_text_and_risks(reference_site: Path) -> None:
    power = powerreg.load_reference().powers["XK-001"]
    html = (reference_site / "powers" / "XK-001.html").read_text(encoding="utf-8")
    for label in ("事项名称", "职权类别", "设定依据", "实施主体", "承办机构", "法定时限", "承诺时限",
                  "收费依据及标准", "责任事项", "追责情形", "投诉与监督"):  # fmt: skip
        assert f"<dt>{label}</dt>" in html or f">{label}<" in html, label
    assert f"<dd>{power.statutory_limit.text('zh')}</dd>" in html  # type: ignore[union-attr]
    assert html.count('<svg role="img"') == len(power.flowcharts)
    assert html.count('<ol class="steps">') == len(power.flowcharts)
    assert html.count('<li id="step.') == sum(len(fc.steps) for fc in power.flowcharts)
    assert "<?xml" not in html
    assert "<!DOCTYPE svg" not in html
    for r in power.risk_points:
        assert f'id="risk.{r.id}"' in html
        assert f'href="#risk.{r.id}"' in html  # the step of the text chart links to it
    assert html.count('<span class="badge ') == len(power.risk_points)
    assert ">事前防范（" in html
    assert ">事后防范（" in html
    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) == len(set(ids))  # two inline charts share no id


def test_category_and_home_pages(reference_site: Path) -> None:
    reg = powerreg.load_reference()
    home = (reference_site / "index.html").read_text(encoding="utf-8")
    assert reg.stats().sentence in home
    assert home.count('<li class="card">') == 7
    assert 'action="search.html"' in home
    xk = (reference_site / "categories" / "XK.html").read_text(encoding="utf-8")
    assert xk.count('href="../powers/XK-') == len(reg.powers_of("XK"))
    assert '<svg role="img" aria-label="行政许可事项概览图"' in xk
    risks = (reference_site / "risks.html").read_text(encoding="utf-8")
    assert risks.count("<tr data-level=") == 247


def test_downloads_match_the_registry(reference_site: Path) -> None:
    reg = powerreg.load_reference()
    with open(reference_site / "downloads" / "powers.csv", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert [r["事项编号"] for r in rows] == sorted(reg.powers)
    assert rows[0]["法定时限"].endswith("个工作日") or rows[0]["法定时限"].endswith("个月")
    data = json.loads((reference_site / "downloads" / "registry.json").read_text(encoding="utf-8"))
    assert len(data["powers"]) == 84
    assert data["id"] == reg.id
    assert powerreg.load(reference_site / "downloads" / "catalog.db") == reg


# ------------------------------------------------------------------------ search


def test_the_four_words_find_exactly_the_substring_matches(
    reference_site: Path, reference_texts: dict[str, list[str]]
) -> None:
    for word in FOUR_WORDS:
        expected = substring_match(reference_texts, word)
        assert expected or word == "自由裁量权", word  # the reference says 自由裁量基准
        assert [h.id for h in lookup(reference_site, word)] == expected, word


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_search_recall_equals_substring_search(
    reference_site: Path, reference_texts: dict[str, list[str]], data: st.DataObject
) -> None:
    pid = data.draw(st.sampled_from(sorted(reference_texts)))
    field = data.draw(st.sampled_from(reference_texts[pid]))
    start = data.draw(st.integers(0, max(0, len(field) - 1)))
    query = field[start : start + data.draw(st.integers(1, 14))]
    if data.draw(st.booleans()):  # also strings that may be in no text at all
        alphabet = sorted(set("".join(reference_texts[pid])))
        query = "".join(data.draw(st.lists(st.sampled_from(alphabet), min_size=1, max_size=5)))
    assert [h.id for h in lookup(reference_site, query)] == substring_match(
        reference_texts, query
    ), query


@given(
    fields=st.lists(
        st.lists(st.text(alphabet="审批罚款环境影响评价自由裁量权 a\n", max_size=12), max_size=4),
        min_size=1,
        max_size=6,
    ),
    query=st.text(alphabet="审批罚款环境影响评价自由裁量权 a\n", min_size=1, max_size=6),
)
@settings(max_examples=200, deadline=None)
def test_index_equals_substring_search_on_any_texts(
    tmp_path_factory: pytest.TempPathFactory, fields: list[list[str]], query: str
) -> None:
    index = SearchIndex()
    texts = {}
    for i, doc in enumerate(fields):
        index.add(f"P-{i:03d}", f"事项{i}", "类别", doc)
        texts[f"P-{i:03d}"] = doc
    site = tmp_path_factory.mktemp("ix")
    index.write(site / "search")
    assert [h.id for h in lookup(site, query)] == substring_match(texts, query)


def _written(index: SearchIndex, docs: list[list[str]], out: Path) -> dict[str, bytes]:
    for i, doc in enumerate(docs):
        index.add(f"P-{i:03d}", f"事项{i}", "类别", doc)
    index.write(out)
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*.json"))}


@given(
    docs=st.lists(
        st.lists(
            st.text(alphabet="环境影响评价环境 a\n\U00020000\U0002a6d6", max_size=14), max_size=5
        ),
        min_size=1,
        max_size=12,
    ),
    batch=st.integers(min_value=1, max_value=40),
)
@settings(max_examples=150, deadline=None)
def test_the_index_made_in_batches_is_the_index_made_power_by_power(
    tmp_path_factory: pytest.TempPathFactory, docs: list[list[str]], batch: int
) -> None:
    """numpy's batches (site.searchbatch) write the very bytes the Python path writes:
    bigrams repeated in a field and across fields, empty and one-character fields,
    characters beyond the BMP, and batches ending anywhere (a few characters each)."""
    out = tmp_path_factory.mktemp("ix")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(searchbatch, "BATCH_CHARS", batch)
        batched = _written(SearchIndex(batched=True), docs, out / "batched")
        auto = _written(SearchIndex(), docs, out / "auto")  # the two paths, one after the other
    plain = _written(SearchIndex(batched=False), docs, out / "plain")
    assert batched == plain == auto


def test_the_batched_index_of_generated_powers_is_the_plain_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert searchbatch.available()  # numpy: the extra fast, which the tests install
    monkeypatch.setattr(searchbatch, "BATCH_CHARS", 50_000)  # several batches
    reg = generate(300, seed=4)
    docs = [search_fields(p, "类别") for p in reg.powers.values()]
    auto = SearchIndex()  # power by power, then in batches once past BATCH_CHARS
    assert auto.batched is None
    batched = _written(auto, docs, tmp_path / "batched")
    assert auto.batched is True  # numpy installed
    plain = _written(SearchIndex(batched=False), docs, tmp_path / "plain")
    assert batched == plain
    assert sum(len(t) for d in docs for t in d) > 3 * searchbatch.BATCH_CHARS


def test_one_query_fetches_a_few_small_files(reference_site: Path) -> None:
    fetch = Fetcher(reference_site)
    hits = lookup(reference_site, "环境影响评价", fetch=fetch)
    assert hits
    # three bigram buckets (环境, 影响, 评价) and the one document file
    assert fetch.files <= 4
    total = sum(f.stat().st_size for f in (reference_site / "search").rglob("*.json"))
    assert fetch.bytes < total / 4


# ------------------------------------------------------------------------ what stays out


def withheld_registry(write_registry: WriteRegistry, reason: str | None) -> Path:
    secret = power_data("CF-001", "CF", name="涉密污染源的行政处罚")
    secret["risk_points"][0]["description"] = "秘密风险描述不得公开"
    secret["division"] = "机密专案组"  # the unit that handles it, and who, are not public
    secret["subject"] = "示例市秘密执法局"
    secret["disclosure"] = {"public": False, **({"reason": reason} if reason else {})}
    return write_registry(powers={"XK-001": power_data(), "CF-001": secret})


def test_a_withheld_power_shows_its_name_and_reason_only(
    write_registry: WriteRegistry, tmp_path: Path
) -> None:
    reason = "涉及国家秘密，依《中华人民共和国保守国家秘密法》不予公开"
    out = tmp_path / "site"
    result = publish_site(powerreg.load(withheld_registry(write_registry, reason)), out)
    assert result.withheld == ["CF-001"]
    page = (out / "powers" / "CF-001.html").read_text(encoding="utf-8")
    assert "涉密污染源的行政处罚" in page
    assert reason in page
    assert "本事项不予公开" in page
    everything = b"".join(p.read_bytes() for p in out.rglob("*") if p.is_file())
    for secret in ("秘密风险描述不得公开", "机密专案组", "示例市秘密执法局"):
        assert secret.encode() not in everything  # pages, index, charts, downloads
    assert not (out / "charts" / "CF-001").exists()
    assert [h.id for h in lookup(out, "涉密污染源")] == ["CF-001"]
    assert [h.id for h in lookup(out, "保守国家秘密")] == ["CF-001"]
    assert lookup(out, "秘密风险") == []
    back = powerreg.load(out / "downloads" / "catalog.db")
    assert back.powers["CF-001"].risk_points == []
    assert not back.powers["CF-001"].is_public
    assert "CF-001" not in (out / "risks.html").read_text(encoding="utf-8")
    with open(out / "downloads" / "powers.csv", encoding="utf-8-sig") as f:
        row = {r["事项编号"]: r for r in csv.DictReader(f)}["CF-001"]
    assert (row["是否公开"], row["不予公开的理由"], row["廉政风险点"]) == ("否", reason, "0")
    assert (row["实施主体"], row["承办机构"]) == ("不予公开", "不予公开")
    assert back.powers["CF-001"].division == "不予公开"


def test_a_power_withheld_without_reason_is_not_published(
    write_registry: WriteRegistry, tmp_path: Path
) -> None:
    root = withheld_registry(write_registry, None)
    with pytest.raises(NotPublishable) as err:
        publish_site(powerreg.load(root), tmp_path / "site")
    assert [p.code for p in err.value.problems] == ["A311"]
    code, out, errors = run("site", str(root), "-o", str(tmp_path / "site"), "--lang", "en")
    assert code == 1
    assert out == ""
    assert re.search(r"^powers/CF-001\.yaml:\d+: A311 .*withheld", errors, re.M), errors
    assert "is unchanged" in errors
    assert "Traceback" not in errors
    assert not (tmp_path / "site").exists()


def test_the_policy_leaves_out_named_fields(tmp_path: Path) -> None:
    reg = powerreg.load(EXAMPLE)
    responsible = {m.responsible for _, r in reg.iter_risk_points() for m in r.countermeasures}
    responsible.discard(None)
    assert "驻局纪检组" in responsible
    out = tmp_path / "site"
    result = publish_site(reg, out, policy=PublishPolicy(omit={"responsible", "fee"}))
    assert not result.charts_drawn or result.charts == 2
    everything = b"".join(p.read_bytes() for p in out.rglob("*") if p.is_file())
    assert "驻局纪检组".encode() not in everything
    page = (out / "powers" / "XK-001.html").read_text(encoding="utf-8")
    assert "<dt>收费依据及标准</dt>" not in page
    assert "<dt>实施主体</dt>" in page
    assert "收费依据及标准、责任主体" in (out / "about.html").read_text(encoding="utf-8")


def test_leaving_out_posts_redraws_the_charts_without_them(tmp_path: Path) -> None:
    reg = powerreg.load(EXAMPLE)
    drawn = tmp_path / "drawn"
    powerreg.render_all(reg, drawn, categories=True)
    assert "环境工程评估中心" in (drawn / "XK-001" / "F1.svg").read_text(encoding="utf-8")
    out = tmp_path / "site"
    result = publish_site(reg, out, policy=PublishPolicy(omit={"role"}), drawn=drawn)
    assert result.charts_drawn
    everything = b"".join(p.read_bytes() for p in out.rglob("*") if p.is_file())
    assert "环境工程评估中心".encode() not in everything
    again = publish_site(reg, tmp_path / "site2", drawn=drawn)
    assert not again.charts_drawn  # nothing left out: the build's charts are taken


def test_public_power_is_the_power_when_nothing_is_left_out() -> None:
    power = powerreg.load(EXAMPLE).powers["CF-001"]
    assert public_power(power, PublishPolicy(omit={"role"})) is not power
    assert public_power(power, PublishPolicy()) is power


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("omit: [responsable]\n", r"publish\.yaml:1:8: omit\[0\]: unknown field 'responsable' \(did you mean 'responsible'\?\); fields a policy can leave out: accountability, .*statutory_limit$"),
        ("omit:\n  - fee\n  - subject\n", r"publish\.yaml:3:5: omit\[1\]: unknown field 'subject'; fields a policy can leave out: "),
        ("leave_out: [fee]\n", r"publish\.yaml:1:1: leave_out: unknown key; a publish policy holds only 'omit'"),
        ("- fee\n", r"publish\.yaml:1:1: a publish policy holds a mapping with the key omit"),
        ("omit: [fee\n", r"publish\.yaml:\d+:\d+: E001"),
        ("omit: 5\n", r"publish\.yaml:1:7: omit: a list of the fields the site leaves out, e\.g\. 'omit: \[responsible, fee\]'; fields a policy can leave out: accountability"),
        ("omit: {fee: true}\n", r"publish\.yaml:1:7: omit: a list of the fields"),
    ],
)  # fmt: skip
def test_a_bad_policy_is_a_clear_usage_error(tmp_path: Path, text: str, expected: str) -> None:
    policy = tmp_path / "publish.yaml"
    policy.write_text(text, encoding="utf-8")
    code, out, errors = run(
        "site", str(EXAMPLE), "-o", str(tmp_path / "site"), "--policy", str(policy)
    )
    assert code == 2
    assert out == ""
    assert re.search(expected, errors.strip(), re.M), errors
    assert "Traceback" not in errors
    assert not (tmp_path / "site").exists()


# ------------------------------------------------------------------------ no injection


HOSTILE = "</svg><script>alert(1)</script><img src=x onerror=alert(2)>\"'&"


def test_registry_text_is_escaped_everywhere(write_registry: WriteRegistry, tmp_path: Path) -> None:
    data: dict[str, Any] = power_data(name=f"事项{HOSTILE}")
    data["flowcharts"][0]["steps"][1]["label"] = f"审查{HOSTILE}"
    data["flowcharts"][0]["title"] = f"流程{HOSTILE}"
    data["risk_points"][0]["description"] = f"风险{HOSTILE}"
    meta = {**META, "source": f"来源{HOSTILE}", "department": f"局{HOSTILE}"}
    out = tmp_path / "site"
    publish_site(powerreg.load(write_registry(powers={"XK-001": data}, meta=meta)), out)
    for page in out.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "<script>alert" not in html, page
        assert "<img src=x" not in html, page
        assert "</svg><script>" not in html, page
        assert html.count("<svg") == html.count("</svg>"), page
    page = (out / "powers" / "XK-001.html").read_text(encoding="utf-8")
    assert "审查&lt;/svg&gt;&lt;script&gt;" in page  # in the inline chart and its text version
    assert "&lt;img src=x onerror=alert(2)&gt;" in page


def test_spreadsheet_cells_never_start_a_formula() -> None:
    assert [spreadsheet_safe(x) for x in ("=1+1", "+1", "-1", "@SUM(A1)", "审批")] == [
        "'=1+1",
        "'+1",
        "'-1",
        "'@SUM(A1)",
        "审批",
    ]


# ------------------------------------------------------------------------ the output


def test_the_site_replaces_only_a_site(tmp_path: Path) -> None:
    reg = powerreg.load(EXAMPLE)
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep", encoding="utf-8")
    with pytest.raises(UsageError, match="was not written by 'powerreg site'"):
        publish_site(reg, foreign)
    assert (foreign / "notes.txt").read_text(encoding="utf-8") == "keep"
    out = tmp_path / "site"
    publish_site(reg, out)
    (out / "stale.html").write_text("old", encoding="utf-8")
    publish_site(reg, out)  # a site is replaced whole
    assert not (out / "stale.html").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_cli_site_summary(tmp_path: Path) -> None:
    code, out, _ = run("site", str(EXAMPLE), "-o", str(tmp_path / "site"), "--lang", "en")
    assert code == 0
    assert out.splitlines()[0].startswith(
        f"wrote {tmp_path / 'site'}/: 9 pages (2 powers), 2 charts"
    )
    assert f"python -m http.server -d {tmp_path / 'site'}" in out
    code, out, _ = run("site", str(EXAMPLE), "-o", str(tmp_path / "site"), "--format", "json")
    data = json.loads(out)
    assert (data["powers"], data["withheld"], data["open"].split()[-1]) == (
        2,
        [],
        str(tmp_path / "site"),
    )


@pytest.mark.parametrize(
    ("svg", "expected"),
    [
        ('<svg><g id="a"/><g id="b"/></svg>', '<g id="P.a"/><g id="P.b"/>'),
        # white space other than a space before an id: each still gets the prefix
        (
            '<svg><g\nid="a"/><g\tid="b"/><g id="c"/></svg>',
            '<g id="P.a"/><g id="P.b"/><g id="P.c"/>',
        ),
        ('<svg><g xid="a"/><g id="b"/></svg>', '<g xid="a"/><g id="P.b"/>'),  # not an id
    ],
)
def test_every_id_of_an_inlined_chart_gets_the_prefix(svg: str, expected: str) -> None:
    from powerreg.site.charts import inline_svg

    assert expected in str(inline_svg(svg, "图", "P."))
