"""The catalog's reader in Datasette (issue 16.15): Chinese titles and descriptions, the
main tables first without their internal columns, hidden internals, links to the
drawings, and a search of any length — checked against a real ``datasette serve``."""

from __future__ import annotations

import json
import random
import re
import socket
import sqlite3
import subprocess
import sys
import time
import unicodedata
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import powerreg
from powerreg import Registry
from powerreg.catalog import datasette_metadata, export_sqlite
from powerreg.catalog.datasette import HAN_RANGES, READING_ORDER, queries
from powerreg.catalog.ngrams import _CJK_RUN
from powerreg.catalog.tables import INTERNAL_COLUMNS, SEARCH_INDEXES

from .conftest import EXAMPLE

CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]{3,}")


@pytest.fixture(scope="module")
def minimal() -> Registry:
    return powerreg.load(EXAMPLE)


@pytest.fixture(scope="module")
def reference() -> Registry:
    return powerreg.load_reference()


def substring_hits(reg: Registry, q: str) -> list[tuple[str, str]]:
    """What a plain substring match over the searchable texts finds, in catalog order."""
    powers = [reg.powers[p] for p in sorted(reg.powers, key=list(reg.powers).index)]
    hits = [("power", p.id) for p in powers if q in p.name or q in (p.name_en or "")]
    risks = [r for p in powers for r in p.risk_points]
    hits += [("risk_point", r.gid) for r in risks if q in r.description]
    measures = [m for r in risks for m in r.countermeasures]
    hits += [("countermeasure", m.gid) for m in measures if q in m.description]
    return hits


# ------------------------------------------------------------------ without a server


def test_every_table_column_and_query_speaks_chinese_then_english(
    tmp_path: Path, minimal: Registry
) -> None:
    db = export_sqlite(minimal, tmp_path / "catalog.db")
    meta = datasette_metadata(minimal)["databases"]["catalog"]
    conn = sqlite3.connect(db)
    listed = conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")
    relations = [r[0] for r in listed if not re.search(r"_fts_", r[0])]
    assert set(relations) <= set(meta["tables"])
    bare = []
    for name in relations:
        entry = meta["tables"][name]
        if not (CJK.match(entry["title"]) and CJK.match(entry["description"])):
            bare.append(name)
        if not LATIN.search(entry["description"]):
            bare.append(name)
        for column in (r[1] for r in conn.execute(f'PRAGMA table_info("{name}")')):
            text = entry["columns"].get(column, "")
            if not (CJK.match(text) and LATIN.search(text)):
                bare.append(f"{name}.{column}")
    assert bare == []
    assert meta["tables"]["powers"]["title"] == "权力事项（powers）"
    assert meta["tables"]["powers"]["columns"]["promised_limit"].startswith("承诺时限：")
    # the catalog's own _metadata says the same
    stored = dict(
        conn.execute(
            "SELECT column_name, value FROM _metadata WHERE table_name = 'powers' AND key = "
            "'description'"
        ).fetchall()
    )
    assert stored["promised_limit"] == meta["tables"]["powers"]["columns"]["promised_limit"]
    for name, q in meta["queries"].items():
        assert CJK.match(q["title"]), name
        assert LATIN.search(q["title"]), name
        assert CJK.match(q["description"]), name
        assert LATIN.search(q["description"]), name


def test_internals_are_hidden(minimal: Registry) -> None:
    tables = datasette_metadata(minimal)["databases"]["catalog"]["tables"]
    hidden = {name for name, t in tables.items() if t.get("hidden")}
    assert hidden == {"_metadata", *(i.name for i in SEARCH_INDEXES)}


def test_the_directory_escapes_registry_text(minimal: Registry) -> None:
    hostile = minimal.model_copy(update={"department": '<img src=x onerror="alert(1)">'})
    html = datasette_metadata(hostile)["databases"]["catalog"]["description_html"]
    assert "<img" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html


def test_search_ranges_are_indexed_and_left_alone_by_nfkc() -> None:
    for low, high in HAN_RANGES:
        for code in (low, (low + high) // 2, high):
            char = chr(code)
            assert _CJK_RUN.fullmatch(char), hex(code)  # the index cuts it into n-grams
            assert unicodedata.normalize("NFKC", char) == char, hex(code)


def test_search_text_is_a_substring_match(tmp_path: Path, reference: Registry) -> None:
    """Any piece of any searchable text, of any length, finds exactly what ``in`` finds."""
    db = export_sqlite(reference, tmp_path / "reference.db")
    sql = queries()["search_text"]["sql"]
    conn = sqlite3.connect(db)
    texts = [p.name for p in reference.powers.values()]
    texts += [r.description for _, r in reference.iter_risk_points()]
    texts += [m.description for _, r in reference.iter_risk_points() for m in r.countermeasures]
    rng = random.Random(16)
    asked = ["环境影响评价", "自由裁量权", "环境影响评价文件审批", "审批", "GB", "：", "x"]
    for _ in range(150):
        text = rng.choice(texts)
        start = rng.randrange(len(text))
        asked.append(text[start : start + rng.randint(1, 12)])
    for q in asked:
        got = [(kind, gid) for kind, gid, _, _ in conn.execute(sql, {"q": q})]
        assert got == substring_hits(reference, q), q
    assert conn.execute(sql, {"q": ""}).fetchall() == []


# ------------------------------------------------------------------ a real Datasette


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _fetch(url: str) -> tuple[str, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.headers.get_content_type(), response.read()


def _json(url: str) -> Any:
    return json.loads(_fetch(url)[1].decode("utf-8"))


def _html(url: str) -> str:
    return _fetch(url)[1].decode("utf-8")


def _q(path: str, **params: str) -> str:
    return f"{path}?{urllib.parse.urlencode(params)}"


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, minimal: Registry, reference: Registry
) -> Iterator[str]:
    """``datasette serve`` of the minimal example (``catalog``, with its drawings under
    ``/diagrams``) and of the reference (``reference``); its base URL. Datasette runs in
    its own process only: importing it here would switch on sqlite3's callback
    tracebacks for every later test."""
    d = tmp_path_factory.mktemp("datasette")
    export_sqlite(minimal, d / "catalog.db")
    export_sqlite(reference, d / "reference.db")
    powerreg.render_all(minimal, d / "diagrams", format="svg")
    meta = datasette_metadata(minimal, database="catalog")
    meta["databases"].update(datasette_metadata(reference, database="reference")["databases"])
    (d / "metadata.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    port = _free_port()
    log = (d / "datasette.log").open("w", encoding="utf-8")
    command = [sys.executable, "-m", "datasette", "serve", "catalog.db", "reference.db"]
    command += ["-m", "metadata.json", "--static", "diagrams:diagrams"]
    command += ["-h", "127.0.0.1", "-p", str(port)]
    proc = subprocess.Popen(command, cwd=d, stdout=subprocess.DEVNULL, stderr=log, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                log.flush()
                pytest.fail(f"datasette exited: {(d / 'datasette.log').read_text()}")
            try:
                _fetch(f"{base}/-/versions.json")
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("datasette did not answer within 30 s")
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


def test_the_main_tables_come_first(served: str) -> None:
    page = _html(f"{served}/catalog")
    directory = page.index("<ol>")
    assert directory < page.index('<h2 id="queries">') < page.index('<h2 id="tables">')
    listed = re.findall(r'<li><a href="catalog/(\w+)[?"]', page[directory : page.index("</ol>")])
    assert listed == list(READING_ORDER)
    assert listed[:5] == ["powers", "flowcharts", "steps", "risk_points", "countermeasures"]
    assert '<li><a href="catalog/powers?_nocol=' in page
    assert ">权力事项（powers）</a>" in page
    queries_html = page[page.index('<h2 id="queries">') : page.index('<h2 id="tables">')]
    assert re.findall(r'href="/catalog/(\w+)"', queries_html)[:3] == [
        "power_diagrams",
        "flowchart_diagrams",
        "search_text",
    ]
    assert "全文检索（任意长度）" in queries_html
    table = _html(f"{served}/catalog/powers")
    assert "<h1>权力事项（powers）</h1>" in table
    assert "事项名称：对外公布的名称。" in table  # the column descriptions


def test_the_readers_links_leave_out_the_internal_columns(served: str) -> None:
    page = _html(f"{served}/catalog")
    links = re.findall(r'<li><a href="(catalog/\w+[^"]*)"', page)
    assert len(links) == len(READING_ORDER)
    for link in links:
        path, _, query = link.replace("&amp;", "&").partition("?")
        data = _json(f"{served}/{path}.json?{query}")
        everything = _json(f"{served}/{path}.json")["columns"]
        assert [c for c in data["columns"] if c in INTERNAL_COLUMNS] == [], link
        assert data["columns"] == [c for c in everything if c not in INTERNAL_COLUMNS], link
    # still the real table: foreign keys shown by name, facets
    risks = _json(f"{served}/catalog/risk_points.json?_nocol=position&_labels=on&_shape=objects")
    assert risks["rows"][0]["step_id"] == {"value": "CF-001/F1/S3", "label": "调查取证"}
    assert "level" in risks["facet_results"]
    html = _html(f"{served}/catalog/risk_points?_nocol=position&_nocol=source_line")
    assert 'data-column="source_line"' not in html
    assert 'data-column="description"' in html


def test_metadata_and_search_tables_are_hidden(served: str) -> None:
    tables = {t["name"]: t["hidden"] for t in _json(f"{served}/catalog.json")["tables"]}
    assert tables["_metadata"] is True
    assert [n for n, hidden in tables.items() if "_fts" in n and not hidden] == []
    assert [n for n in READING_ORDER if tables.get(n)] == []  # the main ones are not


def test_each_power_and_flowchart_links_to_its_drawing(served: str, minimal: Registry) -> None:
    charts = _json(f"{served}/{_q('catalog/flowchart_diagrams.json', _shape='array')}")
    assert [r["id"] for r in charts] == [fc.gid for _, fc in minimal.iter_flowcharts()]
    powers = _json(f"{served}/{_q('catalog/power_diagrams.json', _shape='array')}")
    assert [r["id"] for r in powers] == sorted(minimal.powers, key=list(minimal.powers).index)
    for row in charts + powers:
        url = row["diagram"]
        assert url.startswith(f"{served}/diagrams/"), url
        kind, body = _fetch(url)
        assert kind == "image/svg+xml"
        assert b"<svg" in body
    page = _html(f"{served}/catalog/flowchart_diagrams")
    assert f'<a href="{served}/diagrams/XK-001/F1.svg">' in page  # Datasette's own link


def test_a_power_of_several_charts_links_to_all_of_them(served: str, reference: Registry) -> None:
    power = next(p for p in reference.powers.values() if len(p.flowcharts) > 1)
    rows = _json(f"{served}/{_q('reference/power_diagrams.json', _shape='array')}")
    row = next(r for r in rows if r["id"] == power.id)
    assert row["diagram"] == f"{served}/diagrams/{power.id}/{power.flowcharts[0].id}.svg"
    path, _, query = row["all_diagrams"].partition("?")
    listed = _json(f"{path}.json?{query}&_shape=array")
    assert [r["id"] for r in listed] == [fc.gid for fc in power.flowcharts]
    single = next(r for r in rows if r["flowcharts"] == 1)
    assert single["all_diagrams"] is None


@pytest.mark.parametrize(
    ("database", "q"),
    [
        ("reference", "环境影响评价"),
        ("catalog", "自由裁量权"),
        ("reference", "环境影响评价文件审批"),
        ("reference", "排污费征收"),
        ("reference", "现场检查"),
        ("catalog", "审批"),
    ],
)
def test_a_search_of_any_length_finds_what_a_substring_match_finds(
    served: str, minimal: Registry, reference: Registry, database: str, q: str
) -> None:
    reg = reference if database == "reference" else minimal
    url = f"{served}/{_q(f'{database}/search_text.json', q=q, _shape='array')}"
    got = [(r["kind"], r["id"]) for r in _json(url)]
    expected = substring_hits(reg, q)
    assert expected  # the words are there
    assert got == expected
    assert got == [(h.kind, h.id) for h in powerreg.search(reg, q)]  # as the library finds
