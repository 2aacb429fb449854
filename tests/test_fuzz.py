"""Fuzzing a real server: no input a client can send gets a 5xx, and /openapi.json tells the truth.

Two fuzzers, both deterministic (a fixed seed: the same requests every run, so a failure is
reproducible and the suite cannot flake), each bounded in time:

- schemathesis generates requests from /openapi.json (every operation, its parameters and
  bodies) and checks each answer: no server error, the status code, content type, headers and
  body the description documents. Two of its checks are left out on purpose:
  ``positive_data_acceptance`` (a SPARQL query or reconciliation JSON carried in a string is
  valid for JSON Schema long before it is valid SPARQL, so a 400 is the right answer) and
  ``negative_data_rejection`` (unknown parameters are ignored, as on the web at large).
- a SPARQL and HTTP fuzzer sends queries built from SPARQL's own constructs and
  then mutated (escapes, comments, nesting, Unicode, truncation), by GET, POST form and POST
  body, with hostile Accept, Content-Type and charset values, and odd paths.

Together they send more than 5,000 requests to the tiny release over HTTP.
"""

from __future__ import annotations

import http.client
import random
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import pytest

pytestmark = pytest.mark.server
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,"
          "response_headers_conformance,response_schema_conformance")
SCHEMATHESIS_CASES = 2000  # at least, of the requests schemathesis sends
FUZZ_REQUESTS = 3200


def test_fuzz_openapi_description_holds_for_generated_requests(tiny_server, tmp_path):
    # run in a scratch directory: schemathesis keeps a cache of past failures in its working
    # directory and would replay them, so each run would depend on the ones before it
    result = subprocess.run(
        [str(SCHEMATHESIS), "run", tiny_server + "/openapi.json", "--max-examples", "80",
         "--seed", "20261205", "--generation-deterministic", "--checks", CHECKS,
         "--request-timeout", "30", "--no-color"],
        capture_output=True, text=True, timeout=900, check=False, cwd=tmp_path)
    report = result.stdout[-6000:] + result.stderr[-2000:]
    assert result.returncode == 0, report
    generated = re.search(r"(\d+) generated, (\d+) passed", result.stdout)
    assert generated, report
    assert int(generated.group(1)) >= SCHEMATHESIS_CASES, report
    assert generated.group(1) == generated.group(2), report


# ----------------------------------------------------------------------------- SPARQL fuzzer

IRIS = ["<https://w3id.org/lodpub/id/kataib-hezbollah>", "<http://example.org/x>", "<x>",
        "<https://w3id.org/lodpub/id/%>", "id:pmf", "rdfs:label", "<javascript:alert(1)>",
        "<http://x.example/\\u0041#>", "ex:a\\#b", "ex:a\\'b", ":x", "<>"]
LITERALS = ['"x"', "'y'", '"""multi\nline"""', '"é\\u00e9"', '"\\U0001F600"', "42", "-0.5e3",
            "true", '"2021-12"^^xsd:gYearMonth', '"a"@en', '"\\"quoted\\""', '""']
VARIABLES = ["?s", "?p", "?o", "$x", "?label"]
FUNCTIONS = ["STR", "LANG", "UCASE", "STRLEN", "CONTAINS", "REGEX", "ISIRI", "BOUND", "COALESCE",
             "IF", "SHA256", "NOW", "RAND", "<http://example.org/unknown>"]
PREFIXES = ("PREFIX id: <https://w3id.org/lodpub/id/> "
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
            "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> PREFIX ex: <http://e.example/> "
            "PREFIX : <http://example.org/> ")


class QueryMaker:
    """SPARQL queries built from the language's own constructs, then mutated; from one seed."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def term(self) -> str:
        return self.rng.choice(VARIABLES + IRIS + LITERALS)

    def expression(self, depth: int = 0) -> str:
        if depth > 2 or self.rng.random() < 0.5:
            return self.term()
        args = ", ".join(self.expression(depth + 1) for _ in range(self.rng.randint(1, 3)))
        inner = f"{self.rng.choice(FUNCTIONS)}({args})"
        operator = self.rng.choice(["", " && ", " || ", " = ", " < ", " + "])
        return inner + (operator + self.term() if operator else "")

    def pattern(self, depth: int = 0) -> str:
        triple = f"{self.term()} {self.rng.choice(VARIABLES + IRIS[:6] + ['a'])} {self.term()}"
        if depth > 2:
            return triple
        inner = self.pattern(depth + 1)
        return self.rng.choice([
            triple,
            f"{triple} OPTIONAL {{ {inner} }}",
            f"{{ {triple} }} UNION {{ {inner} }}",
            f"{triple} FILTER({self.expression()})",
            f"{triple} BIND({self.expression()} AS ?b{depth})",
            f"{triple} MINUS {{ {inner} }}",
            f"GRAPH {self.rng.choice(['?g'] + IRIS[:3])} {{ {inner} }}",
            f"VALUES ?v {{ {' '.join(self.term() for _ in range(self.rng.randint(0, 4)))} }} "
            f"{inner}",
            f"{triple} FILTER NOT EXISTS {{ {inner} }}",
            f"{{ SELECT * WHERE {{ {inner} }} LIMIT 3 }}",
            f"?s ({self.rng.choice(IRIS[:6])}|^rdfs:label)/!rdfs:label* ?o",
            f"SERVICE {self.rng.choice(['<http://127.0.0.1:9/>', '?v', 'ex:s'])} {{ {inner} }}",
        ])

    def query(self) -> str:
        form = self.rng.choice(["SELECT * WHERE", "SELECT DISTINCT ?s WHERE", "ASK",
                                "CONSTRUCT WHERE", "CONSTRUCT { ?s ?p ?o } WHERE",
                                "DESCRIBE ?s WHERE", "SELECT (COUNT(*) AS ?n) WHERE",
                                "INSERT DATA", "BASE <http://b.example/> SELECT * WHERE"])
        tail = self.rng.choice(["", " LIMIT 5", " ORDER BY ?s", " GROUP BY ?s", " OFFSET 99"])
        prefixes = self.rng.choice(["", PREFIXES])
        return self.mutate(f"{prefixes}{form} {{ {self.pattern()} }}{tail}")

    def mutate(self, text: str) -> str:
        """``text`` as written, or with a few characters inserted, deleted or replaced."""
        for _ in range(self.rng.randint(0, 3)):
            if not text:
                break
            at = self.rng.randrange(len(text))
            piece = self.rng.choice(PIECES)
            kind = self.rng.choice(["insert", "delete", "replace", "cut"])
            if kind == "insert":
                text = text[:at] + piece + text[at:]
            elif kind == "delete":
                text = text[:at] + text[at + 1:]
            elif kind == "replace":
                text = text[:at] + piece + text[at + 1:]
            else:
                text = text[:at]
        return text


PIECES = ["{", "}", "(", ")", "\\", "\\u", "#", "\n", '"', "'", "<", ">", "\x00", "\ud7ff", "é",
          "SERVICE", "!" * 40, "{" * 40, "%", "\\U0010FFFF", " ", ";", "."]


ACCEPTS = ["", "*/*", "application/sparql-results+json", "text/csv", "text/turtle",
           "application/ld+json", "text/html", "application/x-nothing", "text/*;q=0",
           "application/sparql-results+xml;q=abc", ";;;", "text/html, application/json;q=0.9",
           "application/n-quads", "image/png"]
CONTENT_TYPES = ["application/x-www-form-urlencoded", "application/sparql-query",
                 "application/sparql-query; charset=latin-1", "application/sparql-update",
                 "text/plain", "", "multipart/form-data; boundary=x", "application/json"]


def requests_(maker: QueryMaker):
    """Endless (method, path, body, Accept, Content-Type) requests around /sparql."""
    rng = maker.rng
    while True:
        query = maker.query()
        way = rng.choice(["get", "form", "body", "page", "path"])
        accept = rng.choice(ACCEPTS)
        if way == "get":
            extra = rng.choice(["", "&format=csv", "&format=nope", "&default-graph-uri=x",
                                "&named-graph-uri=" + quote(IRIS[1][1:-1]), "&query=2",
                                "&update=x", "&default-graph-uri=%00"])
            yield "GET", "/sparql?query=" + quote(query, safe="") + extra, None, accept, ""
        elif way == "page":
            yield "GET", "/query?" + urlencode({"query": query}), None, accept, ""
        elif way == "path":
            path = rng.choice(["/id/", "/claim/", "/source/", "/ontology/", "/vocab/", "/graph/",
                               "/dataset.", "/downloads/", "/shapes."])
            yield ("GET", path + quote(maker.mutate("kataib-hezbollah.ttl"), safe="/%"), None,
                   accept, "")
        else:
            content_type = rng.choice(CONTENT_TYPES)
            body = urlencode({"query": query}) if way == "form" else query
            yield "POST", "/sparql", body.encode("utf-8", "surrogatepass"), accept, content_type


def _send(base: str, method: str, path: str, body: bytes | None, accept: str,
          content_type: str) -> tuple[int, bytes]:
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    headers = {"Accept": accept} if accept else {}
    if content_type:
        headers["Content-Type"] = content_type
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_fuzz_sparql_and_http_never_answer_5xx(tiny_server):
    requests = requests_(QueryMaker(seed=20261205))  # a fixed seed: the same requests every run
    for _ in range(FUZZ_REQUESTS):
        request = next(requests)
        status, body = _send(tiny_server, *request)
        assert status < 500, (request, status, body[:300])
        assert b"Traceback" not in body and b"/work/" not in body, (request, body[:300])
