"""The endpoint's default graph holds only what the publisher asserts.

Asked of the real release over HTTP, at the /sparql endpoint of a live server: a thing that
only forecasts, recommendations, denials or other non-fact claims mention has no type (and no
other plain triple) in the default graph; its description lives inside graph:claims.
"""

from __future__ import annotations

import requests

PREFIXES = """PREFIX lpo: <https://w3id.org/lodpub/ontology/>
PREFIX lpv: <https://w3id.org/lodpub/vocab/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
CLAIMS = "https://w3id.org/lodpub/graph/claims"
ID = "https://w3id.org/lodpub/id/"

# Entities typed in the default graph whose every claim is something other than a reported fact.
ONLY_NON_FACT_SUPPORT = PREFIXES + f"""SELECT DISTINCT ?x ?type WHERE {{
  ?x a ?type .
  GRAPH <{CLAIMS}> {{ ?claim lpo:about ?x }}
  FILTER NOT EXISTS {{ GRAPH <{CLAIMS}> {{ ?fact lpo:modality lpv:fact ; lpo:about ?x }} }}
}}"""
# Any plain triple in the default graph about such an entity, as subject.
ANY_PLAIN_TRIPLE = PREFIXES + f"""SELECT DISTINCT ?x WHERE {{
  GRAPH <{CLAIMS}> {{ ?claim lpo:about ?x }}
  FILTER NOT EXISTS {{ GRAPH <{CLAIMS}> {{ ?fact lpo:modality lpv:fact ; lpo:about ?x }} }}
  ?x ?p ?o .
}}"""


def _ask_endpoint(base: str, query: str) -> dict:
    response = requests.get(base + "/sparql", params={"query": query}, timeout=60,
                            headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return response.json()


def _select(base: str, query: str) -> list[dict[str, str]]:
    return [{k: v["value"] for k, v in row.items()}
            for row in _ask_endpoint(base, query)["results"]["bindings"]]


def test_default_graph_types_no_troop_presence_the_text_denies(real_server):
    query = PREFIXES + "SELECT ?x { ?x a lpo:TroopPresence }"
    found = {row["x"] for row in _select(real_server, query)}
    assert found and f"{ID}iran-military-presence-in-iraq" not in found  # "Iran does not have"
    for presence in found:  # each one a reported fact says
        supported = PREFIXES + f"""ASK {{ GRAPH <{CLAIMS}> {{
            ?c lpo:modality lpv:fact ; lpo:about <{presence}> }} }}"""
        assert _ask_endpoint(real_server, supported)["boolean"] is True, presence


def test_default_graph_types_nothing_only_a_non_fact_claim_supports(real_server):
    assert _select(real_server, ONLY_NON_FACT_SUPPORT) == []
    assert _select(real_server, ANY_PLAIN_TRIPLE) == []


def test_default_graph_leaves_the_description_inside_the_claims(real_server):
    denied = f"{ID}iran-military-presence-in-iraq"
    rows = _select(real_server, PREFIXES + f"""SELECT ?type ?label WHERE {{ GRAPH <{CLAIMS}> {{
        <{denied}> a ?type ; rdfs:label ?label }} }}""")
    assert {row["type"] for row in rows} == {"https://w3id.org/lodpub/ontology/TroopPresence"}
