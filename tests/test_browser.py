"""Real-browser tests: headless Chromium (Debian's, through Playwright) on a running server.

A reader's path through the real release: the landing page, the source, an entity with its
claims and quotes, a sentence, an example query with its table, the timeline and the network.
Screenshots go to test-artifacts/. A hostile dataset (served as a data file) shows that markup
in the data stays text. No page may fetch anything from another host.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from support.releases import HOSTILE, write_data_file
from support.servers import live_server, make_app

pytestmark = [pytest.mark.browser, pytest.mark.server]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    """The hostile dataset, served as a data file: its base URL."""
    app = make_app(data_files=[write_data_file(tmp_path_factory.mktemp("hostile"))])
    try:
        with live_server(app) as url:
            yield url
    finally:
        app.extensions["lodpub"].close()


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium."""
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install -y chromium"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, request):
    """A fresh page that records every request it makes and every script error."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.requests, tab.errors = [], []
    tab.on("request", lambda req: tab.requests.append(req.url))
    tab.on("pageerror", lambda exc: tab.errors.append(str(exc)))
    yield tab
    context.close()


def shoot(page, name: str, full_page: bool = True) -> None:
    """Save a screenshot as test-artifacts/<name>.png (the whole page unless told)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


def only_local(page, base: str) -> list[str]:
    """Requests the page made to any other host than ``base`` (should be none)."""
    return [url for url in page.requests if not url.startswith((base, "data:"))]


def test_browser_landing_to_entity_claims_and_sentence(page, real_server):
    page.goto(real_server + "/")
    assert page.locator("h1").inner_text()
    assert page.locator(".conformance").is_visible()
    shoot(page, "landing")
    page.get_by_role("link", name="Read the sources").click()  # the list of documents
    page.wait_for_url("**/source")
    page.locator("ul.documents a[href*='/source/brookings-iraq-2025']").first.click()
    page.wait_for_url("**/source/*.html")
    assert page.locator("li.sentence").count() > 50
    shoot(page, "source", full_page=False)  # the whole document makes a 7 MB image
    # follow the first entity named in a claim's statements
    page.locator("li.sentence .claim table.statements a[href*='/id/']").first.click()
    page.wait_for_url("**/id/*.html")
    assert page.locator("h1").inner_text()
    claims = page.locator("section.claims article.claim")
    assert claims.count() > 0
    assert claims.first.locator("blockquote.quote").inner_text().strip()
    assert claims.first.locator(".kind").first.inner_text().strip()
    shoot(page, "entity")
    link = claims.first.locator("a.sentence-link").first
    number = link.inner_text().split()[-1]
    link.click()
    page.wait_for_url(f"**/source/*.html#s{number}")
    assert page.locator(f"li#s{number}").is_visible()
    assert not only_local(page, real_server) and not page.errors


def test_browser_runs_an_example_query_and_follows_a_result(page, real_server):
    page.goto(real_server + "/query")
    page.locator("a.run-example").first.click()
    page.wait_for_selector("table.results-table tbody tr")
    assert page.locator("table.results-table tbody tr").count() > 0
    shoot(page, "query")
    page.locator("table.results-table tbody a[href*='/id/']").first.click()
    page.wait_for_url(real_server + "/id/*.html")
    assert page.locator("h1").inner_text()
    assert not only_local(page, real_server) and not page.errors


def test_browser_query_editor_runs_typed_query(page, real_server):
    page.goto(real_server + "/query")
    page.fill("#query-text", "SELECT (COUNT(*) AS ?triples) WHERE { ?s ?p ?o }")
    page.click("#run")
    page.wait_for_selector("table.results-table tbody tr")
    assert int(page.locator("table.results-table tbody td .literal").first.inner_text()) > 1000


def test_browser_timeline_and_network(page, real_server):
    page.goto(real_server + "/timeline")
    events = page.locator("figure.timeline svg g.event")
    assert events.count() >= 5
    assert page.locator("figure.timeline svg g.event.planned").count() > 0
    shoot(page, "timeline")
    page.goto(real_server + "/network")
    nodes = page.locator("figure.network svg a.node")
    assert nodes.count() > 5
    shoot(page, "network")
    nodes.first.locator("circle").click()
    page.wait_for_url("**/id/*.html")
    assert not only_local(page, real_server) and not page.errors


def test_browser_ontology_term_page(page, real_server):
    page.goto(real_server + "/ontology")
    page.wait_for_url("**/ontology.html")
    page.locator("table.terms a[href*='/ontology/ArmedGroup']").first.click()
    page.wait_for_url("**/ontology/ArmedGroup.html")
    assert page.locator("section.shapes details").count() > 0
    assert page.locator("section.usage table.examples tr").count() > 0
    shoot(page, "term")


def test_browser_hostile_data_is_inert(page, hostile_server):
    page.goto(hostile_server + "/id/hostile.html")
    assert page.evaluate("window.__pwned") is None
    assert page.locator("h1").inner_text() == HOSTILE
    page.goto(hostile_server + "/source/doc.html")
    assert page.evaluate("window.__pwned") is None
    assert page.locator("img").count() == 0
    shoot(page, "hostile")
    assert not page.errors
