"""Reading the HTML lodpub serves: its links, ids and scripts, with the standard library parser."""

from __future__ import annotations


class Links:
    """Every ``<a href>`` of an HTML page with its text, and the page's ids (no regexes).

    ``items`` holds each ``<li>`` as (its first link's target, its whole text).
    """

    def __init__(self, html: str) -> None:
        from html.parser import HTMLParser

        self.links: list[tuple[str, str]] = []
        self.ids: set[str] = set()
        self.scripts: list[tuple[dict, str]] = []
        self.items: list[tuple[str | None, str]] = []
        outer = self

        class _Parser(HTMLParser):
            href: str | None = None
            text: list[str] = []
            script: dict | None = None
            item: list[str] | None = None
            item_href: str | None = None

            def handle_starttag(self, tag, attrs):
                attrs = dict(attrs)
                if "id" in attrs:
                    outer.ids.add(attrs["id"])
                if tag == "li":
                    self.item, self.item_href = [], None
                if tag == "a" and "href" in attrs:
                    self.href, self.text = attrs["href"], []
                    if self.item is not None and self.item_href is None:
                        self.item_href = attrs["href"]
                if tag == "script":
                    self.script, self.text = attrs, []

            def handle_data(self, data):
                self.text.append(data)
                if self.item is not None:
                    self.item.append(data)

            def handle_endtag(self, tag):
                if tag == "li" and self.item is not None:
                    outer.items.append((self.item_href, "".join(self.item)))
                    self.item = None
                if tag == "a" and self.href is not None:
                    outer.links.append((self.href, "".join(self.text).strip()))
                    self.href = None
                if tag == "script" and self.script is not None:
                    outer.scripts.append((self.script, "".join(self.text)))
                    self.script = None

        _Parser().feed(html)

    def hrefs(self) -> list[str]:
        """Every link target."""
        return [href for href, _ in self.links]

    def href_of(self, text: str) -> str:
        """The target of the first link whose text is ``text``."""
        return next(href for href, label in self.links if label == text)
