"""Atom 1.0 documents (RFC 4287) with paging links (RFC 5005 §3, ``rel="next"``).

Written with ElementTree: feedgen 1.0 drops ``rel`` and ``type`` from an entry's links, so an entry could not
carry both its page (HTML) and its public API resource (JSON) as alternates of distinct types (§4.1.1).

A feed's id is the IRI of its first page, an entry's id the IRI of the feed plus ``#`` and the record's id:
both stay the same from one fetch to the next (§4.2.6). An empty feed is ``updated`` now.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from xml.etree import ElementTree

from services.kernel.timeutil import as_utc, utcnow

from .entries import Entry

__all__ = ["ATOM", "FeedInfo", "atom_feed"]

ATOM = "application/atom+xml"
NS = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
PUBLISHER = "公共数据资源登记机构"


@dataclass(frozen=True)
class FeedInfo:
    feed_url: str  # the first page, without query: the feed's id
    self_url: str  # the page being served
    next_url: str | None
    base_url: str  # the registry's public base, no trailing slash: entries' API links
    console_url: str  # the console's public base: entries' pages
    title: str
    subtitle: str


def _when(value: datetime) -> str:
    return as_utc(value).isoformat(timespec="seconds").replace("+00:00", "Z")  # RFC 3339


def _text(parent: ElementTree.Element, name: str, text: str) -> ElementTree.Element:
    element = ElementTree.SubElement(parent, name)
    element.text = text
    return element


def _link(parent: ElementTree.Element, href: str, rel: str, type: str) -> None:
    ElementTree.SubElement(parent, "link", href=href, rel=rel, type=type)


def atom_feed(info: FeedInfo, entries: Sequence[Entry]) -> bytes:
    feed = ElementTree.Element("feed", {"xmlns": NS, XML_LANG: "zh-CN"})
    _text(feed, "id", info.feed_url)
    _text(feed, "title", info.title)
    _text(feed, "subtitle", info.subtitle)
    _text(feed, "updated", _when(max((e.updated for e in entries), default=utcnow())))
    _text(ElementTree.SubElement(feed, "author"), "name", PUBLISHER)
    _link(feed, info.self_url, "self", ATOM)
    if info.self_url != info.feed_url:
        _link(feed, info.feed_url, "first", ATOM)
    if info.next_url:
        _link(feed, info.next_url, "next", ATOM)
    for entry in entries:  # newest first, as the query pages them
        element = ElementTree.SubElement(feed, "entry")
        _text(element, "id", f"{info.feed_url}#{entry.key}")
        _text(element, "title", entry.title)
        _text(element, "updated", _when(entry.updated))
        _link(element, info.console_url + entry.page, "alternate", "text/html")
        _link(element, info.base_url + entry.link, "alternate", "application/json")
        _text(element, "summary", entry.summary)
    return ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)
