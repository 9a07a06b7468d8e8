"""CJK-aware analysis for full-text search: Chinese as overlapping bigrams, other scripts as words.

A Chinese word of two characters (交通, 企业) is one bigram, so it matches wherever it occurs; trigram indexes
cannot see it. This is what Lucene's CJKAnalyzer does. Both engines index exactly our tokens: FTS5 reads
them joined by spaces (its unicode61 tokenizer splits on the spaces only), PostgreSQL gets a tsvector built
from them (``tsvector_literal``), so the two backends answer the same query the same way.

Each CJK run also emits its last character as a unigram, so every character of a run starts some token: a
one-character query becomes a prefix query (``交*``) and still finds 外交.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Query", "analyze", "analyze_parts", "parse_query", "tsvector_literal"]

# Han (incl. extension A and compatibility), kana, hangul: scripts written without spaces between words.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_RUN = re.compile(rf"([{_CJK}]+)|([^\W_{_CJK}]+)")  # group 1: a CJK run, group 2: a word
MAX_QUERY_TERMS = 16
# PostgreSQL refuses lexemes over 2 KB; nothing a person searches for is longer than this.
MAX_TOKEN_CHARS = 64


# Characters NFKC would change in a way that matters to tokens: full-width letters and digits (Ａ, １),
# compatibility ideographs, enclosed and squared forms, ligatures, half-width katakana. Punctuation is a
# separator whatever its width, so text without these (almost all Chinese text) skips the costly NFKC.
_COMPAT = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\uff65-\uffdc\uf900-\ufaff\u2460-\u24ff"
                     "\u3200-\u33ff\ufb00-\ufb4f\u2070-\u209f\u2150-\u218f]")


def _normalized(text: str) -> str:
    return unicodedata.normalize("NFKC", text) if _COMPAT.search(text) else text


def _runs(text: str) -> list[tuple[str, str]]:
    return _RUN.findall(_normalized(text).lower())


# The tokens of ``analyze`` in one scan, one match per token: at each CJK character the lookahead captures it
# with the next one when that is CJK too (a bigram; the run's last character alone is its trailing unigram),
# then one character is consumed; at a word it captures the first MAX_TOKEN_CHARS characters and consumes it
# whole. The same runs as ``_RUN``, without a Python step per run.
_TOKEN = re.compile(rf"(?=([{_CJK}]{{1,2}}|[^\W_{_CJK}]{{1,{MAX_TOKEN_CHARS}}}))(?:[{_CJK}]|[^\W_{_CJK}]+)")


def analyze(text: str | None) -> list[str]:
    """Tokens of ``text`` in order: bigrams (+ trailing unigram) for CJK runs, lower-cased words otherwise."""
    return _TOKEN.findall(_normalized(text or "").lower())


def analyze_parts(*parts: str | None) -> list[str]:
    """Tokens of several texts in order, as one field: a newline between parts separates runs exactly as
    analysing each part alone would.

    Short parts (an organization's name, a domain, a data item) recur from row to row of a catalogue, so their
    tokens are remembered. When any part holds a character of ``_COMPAT``, the parts are analysed joined, as
    they always were: NFKC then applies to all of them, and may change a part that has none (a decomposed é).
    """
    present = [part for part in parts if part]
    if any(_COMPAT.search(part) for part in present):
        return analyze("\n".join(present))
    tokens: list[str] = []
    for part in present:
        tokens.extend(_short_tokens(part) if len(part) <= _SHORT else analyze(part))
    return tokens


_SHORT = 32  # names and labels; descriptions are longer and rarely repeat


@lru_cache(maxsize=4096)
def _short_tokens(text: str) -> tuple[str, ...]:
    return tuple(analyze(text))


MAX_POSITION = 16383  # PostgreSQL's largest tsvector position
# What follows the lexeme at each position, up to the quote that opens the next: "':1A '", "':2A '", …, made
# once rather than per token.
_AFTER = {weight: [f"':{i}{weight} '" for i in range(MAX_POSITION + 1)] for weight in "AB"}


def tsvector_literal(title: list[str], body: list[str]) -> str:
    """PostgreSQL's tsvector input for the token lists: positions in order, title weight A, body weight B.

    Building it here costs less than ``to_tsvector`` in the server, whose parser is slow on multibyte text,
    and it is exactly our tokens. One entry per token: PostgreSQL's input merges a repeated lexeme's positions
    (keeping at most 256), so the grouping need not be done here, where it was the importer's hottest loop.
    Tokens and their position suffixes are interleaved by slice assignment and joined once, with no call per
    token: this runs for every row of a bulk import.
    """
    title = title[:MAX_POSITION]
    body = body[:MAX_POSITION - len(title)]
    tokens = title + body
    if not tokens:
        return ""
    a, n = len(title), len(tokens)
    parts = tokens * 2  # lexeme, suffix, lexeme, suffix, …: the odd slots are overwritten next
    parts[0::2] = tokens
    parts[1:2 * a:2] = _AFTER["A"][1:a + 1]
    parts[2 * a + 1::2] = _AFTER["B"][a + 1:n + 1]
    parts[-1] = parts[-1][:-2]  # the last entry opens no next lexeme
    return "'" + "".join(parts)


@dataclass(frozen=True)
class Query:
    """A parsed query: every term must match; a term is a phrase of tokens, possibly a prefix."""

    terms: tuple[tuple[tuple[str, ...], bool], ...]  # (tokens of the phrase, is_prefix)

    def __bool__(self) -> bool:
        return bool(self.terms)

    def fts5(self, column: str | None = None) -> str:
        """FTS5 MATCH syntax: phrases in double quotes (our tokens never contain quotes), AND between terms;
        with ``column``, every phrase must occur in that column."""
        scope = f"{column} : " if column else ""
        return " AND ".join(scope + '"' + " ".join(tokens) + '"' + ("*" if prefix else "")
                            for tokens, prefix in self.terms)

    def tsquery(self, weight: str = "") -> str:
        """PostgreSQL tsquery literal: ``<->`` inside a phrase, ``&`` between terms, ``:*`` for a prefix;
        with ``weight`` ("A"), only lexemes of that weight (the title) match."""
        out = []
        for tokens, prefix in self.terms:
            lexemes = [f"'{t}'" + (":" + weight if weight else "") for t in tokens]
            if prefix:
                lexemes[-1] = f"'{tokens[-1]}':*{weight}"
            out.append("(" + " <-> ".join(lexemes) + ")")
        return " & ".join(out)


def parse_query(text: str) -> Query:
    """Every word or CJK run of ``text`` becomes a required phrase; a lone CJK character becomes a prefix."""
    terms = []
    for run, word in _runs(text)[:MAX_QUERY_TERMS]:
        if word:
            terms.append(((word[:MAX_TOKEN_CHARS],), False))
        elif len(run) == 1:
            terms.append(((run,), True))
        else:
            # The trailing unigram is an index artefact; the bigrams alone make the phrase.
            terms.append((tuple(run[i:i + 2] for i in range(len(run) - 1)), False))
    return Query(tuple(terms))
