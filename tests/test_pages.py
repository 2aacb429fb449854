"""Pages for people: landing, query, timeline, network, source; hostile data stays inert."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

import pytest

from lodpub.web.http.site import labels
from lodpub.web.views.querypage import load_examples, wikidata_examples
from lodpub.web.views.vizdata import network
from support.html import Links
from support.releases import HOSTILE, write_data_file
from support.servers import make_app
from support.waiting import wait_for

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def app(tiny_app):
    """The app serving the tiny release."""
    return tiny_app


@pytest.fixture(scope="module")
def hostile_client(tmp_path_factory):
    """A client of an app serving the hostile dataset as a data file (no release)."""
    application = make_app(data_files=[write_data_file(tmp_path_factory.mktemp("data"))])
    yield application.test_client()
    application.extensions["lodpub"].close()


def test_landing_says_what_release_licence_and_conformance(client, app):
    html = client.get("/").get_data(as_text=True)
    links = Links(html)
    version = app.extensions["lodpub"].version
    assert version in html
    assert "https://creativecommons.org/licenses/by/4.0/" in links.hrefs()
    assert "http://localhost/source/doc.html" in links.hrefs()
    for target in ("/query", "/downloads", "/ontology.html", "/timeline", "/network"):
        assert "http://localhost" + target in links.hrefs(), target
    assert "conforms" in html and "Conforms: True" in html  # the release's SHACL report
    numbers = html.split('class="numbers"', 1)[1].split("</table>", 1)[0]
    for what, n in (("sentences", 4), ("sentences with claims", 3),
                    ("sentences not encoded, with a reason", 1),
                    ("entities whose Wikidata link is: linked", 1)):
        assert f"<td>{what}</td><td class=\"num\">{n}</td>" in numbers, what
    counts = html.split('class="graphs"', 1)[1].split("</table>", 1)[0]
    assert "graph:claims" in counts


def test_pages_answer_304_when_unchanged(client):
    for path in ("/", "/timeline", "/network", "/query?example=02-dated-events"):
        first = client.get(path)
        again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304, path
    assert client.get("/").headers["ETag"] != client.get("/timeline").headers["ETag"]


def test_query_page_lists_every_example_with_a_run_link(client):
    links = Links(client.get("/query").get_data(as_text=True))
    examples = load_examples()
    assert examples, "src/lodpub/queries/ holds the example queries"
    for example in examples:
        href = links.href_of(example.title)
        assert href.startswith(f"http://localhost/query?example={example.name}")


def test_query_page_lists_the_wikidata_model_examples(client):
    html = client.get("/query").get_data(as_text=True)
    links = Links(html)
    model = wikidata_examples()
    assert model and "wikidata/federated-states" not in {e.name for e in model}  # needs SERVICE
    for example in model:
        assert links.href_of(example.title).startswith(
            f"http://localhost/query?example={example.name}")
    assert client.get(f"/query?example={model[0].name}").status_code == 200


def test_query_page_runs_a_select_and_links_results(client):
    query = ("PREFIX lpo: <https://w3id.org/lodpub/ontology/>\n"
             "SELECT ?group ?parent WHERE { ?group lpo:memberOf ?parent }")
    response = client.get("/query", query_string={"query": query})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    head = html.split("<thead>", 2)[1].split("</thead>", 1)[0]
    assert head.index(">group<") < head.index(">parent<")
    links = Links(html)
    assert links.href_of("Kataib Hezbollah") == "http://localhost/id/kataib-hezbollah.html"
    downloads = [h for h in links.hrefs() if h.startswith("http://localhost/sparql?")]
    formats = {parse_qs(urlsplit(h).query)["format"][0] for h in downloads}
    assert formats == {"json", "xml", "csv", "tsv"}
    assert all(parse_qs(urlsplit(h).query)["query"][0] == query for h in downloads)


def test_query_page_download_links_answer(client):
    query = "SELECT ?s WHERE { ?s a <https://w3id.org/lodpub/ontology/State> }"
    links = Links(client.get("/query", query_string={"query": query}).get_data(as_text=True))
    csv_link = next(h for h in links.hrefs() if "format=csv" in h)
    body = client.get(urlsplit(csv_link).path + "?" + urlsplit(csv_link).query)
    body = body.get_data(as_text=True).splitlines()
    assert body[0] == "s" and sorted(body[1:]) == ["https://w3id.org/lodpub/id/iran",
                                                   "https://w3id.org/lodpub/id/united-states"]


def test_query_page_shows_construct_as_triples(client):
    query = ("CONSTRUCT { ?s a ?t } WHERE { GRAPH <https://w3id.org/lodpub/graph/inferred> "
             "{ ?s a ?t } }")
    html = client.get("/query", query_string={"query": query}).get_data(as_text=True)
    assert "2 rows" in html
    formats = {parse_qs(urlsplit(h).query)["format"][0]
               for h in Links(html).hrefs() if h.startswith("http://localhost/sparql?")}
    assert {"turtle", "jsonld", "ntriples", "rdfxml"} <= formats


def test_query_page_answers_ask(client):
    html = client.get("/query", query_string={"query": "ASK { ?s ?p ?o }"}).get_data(as_text=True)
    assert "Answer: <strong>yes</strong>" in html


def test_query_page_reports_a_malformed_query(client):
    response = client.get("/query", query_string={"query": "SELECT ?x WHERE { ?x"})
    assert response.status_code == 400
    assert 'class="error query-error"' in response.get_data(as_text=True)


def test_query_page_reports_a_stopped_query(tiny_release):
    application = make_app(tiny_release, query_timeout=0.2)
    try:
        query = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
        response = application.test_client().get("/query", query_string={"query": query})
        assert response.status_code == 503
        assert "stopped" in response.get_data(as_text=True)
    finally:
        application.extensions["lodpub"].close()


def test_query_page_unknown_example_is_404(client):
    assert client.get("/query?example=no-such-example").status_code == 404


def test_timeline_orders_events_and_keeps_kinds_apart(client):
    html = client.get("/timeline").get_data(as_text=True)
    names = ("Iraq War", "mission transition", "withdrawal from Anbar")
    order = [html.index(name) for name in names]
    assert order == sorted(order)
    svg = ElementTree.fromstring(client.get("/timeline.svg").get_data())
    events = {g.get("class") for g in svg.iter(f"{SVG}g") if "event" in (g.get("class") or "")}
    assert events == {"event happened", "event planned", "event claimed"}
    assert "December 2021 (month)" in html and "by 2025 (year)" in html
    assert "by the end of 2025" in html  # the date as written


def test_network_links_nodes_to_pages_and_marks_claimed_edges(client):
    svg = ElementTree.fromstring(client.get("/network.svg").get_data())
    hrefs = {a.get("href") for a in svg.iter(f"{SVG}a")}
    assert {"http://localhost/id/kataib-hezbollah.html", "http://localhost/id/pmf.html",
            "http://localhost/id/iran.html"} <= hrefs
    lines = {line.get("class"): line for line in svg.iter(f"{SVG}line")}
    assert lines["edge membership"].get("stroke-dasharray") is None
    assert lines["edge control"].get("stroke-dasharray")  # only an assessment says so
    html = client.get("/network").get_data(as_text=True)
    assert "backs" in html and "member of" in html


def test_source_redirects_to_the_only_document(client):
    response = client.get("/source")
    assert response.status_code == 303
    assert response.headers["Location"] == "http://localhost/source/doc.html"


def test_source_page_has_sentence_anchors_claims_and_reasons(client):
    html = client.get("/source/doc.html").get_data(as_text=True)
    links = Links(html)
    assert {"s1", "s2", "s3", "s4"} <= links.ids
    s1 = html.split('id="s1"', 1)[1].split("</li>", 1)[0]
    assert "Not encoded: section heading" in s1
    s3 = html.split('id="s3"', 1)[1].split("</div>", 1)[0]  # the sentence text
    assert ('In December 2021, <mark title="quoted by a claim">the mission transitioned</mark>'
            " to an advisory role." in s3)
    derived = html.split('id="derived-date_after"', 1)[1].split("</div>", 1)[0]
    assert "2025-01-08" in derived and "early January 2025" in derived
    assert "http://localhost/id/author.html" in links.hrefs()  # the publisher
    s4 = html.split('id="s4"', 1)[1].split("</li>", 1)[0]
    assert "forecast" in s4 and "http://localhost/claim/erbil-withdrawal.html" in Links(s4).hrefs()


@pytest.mark.parametrize("path", ["/id/hostile.html", "/source/doc.html", "/claim/hostile.html",
                                  "/ontology/ArmedGroup.html"])
def test_pages_render_hostile_data_inert(hostile_client, path):
    response = hostile_client.get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<script>window.__pwned" not in html
    assert 'onerror="window' not in html.replace("&#34;", '"').split("&lt;img", 1)[0]
    assert "&lt;script&gt;window.__pwned" in html


def test_pages_json_ld_cannot_be_broken_out_of(hostile_client):
    links = Links(hostile_client.get("/id/hostile.html").get_data(as_text=True))
    [body] = [text for attrs, text in links.scripts if attrs.get("type") == "application/ld+json"]
    assert json.loads(body)["name"] == HOSTILE
    assert "</script" not in body.lower()


def test_pages_work_without_a_release(hostile_client):
    html = hostile_client.get("/").get_data(as_text=True)
    assert "not a release" in html
    assert hostile_client.get("/timeline").status_code == 200


# --- the example queries, each checked against the real release -------------------------------

ID = "https://w3id.org/lodpub/id/"
LPV = "https://w3id.org/lodpub/vocab/"


def test_landing_counts_agree_on_the_release(real_app):
    html = real_app.test_client().get("/").get_data(as_text=True)
    table = html.split('class="numbers"', 1)[1].split("</table>", 1)[0]
    numbers = {}
    for row in table.split("<tr>")[1:]:
        what = row.split("<td>", 1)[1].split("</td>", 1)[0]
        numbers[what] = int(row.split('class="num">', 1)[1].split("<", 1)[0])
    statuses = sum(n for what, n in numbers.items() if what.startswith("entities whose"))
    assert statuses == numbers["entities (things, events and n-ary nodes)"]  # one status each


def example_rows(store, name: str) -> list[dict[str, str]]:
    """The rows of example ``name`` as plain strings."""
    [example] = [e for e in load_examples() if e.name == name]
    return [{k: str(v) for k, v in row.items()} for row in store.select(example.text)]


@pytest.mark.parametrize("example", load_examples(), ids=lambda e: e.name)
def test_examples_answer_on_the_release(real_store, example):
    if real_store.prepare(example.text).form == "ASK":
        assert real_store.ask(example.text) is False  # the only ASK: "should be no"
    else:
        assert real_store.select(example.text), f"{example.name} returns no rows"


@pytest.mark.parametrize("example", wikidata_examples(), ids=lambda e: e.name)
def test_wikidata_model_examples_answer_on_the_release(real_store, example):
    assert real_store.select(example.text), f"{example.name} returns no rows"


def test_example_armed_groups_inside_and_outside_the_pmf(real_store):
    rows = {r["group"]: r["inPMF"] for r in example_rows(real_store, "01-armed-groups-and-the-pmf")}
    assert rows[ID + "badr-organization"] == "true"
    assert rows[ID + "kataib-hezbollah"] == "false"


def test_example_dated_events_are_ordered_with_precision(real_store):
    rows = example_rows(real_store, "02-dated-events")
    assert [r["date"] for r in rows] == sorted(r["date"] for r in rows)
    assert {r["precision"] for r in rows} <= {"gYear", "gYearMonth", "date"}
    found = {(r["event"], r["when"], r["date"]) for r in rows}
    assert (ID + "iraq-war", "on", "2003") in found
    assert (ID + "withdrawal-erbil", "by", "2026-12") in found


def test_example_agreement_has_parties_provisions_and_deadlines(real_store):
    rows = [r for r in example_rows(real_store, "03-agreements")
            if r["agreement"] == ID + "us-iraq-security-agreement-2024"]
    assert {r["party"] for r in rows} == {ID + "iraq", ID + "united-states"}
    assert {r["announced"] for r in rows} == {"2024-09"}
    deadlines = {r.get("deadline") for r in rows}
    assert {"2026", "2026-12"} <= deadlines
    assert not deadlines & {"2025-09", "2025-12"}  # the sources dispute these: claims only


def test_example_office_holders(real_store):
    rows = {(r["person"], r["post"]) for r in example_rows(real_store, "04-office-holders")}
    assert (ID + "mohammed-shia-al-sudani", ID + "prime-minister-of-iraq") in rows


def test_example_forecasts_and_recommendations_quote_their_sentence(real_store):
    rows = example_rows(real_store, "05-forecasts-and-recommendations")
    assert {r["kind"] for r in rows} == {LPV + "forecast", LPV + "recommendation"}
    texts = {str(r["s"]): str(r["t"]) for r in real_store.select(
        "SELECT ?s ?t WHERE { GRAPH ?g { ?s <https://w3id.org/lodpub/ontology/text> ?t } }")}
    for row in rows:  # each quote stands in (or starts in) the sentence given
        words = row["quote"].split()[:4]
        assert " ".join(words) in " ".join(texts[row["sentence"]].split()), row["claim"]


def test_example_sentence_behind_a_fact(real_store):
    rows = example_rows(real_store, "06-sentence-of-a-fact")
    assert rows and all("transition" in r["text"] for r in rows)
    assert any(r["text"].startswith("In December 2021, CJTF-OIR transitioned") for r in rows)
    assert len({r["document"] for r in rows}) > 1  # the fact carries each document's sentence


def test_example_wikidata_links(real_store):
    rows = example_rows(real_store, "07-wikidata-links")
    assert {r["status"] for r in rows} <= {LPV + "linked", LPV + "unverified", LPV + "no-item"}
    linked = [r for r in rows if r["status"] == LPV + "linked"]
    assert linked and all(r["item"].startswith("http://www.wikidata.org/entity/Q")
                          for r in linked)
    assert all("item" not in r for r in rows if r["status"] != LPV + "linked")


def test_example_claims_by_kind_add_up(real_store):
    total = sum(int(r["claims"]) for r in example_rows(real_store, "09-claims-by-kind"))
    [row] = real_store.select(  # a joint claim counts once for each agent asserting it
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { "
        "?c a <https://w3id.org/lodpub/ontology/Claim> ; "
        "<https://w3id.org/lodpub/ontology/assertedBy> ?by } }")
    assert total == int(row["n"])


def test_example_who_backs_whom(real_store):
    rows = {(r["from"], r["relation"].rsplit("/", 1)[-1], r["to"])
            for r in example_rows(real_store, "10-who-backs-whom")}
    assert (ID + "kataib-hezbollah", "designatedAsTerroristBy", ID + "united-states") in rows


def test_landing_says_how_to_cite_the_release(real_client, release):
    page = real_client.get("/").get_data(as_text=True)
    assert "How to cite:" in page
    assert f"Release {release.version}." in page
    assert "https://w3id.org/lodpub/dataset" in page


# ----------------------------------------------------------------------------- found by a QA review


def test_network_leaves_out_what_the_source_denies(real_app):
    with real_app.app_context():
        _, edges = network(real_app.extensions["lodpub"].store, labels())
    found = {(e.source, e.target, e.kind): e for e in edges}
    # "it [Iran] was unable to dominate Iraq": a negated claim, not a claim that Iran controls Iraq
    assert (ID + "iran", ID + "iraq", "control") not in found
    # "unable to control the proliferation of new armed groups"
    assert (ID + "government-of-iraq", ID + "armed-group-proliferation", "control") not in found
    # "do not constitute a simple proxy-sponsor relationship"
    assert (ID + "iran", ID + "iraq", "backing") not in found
    # what the source does say stays: Iran maintains control over the Islamic Resistance
    edge = found[(ID + "iran", ID + "islamic-resistance-in-iraq", "control")]
    assert edge.claimed is False


@pytest.mark.parametrize("iri", ["javascript:alert(1)", "JavaScript:alert(1)",
                                 "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
                                 "vbscript:msgbox(1)"])
def test_query_page_never_links_to_script_iris(real_client, iri):
    query = f"SELECT ?x WHERE {{ BIND(IRI(\"{iri}\") AS ?x) }}"
    html = real_client.get("/query", query_string={"query": query}).get_data(as_text=True)
    results = html.split('<table class="results-table">', 1)[1].split("</table>", 1)[0]
    hrefs = [part.split('"', 1)[0] for part in results.split('href="')[1:]]
    assert hrefs, "the result should still be shown with a link"
    for href in hrefs:
        assert href.startswith("http://localhost/"), href  # this site only (query page, …)


def test_query_page_still_links_web_iris(real_client):
    query = 'SELECT ?x WHERE { BIND(<https://www.wikidata.org/wiki/Q796> AS ?x) }'
    html = real_client.get("/query", query_string={"query": query}).get_data(as_text=True)
    assert 'href="https://www.wikidata.org/wiki/Q796"' in html


def test_pages_shared_data_is_built_once_while_others_wait():
    import threading

    from lodpub.web.publication import Publication

    pub = Publication(settings=None, release=None, store=None)  # memo needs neither
    calls: list[int] = []
    release = threading.Event()

    def build() -> list[int]:
        calls.append(1)
        release.wait(60)
        return calls

    results: list = []
    first = threading.Thread(target=lambda: results.append(pub.memo("labels", build)))
    first.start()
    wait_for(lambda: calls)
    others = [threading.Thread(target=lambda: results.append(pub.memo("labels", build)))
              for _ in range(7)]
    for thread in others:
        thread.start()
    for thread in others:
        thread.join(0.2)  # they wait for the first build (each would add a call if it built)
    release.set()
    for thread in [first, *others]:
        thread.join(60)
    assert len(calls) == 1 and len(results) == 8
    assert all(r is results[0] for r in results)
