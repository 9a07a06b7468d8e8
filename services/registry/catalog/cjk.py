"""CJK-aware analysis for full-text search: Chinese as overlapping bigrams, other scripts as words.

A Chinese word of two characters (交通, 企业) is one bigram, so it matches wherever it occurs; trigram indexes
cannot see it. This is what Lucene's CJKAnalyzer does. Both engines index the *analysed* text (tokens joined
by spaces), so FTS5's unicode61 tokenizer and PostgreSQL's ``simple`` configuration see exactly our tokens and
the two backends answer the same query the same way.

Each CJK run also emits its last character as a unigram, so every character of a run starts some token: a
one-character query becomes a prefix query (``交*``) and still finds 外交.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["Query", "analyze", "index_text", "parse_query"]

# Han (incl. extension A and compatibility), kana, hangul: scripts written without spaces between words.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_RUN = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+")
_IS_CJK = re.compile(rf"[{_CJK}]")
MAX_QUERY_TERMS = 16
# PostgreSQL refuses lexemes over 2 KB; nothing a person searches for is longer than this.
MAX_TOKEN_CHARS = 64


def _runs(text: str) -> list[str]:
    return _RUN.findall(unicodedata.normalize("NFKC", text).lower())


def _bigrams(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [run[i:i + 2] for i in range(len(run) - 1)] + [run[-1]]


def analyze(text: str | None) -> list[str]:
    """Tokens of ``text`` in order: bigrams (+ trailing unigram) for CJK runs, lower-cased words otherwise."""
    tokens: list[str] = []
    for run in _runs(text or ""):
        tokens.extend(_bigrams(run) if _IS_CJK.match(run) else [run[:MAX_TOKEN_CHARS]])
    return tokens


def index_text(*parts: str | None) -> str:
    """The analysed form of ``parts`` as stored in the index: tokens separated by single spaces."""
    return " ".join(token for part in parts for token in analyze(part))


@dataclass(frozen=True)
class Query:
    """A parsed query: every term must match; a term is a phrase of tokens, possibly a prefix."""

    terms: tuple[tuple[tuple[str, ...], bool], ...]  # (tokens of the phrase, is_prefix)

    def __bool__(self) -> bool:
        return bool(self.terms)

    def fts5(self) -> str:
        """FTS5 MATCH syntax: phrases in double quotes (our tokens never contain quotes), AND between terms."""
        out = []
        for tokens, prefix in self.terms:
            phrase = '"' + " ".join(tokens) + '"'
            out.append(phrase + ("*" if prefix else ""))
        return " AND ".join(out)

    def tsquery(self) -> str:
        """PostgreSQL tsquery literal: ``<->`` inside a phrase, ``&`` between terms, ``:*`` for a prefix."""
        out = []
        for tokens, prefix in self.terms:
            lexemes = [f"'{t}'" for t in tokens]
            if prefix:
                lexemes[-1] += ":*"
            out.append("(" + " <-> ".join(lexemes) + ")")
        return " & ".join(out)


def parse_query(text: str) -> Query:
    """Every word or CJK run of ``text`` becomes a required phrase; a lone CJK character becomes a prefix."""
    terms = []
    for run in _runs(text)[:MAX_QUERY_TERMS]:
        if _IS_CJK.match(run):
            if len(run) == 1:
                terms.append(((run,), True))
            else:
                # The trailing unigram is an index artefact; the bigrams alone make the phrase.
                terms.append((tuple(run[i:i + 2] for i in range(len(run) - 1)), False))
        else:
            terms.append(((run[:MAX_TOKEN_CHARS],), False))
    return Query(tuple(terms))
