"""The public website in a real browser (issue 14.6): Debian's headless Chromium, driven
by Playwright, over the reference site served on 127.0.0.1.

Follows home → category → power, checks that the charts show, searches the four words
and compares the count with plain substring search, filters the risk index, records
every request (none may leave the site) and every console message (no error), runs
axe-core on each kind of page (no serious or critical violation), and saves screenshots
at 375 and 1280 px (and the power page printed on A4 as PDF) to
``test-output/site-screenshots/`` for a person to look at.

Chromium comes from apt (``sh scripts/system-deps.sh test``, run by ``make test``);
axe-core's script from the ``axe-playwright-python`` package. Nothing is downloaded here.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, sync_playwright

import powerreg
from powerreg.site import publish_site, search_fields

from .conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = ROOT / "test-output" / "site-screenshots"
FOUR_WORDS = ("审批", "罚款", "环境影响评价", "自由裁量权")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    site = tmp_path_factory.mktemp("browser") / "site"
    publish_site(powerreg.load_reference(), site)
    handler = functools.partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).is_file(), (
        f"{CHROMIUM} is missing: install it with 'sh scripts/system-deps.sh test' (make test does)"
    )
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Watched:
    """A page whose requests and console messages are recorded."""

    def __init__(self, browser: Browser, width: int) -> None:
        self.page: Page = browser.new_page(viewport={"width": width, "height": 900})
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def open(self, url: str) -> Page:
        self.page.goto(url)
        self.page.wait_for_load_state("networkidle")
        return self.page


def serious(page: Page, axe: Axe) -> list[str]:
    """axe-core's serious and critical violations on the page, one line each."""
    found = axe.run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {v['nodes'][0]['html'][:120]}"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


def shoot(page: Page, name: str, width: int, tmp: Path) -> None:
    path = tmp / f"{name}-{width}.png"
    if name == "chart":  # the first chart of the page, whole
        page.locator("figure.chart").first.screenshot(path=str(path))
    else:
        page.screenshot(path=str(path), full_page=name != "power")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, SCREENSHOTS / path.name)


def test_the_site_in_chromium(served: str, browser: Browser, tmp_path: Path) -> None:
    reg = powerreg.load_reference()
    names = {c.code: c.name for c in reg.categories}
    texts = {pid: search_fields(p, names[p.category]) for pid, p in reg.powers.items()}
    axe = Axe()
    w = Watched(browser, 1280)
    problems: dict[str, list[str]] = {}

    # home → a category → a power, by clicking as a reader does
    page = w.open(served + "index.html")
    problems["home"] = serious(page, axe)
    page.get_by_role("link", name="行政许可", exact=True).first.click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/categories/XK.html")
    assert page.locator("figure.chart svg").first.is_visible()
    problems["category"] = serious(page, axe)
    page.get_by_role("link", name="建设项目环境影响评价文件审批", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/powers/XK-001.html")
    charts = page.locator("figure.chart svg")
    assert charts.count() == len(reg.powers["XK-001"].flowcharts)
    for i in range(charts.count()):
        box = charts.nth(i).bounding_box()
        assert charts.nth(i).is_visible()
        assert box is not None
        assert box["width"] > 300
        assert box["height"] > 300
    assert page.locator("ol.steps > li").count() == sum(
        len(fc.steps) for fc in reg.powers["XK-001"].flowcharts
    )
    problems["power"] = serious(page, axe)

    # the search: the query from the address, the count of plain substring search
    timings = {}
    for word in FOUR_WORDS:
        page = w.open(served + f"search.html?q={word}")
        page.wait_for_selector("#summary")
        expected = sum(1 for fields in texts.values() if any(word in f for f in fields))
        assert page.locator("#results").get_attribute("data-count") == str(expected), word
        assert page.locator("ol.results > li").count() == min(expected, 50)
        assert page.input_value("#q") == word
        timings[word] = int(page.locator("#results").get_attribute("data-ms") or -1)
    problems["search"] = serious(page, axe)
    print(f"search times in the browser (ms): {timings}")

    # the risk index, filtered in the browser and from the address
    page = w.open(served + "risks.html?level=high")
    high = sum(1 for _, r in reg.iter_risk_points() if r.level.value == "high")
    assert page.locator("#risk-table tbody tr:visible").count() == high
    page.select_option("#f-category", "XK")
    xk_high = sum(
        1 for p, r in reg.iter_risk_points() if r.level.value == "high" and p.category == "XK"
    )
    assert page.locator("#risk-table tbody tr:visible").count() == xk_high
    assert "category=XK" in page.url
    problems["risks"] = serious(page, axe)
    for name in ("about", "downloads"):
        problems[name] = serious(w.open(served + f"{name}.html"), axe)

    # printed on A4 (printable width ~186 mm), each chart fits one page's height
    page = w.open(served + "powers/XK-001.html")
    page.set_viewport_size({"width": 703, "height": 1000})
    page.emulate_media(media="print")
    for i in range(page.locator("figure.chart svg").count()):
        box = page.locator("figure.chart svg").nth(i).bounding_box()
        assert box is not None
        assert box["height"] <= 240 / 25.4 * 96 + 1  # max-height 240 mm in CSS px
        assert box["width"] <= 703
    assert page.locator("nav.crumbs").is_hidden()
    (tmp_path / "XK-001.pdf").write_bytes(page.pdf(format="A4"))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(tmp_path / "XK-001.pdf", SCREENSHOTS / "power-XK-001-A4.pdf")
    page.emulate_media(media="screen")

    assert {k: v for k, v in problems.items() if v} == {}
    assert [u for u in w.requests if not u.startswith(served)] == []
    assert w.errors == []

    # screenshots at a phone's and a desktop's width, for a person to look at
    for width in (375, 1280):
        shots = Watched(browser, width)
        shoot(shots.open(served + "index.html"), "home", width, tmp_path)
        shoot(shots.open(served + "powers/XK-001.html"), "power", width, tmp_path)
        shoot(shots.page, "chart", width, tmp_path)
        shoot(shots.open(served + "search.html?q=环境影响评价"), "search", width, tmp_path)
        assert shots.errors == []
        assert [u for u in shots.requests if not u.startswith(served)] == []
        shots.page.close()
    w.page.close()
