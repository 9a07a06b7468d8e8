"""Atom 1.0 documents (RFC 4287) with paging links (RFC 5005 §3, ``rel="next"``), written by feedgen.

A feed's id is the IRI of its first page, an entry's id the IRI of the feed plus ``#`` and the record's id:
both stay the same from one fetch to the next, as RFC 4287 §4.2.6 asks. An empty feed is ``updated`` now.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from feedgen.feed import FeedGenerator

from services.kernel.timeutil import utcnow

from .entries import Entry

__all__ = ["ATOM", "FeedInfo", "atom_feed"]

ATOM = "application/atom+xml"
PUBLISHER = "公共数据资源登记机构"


@dataclass(frozen=True)
class FeedInfo:
    feed_url: str  # the first page, without query: the feed's id
    self_url: str  # the page being served
    next_url: str | None
    base_url: str  # the service's public base, no trailing slash
    title: str
    subtitle: str


def atom_feed(info: FeedInfo, entries: Sequence[Entry]) -> bytes:
    fg = FeedGenerator()
    fg.id(info.feed_url)
    fg.title(info.title)
    fg.subtitle(info.subtitle)
    fg.language("zh-CN")
    fg.author({"name": PUBLISHER})
    fg.link(href=info.self_url, rel="self", type=ATOM)
    if info.self_url != info.feed_url:
        fg.link(href=info.feed_url, rel="first", type=ATOM)
    if info.next_url:
        fg.link(href=info.next_url, rel="next", type=ATOM)
    fg.updated(max((e.updated for e in entries), default=utcnow()))
    for entry in entries:  # newest first, as the query pages them
        fe = fg.add_entry(order="append")
        fe.id(f"{info.feed_url}#{entry.key}")
        fe.title(entry.title)
        fe.updated(entry.updated)
        fe.link(href=info.base_url + entry.link, rel="alternate", type="application/json")
        fe.summary(entry.summary)
    return fg.atom_str(pretty=False)
