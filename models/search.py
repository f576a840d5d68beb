"""Danish-correct text folding for search and duplicate detection.

SQLite's LIKE folds ASCII only ("SØREN" would not match "søren"), so searchable models keep a
`search_key` column holding a folded copy of their searchable text, and queries fold the term the
same way. Folding is casefold + Danish letters spelled out (æ→ae, ø→o, å and aa→a) + accents
stripped, so "Søren", "SØREN" and "Soren" share one key, as do "Østergård" and "Østergaard".
"""

import unicodedata

from peewee import SQL, Node, OperationalError, SqliteDatabase

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


# --- Indexed search (issue 15) -----------------------------------------------------------------
# SQLite: an FTS5 trigram index over each big table's folded `search_key` (migration 017, kept in
# step by triggers), so a term anywhere in a key is found without testing every row. The index
# only narrows the candidates; the LIKE on `search_key` stays, so results are exactly those of the
# plain scan. PostgreSQL has trigram GIN indexes on the same column (migration 006) and needs none
# of this. A common term is better served by the plain scan (it walks the list's sort index newest
# first and stops after a page of matches), a rare one by the index (the scan would read the whole
# organisation): a bounded probe of the index decides which.
FTS_TABLES = ("citizen", "referral")
FTS_MIN = 3  # the trigram index cannot serve shorter terms; they are scanned as before
FTS_PROBE = 2000  # more index matches than this: the term is common, scan instead


def _database(model):
    database = model._meta.database
    return getattr(database, "obj", database)


def fts_table(model):
    """The name of `model`'s FTS5 index table on this database (None: PostgreSQL, or not indexed)."""
    table = model._meta.table_name
    database = _database(model)
    if table not in FTS_TABLES or not isinstance(database, SqliteDatabase):
        return None
    if table in getattr(database, "_brobygger_no_fts", ()):
        return None
    return f"{table}_fts"


def _fts_ids(model, table, tokens):
    """Row ids whose key contains every token, at most FTS_PROBE + 1 of them; None without an index."""
    database = _database(model)
    sql = f'SELECT rowid FROM "{table}" WHERE "{table}" MATCH ? LIMIT ?'  # noqa: S608  # nosec B608 - identifiers are our own table names, values are bound parameters or constants
    try:
        return [rowid for (rowid,) in database.execute_sql(sql, (fts_query(tokens), FTS_PROBE + 1))]
    except OperationalError as exc:
        if "no such table" in str(exc):  # an SQLite without FTS5 trigrams: migration 017 skipped it
            database._brobygger_no_fts = {*getattr(database, "_brobygger_no_fts", ()), model._meta.table_name}
        return None  # scan this time


def fts_query(tokens):
    """An FTS5 MATCH expression: every token as a quoted phrase (a substring, for trigrams)."""
    return " ".join('"{}"'.format(token.replace('"', '""')) for token in tokens)


def search_terms(term, max_tokens=5):
    return fold(term).split()[:max_tokens]


def apply_search(query, model, term, max_tokens=5):
    """Narrow `query` to rows of `model` whose folded search key contains every word of `term`."""
    tokens = search_terms(term, max_tokens)
    for token in tokens:
        query = query.where(model.search_key.contains(token))
    indexed = [token for token in tokens if len(token) >= FTS_MIN]
    table = fts_table(model) if indexed else None
    if table is None:
        return query
    ids = _fts_ids(model, table, indexed)
    if ids is None or len(ids) > FTS_PROBE:
        return query  # a common term: the scan finds a page of matches among the newest rows
    if not ids:
        return query.where(SQL("0 = 1"))
    if list(getattr(query, "_from_list", ())) == [model]:
        # Without statistics SQLite would rather walk the list's (organisation, date) index and test
        # each row against the few ids (seconds at 500 000 cases) than look the ids up and sort them.
        query = query.from_(_NotIndexed(model))
    return query.where(model.id.in_(ids))


class _NotIndexed(Node):
    """`"table" AS "t1" NOT INDEXED`: SQLite reads the table by rowid only (here: the ids found)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def __sql__(self, ctx):
        ctx.sql(self.model)
        return ctx.literal(" NOT INDEXED")
