"""The baseline: a 40-line Flask + pyoxigraph SPARQL endpoint, what anyone would write first.

Run by bench/servers.py under gunicorn (2 sync workers); each worker loads the data file named
by ``BASELINE_DATA`` into an in-memory pyoxigraph store when it starts. No limits, no checks,
no negotiation beyond SELECT/ASK -> SPARQL JSON and CONSTRUCT/DESCRIBE -> N-Triples (or Turtle):
the floor of what a Python endpoint costs per request.
"""

from __future__ import annotations

import os

import pyoxigraph as ox
from flask import Flask, Response, request

STORE = ox.Store()
STORE.bulk_load(path=os.environ["BASELINE_DATA"],
                format=ox.RdfFormat.from_extension(os.environ["BASELINE_DATA"].rsplit(".", 1)[1]))
UNION = os.environ.get("BASELINE_UNION") == "1"
app = Flask(__name__)


@app.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    """Run the query; answer in SPARQL JSON, or N-Triples / Turtle for a graph."""
    result = STORE.query(request.values["query"], use_default_graph_as_union=UNION)
    if isinstance(result, ox.QueryTriples):
        turtle = "text/turtle" in request.headers.get("Accept", "")
        fmt = ox.RdfFormat.TURTLE if turtle else ox.RdfFormat.N_TRIPLES
        return Response(result.serialize(format=fmt), content_type=fmt.media_type)
    return Response(result.serialize(format=ox.QueryResultsFormat.JSON),
                    content_type="application/sparql-results+json")
