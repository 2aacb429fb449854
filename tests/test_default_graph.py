"""The endpoint's default graph holds only what the publisher asserts, over HTTP.

Asked of the real release served by waitress: a thing that only forecasts, recommendations,
denials or other non-fact claims mention has no type (and no other plain triple) in the
default graph; its description lives inside graph:claims.
"""

from __future__ import annotations

import pytest
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


def _select(server: str, query: str) -> list[dict[str, str]]:
    response = requests.get(f"{server}/sparql", params={"query": query}, timeout=30,
                            headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return [{k: v["value"] for k, v in row.items()}
            for row in response.json()["results"]["bindings"]]


@pytest.mark.server
def test_default_graph_types_no_troop_presence_the_text_denies(real_server):
    query = PREFIXES + "SELECT ?x { ?x a lpo:TroopPresence }"
    found = {row["x"] for row in _select(real_server, query)}
    assert f"{ID}iran-military-presence-in-iraq" not in found  # "Iran does not have …"
    for presence in found:  # each one a reported fact says
        supported = PREFIXES + f"""ASK {{ GRAPH <{CLAIMS}> {{
            ?c lpo:modality lpv:fact ; lpo:about <{presence}> }} }}"""
        response = requests.get(f"{real_server}/sparql", params={"query": supported},
                                headers={"Accept": "application/sparql-results+json"},
                                timeout=30)
        assert response.json()["boolean"] is True, presence


@pytest.mark.server
def test_default_graph_types_nothing_only_a_non_fact_claim_supports(real_server):
    assert _select(real_server, ONLY_NON_FACT_SUPPORT) == []
    assert _select(real_server, ANY_PLAIN_TRIPLE) == []


@pytest.mark.server
def test_default_graph_leaves_the_description_inside_the_claims(real_server):
    denied = f"{ID}iran-military-presence-in-iraq"
    rows = _select(real_server, PREFIXES + f"""SELECT ?type ?label WHERE {{ GRAPH <{CLAIMS}> {{
        <{denied}> a ?type ; rdfs:label ?label }} }}""")
    assert {row["type"] for row in rows} == {"https://w3id.org/lodpub/ontology/TroopPresence"}
