"""Words for the index and the query: accent-folded, lower-cased, split like FTS5's unicode61."""
from __future__ import annotations

import re
import unicodedata

from markupsafe import Markup, escape

WORD_RE = re.compile(r"[^\W_]+")
MAX_QUERY_WORDS = 8
SNIPPET_CHARS = 140


def fold(text: str) -> str:
    """Lower-case without diacritics ("Müller" -> "muller"), as FTS5's remove_diacritics does."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def fold_latin(text: str) -> str:
    """Lower-case without the diacritics of Latin letters only, as SQLite's FTS5 unicode61
    tokenizer folds ("Müller" -> "muller", but "й" stays "й")."""
    return "".join(c.lower() if not unicodedata.name(c, "").startswith("LATIN") else fold(c)
                   for c in text or "")


def words(text: str) -> list[str]:
    return WORD_RE.findall(fold(text))


def index_text(text: str) -> str:
    """The text PostgreSQL's parser sees: folded words only, so "a.b@c.com" gives a, b, c, com."""
    return " ".join(words(text))


def query_words(q: str, *, latin_only: bool = False) -> list[str]:
    """The words to match as prefixes; one-letter words only when nothing longer was typed
    (`latin_only`: folded as SQLite's FTS5 index folds, see fold_latin)."""
    found = WORD_RE.findall(fold_latin(q)) if latin_only else words(q)
    longer = [w for w in found if len(w) > 1]
    return (longer or found)[:MAX_QUERY_WORDS]


def fts5_query(terms: list[str]) -> str:
    """Every word as a prefix, all required: ["acm", "co"] -> '"acm"* "co"*'."""
    return " ".join(f'"{t}"*' for t in terms)


def tsquery(terms: list[str]) -> str:
    """The same for PostgreSQL's to_tsquery: 'acm:* & co:*'."""
    return " & ".join(f"{t}:*" for t in terms)


def _fold_char(c: str) -> str:
    return "".join(x for x in unicodedata.normalize("NFKD", c) if not unicodedata.combining(x)).lower()


def _matches(line: str, terms: list[str]) -> list[tuple[int, int]]:
    """Spans (in `line`) of the words that start with one of `terms`, compared folded."""
    folded, origin = [], []
    for i, c in enumerate(line):
        part = _fold_char(c)
        folded.append(part)
        origin.extend([i] * len(part))
    text = "".join(folded)
    origin.append(len(line))
    return [(origin[m.start()], origin[m.end()]) for m in WORD_RE.finditer(text)
            if any(m.group().startswith(t) for t in terms)]


def snippet(title: str, body: str, terms: list[str]) -> str:
    """The body line that matched (cut around the first match), or the first line."""
    lines = [ln for ln in (body or "").splitlines() if ln.strip()]
    for line in lines:
        folded = fold(line)
        if not any(t in folded for t in terms):
            continue
        spans = _matches(line, terms)
        if spans:
            start = max(0, spans[0][0] - SNIPPET_CHARS // 3)
            cut = line[start:start + SNIPPET_CHARS]
            return ("…" if start else "") + cut + ("…" if start + SNIPPET_CHARS < len(line) else "")
    return lines[0][:SNIPPET_CHARS] if lines else ""


def highlight(text: str, terms: list[str]) -> Markup:
    """HTML-escaped `text` with the matching words in <mark>."""
    out, pos = [], 0
    for start, end in _matches(text, terms):
        out.append(escape(text[pos:start]))
        out.append(Markup("<mark>") + escape(text[start:end]) + Markup("</mark>"))
        pos = end
    out.append(escape(text[pos:]))
    return Markup("").join(out)
