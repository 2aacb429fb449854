"""Wikidata's action API (wbsearchentities, wbgetentities), online or from a recorded file.

``HttpApi`` asks a live API (Wikidata's, or a stand-in on 127.0.0.1); ``RecordedApi`` answers
from a file recorded earlier, so proposals can be made and tested without a network;
``RecordingApi`` wraps a live API and keeps every exchange so it can be saved as such a file.

A recorded file is JSON::

    {"api": "https://www.wikidata.org/w/api.php", "retrieved": "2026-11-26",
     "exchanges": [{"params": {"action": "wbsearchentities", ...}, "response": {...}}]}

Only the parameters that change the answer are part of a request's key (not ``format``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode

import requests

from lodpub import __version__
from lodpub.errors import LodpubError

USER_AGENT = f"lodpub/{__version__} (link proposals; https://w3id.org/lodpub/)"
SEARCH_LIMIT = 7
GET_BATCH = 50  # wbgetentities accepts at most 50 ids per request


class WikidataApiError(LodpubError):
    """The Wikidata API (or a recorded response file) could not answer a request."""


class NotRecordedError(WikidataApiError):
    """A recorded response file holds no answer to this request (offline runs only)."""


class WikidataApi(Protocol):
    """Something that answers Wikidata API requests with parsed JSON."""

    url: str

    def get(self, params: Mapping[str, str]) -> dict[str, Any]:
        """The JSON answer to one API request with ``params``."""


def request_key(params: Mapping[str, str]) -> str:
    """A canonical key for a request: its parameters sorted, without ``format``."""
    return urlencode(sorted((k, str(v)) for k, v in params.items() if k != "format"))


def request_url(api_url: str, params: Mapping[str, str]) -> str:
    """The full GET URL of a request, as evidence of where an answer came from."""
    return f"{api_url}?{request_key(params)}&format=json"


@dataclass
class HttpApi:
    """A live API over HTTP; ``url`` is the api.php endpoint."""

    url: str
    timeout: float = 30.0
    session: requests.Session = field(default_factory=requests.Session)

    def get(self, params: Mapping[str, str]) -> dict[str, Any]:
        """GET one request; WikidataApiError says which URL failed and why."""
        query = {**params, "format": "json"}
        try:
            response = self.session.get(
                self.url, params=query, timeout=self.timeout, headers={"User-Agent": USER_AGENT}
            )
            response.raise_for_status()
            answer = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise WikidataApiError(
                f"{request_url(self.url, params)}: {exc}; check the network or use "
                "--offline with a recorded response file"
            ) from exc
        if "error" in answer:
            raise WikidataApiError(f"{request_url(self.url, params)}: API error {answer['error']}")
        return answer


@dataclass
class RecordedApi:
    """Answers from a recorded response file (see the module docstring for its format)."""

    path: Path
    url: str = ""
    retrieved: str = ""
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    exchanges: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> RecordedApi:
        """Read a recorded file; WikidataApiError names the file when it is unusable."""
        try:
            content = json.loads(Path(path).read_text(encoding="utf-8"))
            answers = {request_key(x["params"]): x["response"] for x in content["exchanges"]}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise WikidataApiError(
                f"{path}: not a recorded Wikidata response file ({exc}); expected JSON with "
                "'api', 'retrieved' and 'exchanges' (see lodpub.curate.wikidata_client)"
            ) from exc
        return cls(Path(path), content.get("api", ""), content.get("retrieved", ""), answers,
                   list(content["exchanges"]))

    def get(self, params: Mapping[str, str]) -> dict[str, Any]:
        """The recorded answer; NotRecordedError if this request was never recorded."""
        try:
            return self.answers[request_key(params)]
        except KeyError:
            raise NotRecordedError(
                f"{self.path}: no recorded response for {request_key(params)}; record it by "
                "running `lodpub link` online (it saves every response beside the review file)"
            ) from None


    def recorded_gets(self) -> list[tuple[dict[str, str], dict[str, Any]]]:
        """Every recorded wbgetentities exchange as (params, answer), in file order."""
        return [(dict(x["params"]), x["response"]) for x in self.exchanges
                if x["params"].get("action") == "wbgetentities"]


@dataclass
class RecordingApi:
    """Wraps an API and keeps each exchange, to be saved with ``save``."""

    inner: WikidataApi
    exchanges: list[dict[str, Any]] = field(default_factory=list)

    @property
    def url(self) -> str:
        """The wrapped API's URL."""
        return self.inner.url

    def get(self, params: Mapping[str, str]) -> dict[str, Any]:
        """Ask the wrapped API and remember the exchange."""
        answer = self.inner.get(params)
        self.exchanges.append({"params": dict(params), "response": answer})
        return answer

    def save(self, path: Path, retrieved: str) -> None:
        """Write the exchanges as a recorded response file."""
        content = {"api": self.url, "retrieved": retrieved, "exchanges": self.exchanges}
        Path(path).write_text(json.dumps(content, indent=1, ensure_ascii=False) + "\n",
                              encoding="utf-8")


def search_params(text: str, limit: int = SEARCH_LIMIT) -> dict[str, str]:
    """Parameters of a wbsearchentities request for items named ``text`` in English."""
    return {"action": "wbsearchentities", "search": text, "language": "en", "uselang": "en",
            "type": "item", "limit": str(limit)}


def get_params(qids: Sequence[str]) -> dict[str, str]:
    """Parameters of a wbgetentities request for English labels, descriptions, aliases, claims."""
    return {"action": "wbgetentities", "ids": "|".join(qids), "languages": "en",
            "props": "labels|descriptions|aliases|claims"}


def search(api: WikidataApi, text: str) -> list[str]:
    """QIDs wbsearchentities finds for ``text``, best first."""
    answer = api.get(search_params(text))
    return [hit["id"] for hit in answer.get("search", []) if str(hit.get("id", "")).startswith("Q")]


@dataclass(frozen=True)
class Item:
    """The parts of a Wikidata item a reviewer needs, and the request that returned them."""

    qid: str
    label: str
    description: str
    aliases: tuple[str, ...]
    instance_of: tuple[str, ...]
    request: str


def _item_values(claims: Mapping[str, Any], pid: str) -> tuple[str, ...]:
    values = []
    for claim in claims.get(pid, []):
        value = claim.get("mainsnak", {}).get("datavalue", {}).get("value", {})
        if isinstance(value, dict) and value.get("id"):
            values.append(value["id"])
    return tuple(values)


def parse_item(qid: str, data: Mapping[str, Any], request: str) -> Item:
    """An Item from one entry of a wbgetentities answer."""
    return Item(
        qid=qid,
        label=data.get("labels", {}).get("en", {}).get("value", ""),
        description=data.get("descriptions", {}).get("en", {}).get("value", ""),
        aliases=tuple(a["value"] for a in data.get("aliases", {}).get("en", [])),
        instance_of=_item_values(data.get("claims", {}), "P31"),
        request=request,
    )


def _answers_for(api: WikidataApi, qids: Sequence[str]
                 ) -> list[tuple[dict[str, str], dict[str, Any]]]:
    """The answers holding ``qids``: the one request for them, or, from a recorded file that
    lacks that exact request, every recorded wbgetentities answer (each item keeps the request
    that really returned it as its evidence)."""
    params = get_params(qids)
    try:
        return [(params, api.get(params))]
    except NotRecordedError:
        if not isinstance(api, RecordedApi):
            raise
        return api.recorded_gets()


def get_items(api: WikidataApi, qids: Iterable[str]) -> dict[str, Item]:
    """The items ``qids`` via wbgetentities, in batches; missing items are left out.

    Offline, an item is found in any recorded wbgetentities answer; one recorded nowhere is
    left out (``lodpub link`` reports it as having no recorded response).
    """
    wanted = sorted(set(qids), key=lambda q: int(q[1:]))  # one canonical request per set
    items: dict[str, Item] = {}
    for start in range(0, len(wanted), GET_BATCH):
        batch = wanted[start:start + GET_BATCH]
        for params, answer in _answers_for(api, batch):
            for qid, data in answer.get("entities", {}).items():
                if qid in batch and qid not in items and "missing" not in data:
                    items[qid] = parse_item(qid, data, request_url(api.url, params))
    return items
