"""Danish-correct text folding for search and duplicate detection.

SQLite's LIKE folds ASCII only ("SØREN" would not match "søren"), so searchable models keep a
`search_key` column holding a folded copy of their searchable text, and queries fold the term the
same way. Folding is casefold + Danish letters spelled out (æ→ae, ø→o, å and aa→a) + accents
stripped, so "Søren", "SØREN" and "Soren" share one key, as do "Østergård" and "Østergaard".
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
    # "aa" is the old spelling of å (Aase, Østergaard): Åse, Aase and Ase all fold to "ase".
    return " ".join(text.replace("aa", "a").split())
