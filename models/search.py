"""Danish-correct text folding for search and duplicate detection.

SQLite's LIKE folds ASCII only ("SØREN" would not match "søren"), so searchable models keep a
`search_key` column holding a folded copy of their searchable text, and queries fold the term the
same way. Folding is casefold + Danish letters spelled out (æ→ae, ø→o, å→aa... see below) + accents
stripped, so "Søren", "SØREN" and "Soren" share one key.
"""

import unicodedata

# Danish letters have no decomposition; map them to what people type on a non-Danish keyboard.
_DANISH = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ä": "ae", "ö": "o", "ü": "u"})


def fold(text):
    """Return `text` lower-cased, with Danish letters and accents folded to plain ASCII."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKD", str(text).casefold().translate(_DANISH))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.split())


def like_contains(term):
    """A LIKE pattern for `term` folded, with LIKE wildcards in the term escaped."""
    term = fold(term).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{term}%"
