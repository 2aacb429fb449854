"""The W3C SPARQL 1.1 and 1.0 query test suites, run through lodpub's HTTP endpoint (/sparql).

One app (module scope) serves one dataset in which every data file of every test is a named
graph whose IRI is the file's IRI as its manifest resolves it. Each test sends its query with
the protocol's dataset parameters: ``default-graph-uri`` = its qt:data files, ``named-graph-uri``
= its qt:graphData files (a test with neither, whose query has no FROM, names an empty default
graph so it sees no data). The query is prefixed with ``BASE <its file IRI>``: the base a W3C
harness parses it with, so ``FROM <data.ttl>`` names the same graph as the manifest. Requests
rotate between GET, POST form and POST ``application/sparql-query``, and ask for the result
file's format by Accept; the answer is parsed with rdflib and compared (tests/w3c_results.py).

Syntax tests (sent as written): a positive one must answer 200, a negative one 400 with a
message. The protocol and service-description suites only name their tests; their requests are
written out below (``PROTOCOL``, ``test_w3c_service_description_*``) from the W3C's text.
Exclusions are in ``EXCLUDED`` and ``PROTOCOL_EXCLUDED``, one reason each; everything else must
pass. The suite is downloaded at test time (tests/w3c.py): if that fails, the tests here fail
saying why.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from urllib.parse import urlencode, urljoin

import pytest
from rdflib import RDF, Graph, Namespace, URIRef
from werkzeug.datastructures import MultiDict

from lodpub.web import create_app
from support.rdf import parse_rdf
from support.servers import live_server, settings_for
from support.w3c import MF, W3CTest, cases_of, iri_path, parametrize_cases, suite_root
from support.w3c_results import (
    Solutions,
    compare_graphs,
    compare_solutions,
    describe,
    expected_result,
    parse_results,
    top_level_order,
)

EVAL_11 = ["aggregates", "bind", "bindings", "construct", "csv-tsv-res", "exists", "functions",
           "grouping", "json-res", "negation", "project-expression", "property-path",
           "subquery", "syntax-query", "syntax-fed"]
EVAL_10 = ["basic", "triple-match", "open-world", "algebra", "bnode-coreference", "optional",
           "optional-filter", "graph", "dataset", "type-promotion", "cast",
           "boolean-effective-value", "bound", "expr-builtin", "expr-ops", "expr-equals",
           "regex", "i18n", "construct", "ask", "distinct", "sort", "solution-seq", "reduced",
           "syntax-sparql1", "syntax-sparql2", "syntax-sparql3", "syntax-sparql4",
           "syntax-sparql5"]
AREAS = [f"sparql11/{a}" for a in EVAL_11] + [f"dawg-data-r2/{a}" for a in EVAL_10]
EVALUATION = {"QueryEvaluationTest", "CSVResultFormatTest"}
POSITIVE = {"PositiveSyntaxTest11", "PositiveSyntaxTest"}
NEGATIVE = {"NegativeSyntaxTest11", "NegativeSyntaxTest"}

# Areas not run at all: the update suites (basic-update, add, clear, copy, delete*, drop, move,
# update-silent, syntax-update-*: the endpoint is read-only and refuses updates by design),
# entailment (lodpub does no entailment at query time), service (SERVICE is refused unless
# allow-listed: no outbound requests), protocol and http-rdf-update (need a live server with
# update; tests/test_sparql_protocol.py covers the protocol), service-description.
#
# Single tests: "area#local name" -> why it does not run (checked against pyoxigraph directly:
# the same query on an in-memory pyoxigraph store loaded with the same files gives the same
# wrong answer, so the fault is not lodpub's).
OX = "pyoxigraph 0.5.13 engine"
CANONICAL = (f"{OX}: the store keeps numbers and dates in canonical form, so literals that "
             "differ only lexically (\"01\" and \"1\" as xsd:integer, \"1.0e0\" as xsd:double, "
             "\"2006-08-23+00:00\" as xsd:date) become one term")
RDF11 = ("suite predates RDF 1.1: there \"abc\" and \"abc\"^^xsd:string are one term, and a "
         "language-tagged string has the datatype rdf:langString")
SPARQL10_DECIMAL = ("SPARQL 1.0 grammar: `456.` was a decimal; SPARQL 1.1 (DECIMAL needs a digit "
                    "after the dot) reads it as an integer and a triple-ending dot")
WITHDRAWN = "dawgt:Withdrawn by the W3C working group (not part of the suite)"
EXCLUDED: dict[str, str] = {
    "sparql11/aggregates#agg-empty-group": f"{OX}: GROUP BY over no solutions gives no row; the "
                                           "test expects one row with ?max unbound",
    "sparql11/csv-tsv-res#csv03": CANONICAL + " (\"1.0E6\"^^xsd:double is written 1000000)",
    "sparql11/csv-tsv-res#tsv03": CANONICAL + " (\"1.0E6\"^^xsd:double is written 1000000)",
    "sparql11/functions#strdt03": RDF11 + " (STRDT/STRLANG accept xsd:string arguments)",
    "sparql11/functions#strlang03": RDF11 + " (STRDT/STRLANG accept xsd:string arguments)",
    "sparql11/functions#plus-1": "suite: expects simple literals to sort before numbers, an "
                                 "order SPARQL 1.1 section 15.1 leaves undefined",
    "sparql11/functions#plus-2": "suite: expects simple literals to sort before numbers, an "
                                 "order SPARQL 1.1 section 15.1 leaves undefined",
    "sparql11/functions#bnode01": f"{OX}: BNODE(str) returns the same blank node for the same "
                                  "string in different solutions (it must differ per solution)",
    "sparql11/syntax-fed#test_1": "SERVICE is refused by design (400 naming SERVICE; see "
                                  "test_w3c_service_syntax_is_refused_not_malformed)",
    "sparql11/syntax-fed#test_2": "SERVICE is refused by design (as syntax-fed#test_1)",
    "sparql11/syntax-fed#test_3": "SERVICE is refused by design (as syntax-fed#test_1)",
    "dawg-data-r2/basic#term-6": SPARQL10_DECIMAL,
    "dawg-data-r2/basic#term-7": SPARQL10_DECIMAL,
    "dawg-data-r2/syntax-sparql1#syntax-lit-08": SPARQL10_DECIMAL,
    "dawg-data-r2/open-world#open-eq-01": CANONICAL,
    "dawg-data-r2/open-world#date-2": CANONICAL,
    "dawg-data-r2/optional-filter#dawg-optional-filter-005-simplified":
        "suite: unapproved twin of dawg-optional-filter-005-not-simplified (same query and "
        "data, opposite answer); SPARQL 1.1's algebra gives the not-simplified answer, which "
        "passes",
    "dawg-data-r2/expr-builtin#dawg-str-1": CANONICAL,
    "dawg-data-r2/expr-builtin#dawg-str-2": CANONICAL,
    "dawg-data-r2/expr-builtin#dawg-datatype-2": RDF11,
    "dawg-data-r2/expr-builtin#sameTerm-simple": CANONICAL,
    "dawg-data-r2/expr-builtin#sameTerm-eq": CANONICAL,
    "dawg-data-r2/expr-builtin#sameTerm-not-eq": CANONICAL,
    "dawg-data-r2/expr-equals#eq-graph-1": CANONICAL,
    "dawg-data-r2/expr-equals#eq-graph-2": CANONICAL,
    "dawg-data-r2/distinct#distinct-1": CANONICAL,
    "dawg-data-r2/distinct#distinct-2": RDF11,
    "dawg-data-r2/distinct#distinct-9": CANONICAL,
    "dawg-data-r2/syntax-sparql2#syntax-esc-04": f"{OX}: no \\u escapes outside strings and IRIs "
                                                 "(SPARQL 1.1 section 19.2)",
    "dawg-data-r2/syntax-sparql2#syntax-esc-05": f"{OX}: no \\u escapes outside strings and IRIs "
                                                 "(SPARQL 1.1 section 19.2)",
    "dawg-data-r2/graph#dawg-graph-10": WITHDRAWN,
    "dawg-data-r2/dataset#dawg-dataset-09": WITHDRAWN,
    "dawg-data-r2/dataset#dawg-dataset-10": WITHDRAWN,
    "dawg-data-r2/dataset#dawg-dataset-12": WITHDRAWN,
    "dawg-data-r2/syntax-sparql3#syn-bad-26": f"{OX}: accepts `?x<?a&&?b>?y`, which the longest-"
                                              "token rule makes an IRI and a syntax error",
}

ACCEPT = {".srx": "application/sparql-results+xml", ".srj": "application/sparql-results+json",
          ".csv": "text/csv", ".tsv": "text/tab-separated-values"}
GRAPH_ACCEPT = ["text/turtle", "application/n-triples", "application/rdf+xml",
                "application/ld+json", "application/trig", "application/n-quads"]
RESULTS_BY_TYPE = {"application/sparql-results+xml": "xml",
                   "application/sparql-results+json": "json", "text/csv": "csv",
                   "text/tab-separated-values": "tsv"}
GRAPHS_BY_TYPE = {"text/turtle": "turtle", "application/n-triples": "nt",
                  "application/rdf+xml": "xml", "application/ld+json": "json-ld",
                  "application/trig": "trig", "application/n-quads": "nquads"}
EMPTY_GRAPH = "urn:lodpub:test:empty"
KASEI = "http://kasei.us/2009/09/sparql/data/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
FOAF_DOCUMENT = "http://xmlns.com/foaf/0.1/Document"


def _cases() -> tuple[list[W3CTest], str | None]:
    cases, error = cases_of(tuple(AREAS))
    return [c for c in cases if c.kind in EVALUATION | POSITIVE | NEGATIVE], error


def _excluded(case: W3CTest) -> str | None:
    return EXCLUDED.get(case.case_id)


def pytest_generate_tests(metafunc):
    """Parametrize per W3C test; an unavailable suite becomes one failing case that says why."""
    evaluation = metafunc.function.__name__.endswith("evaluation")
    wanted = EVALUATION if evaluation else POSITIVE | NEGATIVE
    parametrize_cases(metafunc, tuple(AREAS), lambda cases: [
        c for c in cases if c.kind in wanted and _excluded(c) is None])


@pytest.fixture(scope="module")
def suite_cases() -> list[W3CTest]:
    """Every evaluation test of the chosen areas (excluded ones too: their data is harmless)."""
    cases, error = _cases()
    if error is not None:
        pytest.fail(error)
    return [c for c in cases if c.kind in EVALUATION]


_FROM = re.compile(r"\bFROM\s+(?:NAMED\s+)?<([^<>\s]*)>", re.IGNORECASE)


def data_iris(case: W3CTest) -> set[str]:
    """The data files a test reads: qt:data, qt:graphData and its query's FROM (NAMED) IRIs."""
    found = {*case.data, *case.graph_data}
    text = case.action.read_text(encoding="utf-8")
    found.update(urljoin(case.query_iri, iri) for iri in _FROM.findall(text))
    return {iri for iri in found if iri.startswith("file:")}


def _write_dataset(cases: list[W3CTest], target: Path) -> Path:
    """One N-Quads file: each data file as a named graph called by its IRI, bnodes kept apart."""
    import pyoxigraph as ox

    iris = sorted(set().union(*(data_iris(c) for c in cases)))
    quads = []
    for index, iri in enumerate(iris):
        path = iri_path(iri)
        fmt = ox.RdfFormat.from_extension(path.suffix.lstrip(".")) \
            or ox.RdfFormat.TURTLE
        graph = ox.NamedNode(iri)

        def local(term, prefix=f"f{index}x"):
            return ox.BlankNode(prefix + term.value) if isinstance(term, ox.BlankNode) else term

        for triple in ox.parse(path=str(path), format=fmt, base_iri=iri):
            quads.append(ox.Quad(local(triple.subject), triple.predicate, local(triple.object),
                                 graph))
    for n in (1, 2, 3):  # the graphs the W3C protocol tests name (tests/w3c_protocol below)
        doc = ox.NamedNode(f"{KASEI}data{n}.rdf")
        quads.append(ox.Quad(doc, ox.NamedNode(RDF_TYPE), ox.NamedNode(FOAF_DOCUMENT), doc))
    ox.serialize(quads, str(target), ox.RdfFormat.N_QUADS)
    return target


@pytest.fixture(scope="module")
def client(suite_cases, tmp_path_factory):
    """The Flask test client of one app serving every test's data as named graphs."""
    root = tmp_path_factory.mktemp("w3c")
    data = _write_dataset(suite_cases, root / "w3c-data.nq")
    app = create_app(settings_for(root, workers=2, query_timeout=20.0), data_files=[data])
    try:
        yield app.test_client()
    finally:
        app.extensions["lodpub"].close()


def _dataset(case: W3CTest, query: str) -> list[tuple[str, str]]:
    params = [("default-graph-uri", g) for g in case.data]
    params += [("named-graph-uri", g) for g in case.graph_data]
    if not params and not _FROM.search(query):
        params = [("default-graph-uri", EMPTY_GRAPH)]  # the test's dataset is empty
    return params


def _send(client, case: W3CTest, query: str, accept: str):
    """Send ``query`` with the test's dataset by GET, POST form or POST body (chosen per test)."""
    dataset = _dataset(case, query)
    way = int(hashlib.sha256(case.iri.encode()).hexdigest(), 16) % 3
    headers = {"Accept": accept}
    if way == 0:
        return client.get("/sparql?" + urlencode([("query", query), *dataset]), headers=headers)
    if way == 1:
        return client.post("/sparql", data=MultiDict([("query", query), *dataset]), headers=headers,
                           content_type="application/x-www-form-urlencoded")
    return client.post("/sparql?" + urlencode(dataset), data=query.encode("utf-8"),
                       headers=headers, content_type="application/sparql-query")


def _query_text(case: W3CTest) -> str:
    text = case.action.read_text(encoding="utf-8")
    return f"BASE <{case.query_iri}>\n{text}"


def _actual(response) -> Solutions | Graph:
    media = response.mimetype
    if media in RESULTS_BY_TYPE:
        return parse_results(response.data, RESULTS_BY_TYPE[media])
    if media in GRAPHS_BY_TYPE:
        return parse_rdf(response.data, GRAPHS_BY_TYPE[media])
    raise AssertionError(f"unexpected Content-Type {response.content_type}")


def _pick(case: W3CTest, options: list[str]) -> str:
    return options[int(hashlib.sha256(case.iri.encode()).hexdigest(), 16) % len(options)]


def _accepts(case: W3CTest, expected: Solutions | Graph) -> list[str]:
    """Every format the answer is checked in: all six graph formats for a graph; for solutions
    the result file's own format (CSV, JSON, TSV tests) or else every lossless result format
    (XML, JSON, TSV; for ASK, which CSV and TSV cannot carry, XML and JSON)."""
    if isinstance(expected, Graph):
        return GRAPH_ACCEPT
    if case.result.suffix in (".srj", ".csv", ".tsv"):
        return [ACCEPT[case.result.suffix]]
    if expected.boolean is not None:
        return [ACCEPT[".srx"], ACCEPT[".srj"]]
    return [ACCEPT[".srx"], ACCEPT[".srj"], ACCEPT[".tsv"]]


def test_w3c_query_evaluation(client, case):
    """The endpoint's answer to a W3C evaluation test equals the expected result."""
    if isinstance(case, str):
        pytest.fail(case)
    query = _query_text(case)
    expected = expected_result(case.result)
    for accept in _accepts(case, expected):
        response = _send(client, case, query, accept)
        assert response.status_code == 200, (f"{case.iri} ({accept}): {response.status_code} "
                                             f"{response.text}")
        actual = _actual(response)
        assert type(actual) is type(expected), f"{case.iri}: answered {response.content_type}"
        problem = _compare(case, query, expected, actual)
        assert problem is None, (f"{case.iri} ({accept}): {problem}\n--- expected\n"
                                 f"{describe(expected)}\n--- got\n{describe(actual)}")


def _compare(case: W3CTest, query: str, expected, actual) -> str | None:
    if isinstance(expected, Graph):
        return compare_graphs(expected, actual)
    ordered = expected.ordered and top_level_order(query)
    return compare_solutions(expected, actual, ordered, case.extra.get("cardinality") == "lax")


def test_w3c_query_syntax(client, case):
    """A positive syntax test answers 200; a negative one 400 with the parser's message.

    The query is sent as it is (no BASE added): relative IRIs resolve against the endpoint's
    own base IRI, as a SPARQL service must provide one.
    """
    if isinstance(case, str):
        pytest.fail(case)
    query = case.action.read_text(encoding="utf-8")
    response = _send(client, case, query, "application/sparql-results+json, text/turtle;q=0.9")
    if case.kind in POSITIVE:
        assert response.status_code == 200, f"{case.iri}: {response.status_code} {response.text}"
    else:
        assert response.status_code == 400, f"{case.iri}: {response.status_code} {response.text}"
        assert response.text.strip(), f"{case.iri}: 400 without a message"


def test_w3c_exclusions_name_real_tests(suite_cases):
    """Every excluded IRI is a test of the suite, and every withdrawn test is excluded (by name),
    so the list cannot rot silently."""
    cases, _ = _cases()
    known = {c.case_id for c in cases}
    assert set(EXCLUDED) <= known, sorted(set(EXCLUDED) - known)
    withdrawn = {c.case_id for c in cases if c.extra.get("approval") in ("Withdrawn",
                                                                          "NotApproved")}
    assert withdrawn <= set(EXCLUDED), sorted(withdrawn - set(EXCLUDED))


def _service_cases() -> list[W3CTest]:
    cases, error = _cases()
    if error is not None:
        pytest.fail(error)
    return [c for c in cases if c.area == "sparql11/syntax-fed"]


def test_w3c_service_syntax_is_refused_not_malformed(client):
    """The W3C SERVICE syntax tests get lodpub's refusal (400 naming SERVICE), not a parse error.

    SERVICE is refused by design unless its endpoint is allow-listed (no outbound requests), so
    these positive syntax tests cannot answer 200; the message must say why.
    """
    cases = _service_cases()
    assert cases, "the syntax-fed manifest lists no tests"
    for case in cases:
        response = _send(client, case, _query_text(case), "application/sparql-results+json")
        assert response.status_code == 400, f"{case.iri}: {response.status_code}"
        message = response.get_json()["error"]
        assert "SERVICE" in message and "refused" in message, f"{case.iri}: {message}"
        assert "malformed" not in message, f"{case.iri}: {message}"


def test_w3c_unknown_function_is_an_expression_error(client):
    """A call to a function the engine does not know (W3C syntax-function-01) is an expression
    error, as SPARQL 1.1 section 17.3 says: the FILTER is false, a BIND leaves its variable
    unbound, ``||`` with a true side is true; the query is answered and no worker is lost."""
    pool = client.application.extensions["lodpub"].store.runner
    before = pool.pids()

    def rows(query):
        response = client.post("/sparql", data={"query": query},
                               headers={"Accept": "application/sparql-results+json"})
        assert response.status_code == 200, response.data
        return response.get_json()["results"]["bindings"]

    assert rows("PREFIX q: <http://example.org/> SELECT * WHERE { FILTER (q:name()) }") == []
    assert rows("PREFIX q: <http://example.org/> SELECT ?v WHERE { BIND(q:f(1) AS ?v) }") == [{}]
    assert rows("PREFIX q: <http://example.org/> SELECT ?x WHERE { BIND(1 AS ?x) "
                "FILTER(q:f(?x) || true) }") == [{"x": {
                    "type": "literal", "value": "1",
                    "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}]
    assert pool.pids() == before
    ask = client.get("/sparql?" + urlencode({"query": "ASK {}"}),
                     headers={"Accept": "application/sparql-results+json"})
    assert ask.status_code == 200 and ask.get_json()["boolean"] is True


@pytest.mark.server
def test_w3c_some_tests_through_a_real_server(client, suite_cases):
    """A sample of evaluation tests (every 25th) over real HTTP: lodpub's waitress server."""
    import requests

    sample = [c for c in suite_cases if _excluded(c) is None][::25]
    assert len(sample) > 10
    with live_server(client.application) as base, requests.Session() as session:
        for case in sample:
            query = _query_text(case)
            expected = expected_result(case.result)
            accept = _pick(case, _accepts(case, expected))
            response = session.post(f"{base}/sparql", data=[("query", query),
                                                            *_dataset(case, query)],
                                    headers={"Accept": accept}, timeout=30)
            assert response.status_code == 200, f"{case.iri}: {response.text}"
            media = response.headers["Content-Type"].split(";")[0]
            if isinstance(expected, Graph):
                actual = parse_rdf(response.content, GRAPHS_BY_TYPE[media])
            else:
                actual = parse_results(response.content, RESULTS_BY_TYPE[media])
            problem = _compare(case, query, expected, actual)
            assert problem is None, f"{case.iri} ({accept}): {problem}"


def test_w3c_relative_iris_resolve_against_the_endpoint_base(client):
    """A query without BASE resolves relative IRIs against lodpub's persistent endpoint IRI
    (https://w3id.org/lodpub/sparql) on every host; it used to be refused as malformed
    ("expected IRI parsing failed"), failing 23 W3C positive syntax tests."""
    query = "SELECT ?x WHERE { BIND (<a#b> AS ?x) }"
    for host in ("localhost", "example.org:8080"):
        response = client.get("/sparql?" + urlencode({"query": query}), base_url=f"http://{host}",
                              headers={"Accept": "application/sparql-results+json"})
        assert response.status_code == 200, response.text
        [row] = response.get_json()["results"]["bindings"]
        assert row["x"] == {"type": "uri", "value": "https://w3id.org/lodpub/a#b"}


# The SPARQL 1.1 Protocol tests (sparql11/protocol/manifest.ttl) name their requests only in
# prose (the W3C's protocol test page); each query test is written out here from that text as
# (method, query string, body, Content-Type, expectation). Expectation "4xx", or a check of the
# answer. The data graphs data1..3.rdf (each says it is a foaf:Document) are in the dataset.
# query_multiple_dataset is adapted: its `<data1.rdf>` is written absolute (its result depends
# on a base the test leaves open) and asks about data2.rdf, so only the protocol's
# default-graph-uri (data2) can make it true, not the query's FROM (data1).
_D1, _D2, _D3 = (f"{KASEI}data{n}.rdf" for n in (1, 2, 3))
_ASK_TYPES = ("application/sparql-results+xml", "application/sparql-results+json")
_SELECT_TYPES = _ASK_TYPES + ("text/tab-separated-values", "text/csv")
_GRAPH_TYPES = ("application/rdf+xml", "application/rdf+json", "text/turtle")
FORM, DIRECT = "application/x-www-form-urlencoded", "application/sparql-query"
PROTOCOL: dict[str, tuple] = {
    "query_get": ("GET", {"query": "ASK {}"}, None, None, (_ASK_TYPES, True)),
    "query_post_form": ("POST", {}, "query=ASK%20%7B%7D", FORM, (_ASK_TYPES, True)),
    "query_post_direct": ("POST", {}, "ASK {}", DIRECT, (_ASK_TYPES, True)),
    "query_dataset_default_graphs_get": (
        "GET", {"query": f"ASK {{ <{_D1}> a ?type . <{_D2}> a ?type . }}",
                "default-graph-uri": [_D1, _D2]}, None, None, (_ASK_TYPES, True)),
    "query_dataset_default_graphs_post": (
        "POST", {"default-graph-uri": [_D1, _D2]}, f"ASK {{ <{_D1}> ?p ?o . <{_D2}> ?p ?o }}",
        DIRECT, (_ASK_TYPES, True)),
    "query_dataset_named_graphs_get": (
        "GET", {"query": f"ASK {{ GRAPH ?g1 {{ <{_D1}> a ?type }} "
                         f"GRAPH ?g2 {{ <{_D2}> a ?type }} }}",
                "named-graph-uri": [_D1, _D2]}, None, None, (_ASK_TYPES, True)),
    "query_dataset_named_graphs_post": (
        "POST", {"named-graph-uri": [_D1, _D2]}, "ASK { GRAPH ?g { ?s ?p ?o } }", DIRECT,
        (_ASK_TYPES, True)),
    "query_dataset_full": (
        "POST", {"default-graph-uri": [_D3], "named-graph-uri": [_D1, _D2]},
        "SELECT ?g ?x ?s { ?x ?y ?o  GRAPH ?g { ?s ?p ?o } }", DIRECT,
        (_SELECT_TYPES, {(_D1, _D3, _D1), (_D2, _D3, _D2)})),
    "query_multiple_dataset": (
        "POST", {"default-graph-uri": [_D2]}, f"ASK FROM <{_D1}> {{ <{_D2}> ?p ?o }}", DIRECT,
        (_ASK_TYPES, True)),
    "query_content_type_select": ("POST", {}, "SELECT (1 AS ?value) {}", DIRECT,
                                  (_SELECT_TYPES, None)),
    "query_content_type_ask": ("POST", {}, "ASK {}", DIRECT, (_ASK_TYPES, None)),
    "query_content_type_describe": ("POST", {}, "DESCRIBE <http://example.org/>", DIRECT,
                                    (_GRAPH_TYPES, None)),
    "query_content_type_construct": ("POST", {}, "CONSTRUCT { <s> <p> 1 } WHERE {}", DIRECT,
                                     (_GRAPH_TYPES, None)),
    "bad_query_method": ("PUT", {"query": "ASK {}"}, None, None, "4xx"),
    "bad_multiple_queries": ("GET", {"query": ["ASK {}", "SELECT * {}"]}, None, None, "4xx"),
    "bad_query_wrong_media_type": ("POST", {}, "ASK {}", "text/plain", "4xx"),
    "bad_query_missing_form_type": ("POST", {}, "query=ASK%20%7B%7D", None, "4xx"),
    "bad_query_missing_direct_type": ("POST", {}, "ASK {}", None, "4xx"),
    "bad_query_non_utf8": ("POST", {}, "ASK {}".encode("utf-16"),
                           "application/sparql-query; charset=UTF-16", "4xx"),
    "bad_query_syntax": ("GET", {"query": "ASK {"}, None, None, "4xx"),
    # updates: the endpoint is read-only, so every update request must be refused (4xx)
    "bad_update_get": ("GET", {"update": "CLEAR ALL"}, None, None, "4xx"),
    "bad_multiple_updates": ("POST", {}, "update=CLEAR%20NAMED&update=CLEAR%20DEFAULT", FORM,
                             "4xx"),
    "bad_update_wrong_media_type": ("POST", {}, "CLEAR NAMED", "text/plain", "4xx"),
    "bad_update_missing_form_type": ("POST", {}, "update=CLEAR%20NAMED", None, "4xx"),
    "bad_update_non_utf8": ("POST", {}, "CLEAR NAMED".encode("utf-16"),
                            "application/sparql-update; charset=UTF-16", "4xx"),
    "bad_update_syntax": ("POST", {}, "update=CLEAR%20XYZ", FORM, "4xx"),
    "bad_update_dataset_conflict": (
        "POST", {}, "using-named-graph-uri=http%3A%2F%2Fexample%2Fpeople&update=WITH%20%3Chttp"
        "%3A%2F%2Fexample%2Faddresses%3E%20DELETE%20%7B%20%3Fp%20%3Chttp%3A%2F%2Fx%2Fn%3E%20"
        "%27Bill%27%20%7D%20WHERE%20%7B%20%3Fp%20%3Chttp%3A%2F%2Fx%2Fn%3E%20%27Bill%27%20%7D",
        FORM, "4xx"),
}
PROTOCOL_EXCLUDED = {  # the update tests that expect a successful update
    name: "the endpoint is read-only: SPARQL Update is refused by design (400)"
    for name in ("update_base_uri", "update_dataset_default_graph",
                 "update_dataset_default_graphs", "update_dataset_full",
                 "update_dataset_named_graphs", "update_post_direct", "update_post_form")
}


def _protocol_names() -> list[str]:
    _, error = _cases()
    if error is not None:
        pytest.fail(error)
    root = suite_root()
    graph = Graph().parse(root / "sparql11" / "protocol" / "manifest.ttl", format="turtle")
    return sorted(str(s).rsplit("#", 1)[-1] for s in graph.subjects(predicate=None,
                                                                      object=MF.ProtocolTest))


def test_w3c_protocol_tests_are_all_accounted_for():
    """Every protocol test of the manifest is run here or excluded with a reason."""
    names = set(_protocol_names())
    assert names == set(PROTOCOL) | set(PROTOCOL_EXCLUDED), sorted(
        names ^ (set(PROTOCOL) | set(PROTOCOL_EXCLUDED)))


@pytest.mark.parametrize("name", sorted(PROTOCOL))
def test_w3c_protocol(client, name):
    """The W3C SPARQL 1.1 Protocol test ``name`` (sparql11/protocol/manifest#name)."""
    method, params, body, content_type, expect = PROTOCOL[name]
    url = "/sparql" + ("?" + urlencode(params, doseq=True) if params else "")
    headers = {"Content-Type": content_type} if content_type else {}
    data = body.encode() if isinstance(body, str) else body
    response = client.open(url, method=method, data=data, headers=headers)
    if expect == "4xx":
        assert 400 <= response.status_code < 500, f"{name}: {response.status_code}"
        return
    assert response.status_code == 200, f"{name}: {response.status_code} {response.text}"
    types, answer = expect
    assert response.mimetype in types, f"{name}: {response.content_type}"
    if answer is None:
        return
    result = parse_results(response.data, RESULTS_BY_TYPE[response.mimetype])
    if isinstance(answer, bool):
        assert result.boolean is answer, name
    else:
        rows = {(str(r["g"]), str(r["x"]), str(r["s"])) for r in result.rows}
        assert rows == answer, name


SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
SD_LANGUAGES = {SD.SPARQL10Query, SD.SPARQL11Query, SD.SPARQL11Update}


def _service_description(client, accept: str, fmt: str) -> Graph:
    response = client.get("/sparql", headers={"Accept": accept})
    assert response.status_code == 200, response.text
    return Graph().parse(data=response.data, format=fmt)


@pytest.mark.parametrize("accept,fmt", [("text/turtle", "turtle"),
                                        ("application/rdf+xml", "xml")])
def test_w3c_service_description_returns_rdf(client, accept, fmt):
    """service-description#returns-rdf: GET on the endpoint without a query returns RDF."""
    graph = _service_description(client, accept, fmt)
    assert (None, RDF.type, SD.Service) in graph


def test_w3c_service_description_has_endpoint_triple(client):
    """service-description#has-endpoint-triple: a matching sd:endpoint triple."""
    graph = _service_description(client, "text/turtle", "turtle")
    assert (None, SD.endpoint, URIRef("http://localhost/sparql")) in graph


def test_w3c_service_description_conforms_to_schema(client):
    """service-description#conforms-to-schema: the terms are used as the SD vocabulary says."""
    graph = _service_description(client, "text/turtle", "turtle")
    [service] = graph.subjects(RDF.type, SD.Service)
    assert all(isinstance(e, URIRef) for e in graph.objects(service, SD.endpoint))
    languages = set(graph.objects(service, SD.supportedLanguage))
    assert languages and languages <= SD_LANGUAGES and SD.SPARQL11Update not in languages
    assert all(isinstance(f, URIRef) for f in graph.objects(service, SD.resultFormat))
    for dataset in graph.objects(service, SD.defaultDataset):
        assert (dataset, RDF.type, SD.Dataset) in graph
        for named in graph.objects(dataset, SD.namedGraph):
            assert isinstance(graph.value(named, SD.name), URIRef)
            assert graph.value(named, SD.graph) is not None
