"""Loading rows for admin pages: scoped ajax lookups, scoped filters and batch-loaded labels."""

from flask import abort, has_request_context, request
from flask_admin.contrib.peewee.ajax import QueryAjaxModelLoader
from flask_admin.contrib.peewee.filters import BasePeeweeFilter
from flask_login import current_user

from i18n import _l
from models.compiled import Compiled
from models.search import apply_search as search_folded

# Search and ajax lookups read at most this many characters and words of a term.
SEARCH_MAX = 200
SEARCH_TOKENS = 5


def visible_or_404(model, pk):
    """The `model` row with id `pk` that the logged-in user may see; 404 when there is none."""
    row = model.visible_by_id(current_user, pk)
    if row is None:
        abort(404)
    return row


def to_int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class ScopedAjaxLoader(QueryAjaxModelLoader):
    """Ajax lookups that only ever return rows visible to the current user."""

    def _query(self):
        return self.model.visible_to(current_user)

    def get_one(self, pk):
        pk = to_int(pk)
        if pk is None:
            return None
        return self._query().where(self.model._meta.primary_key == pk).first()

    def get_list(self, term, offset=0, limit=10):
        query = self._query()
        if term and "search_key" in self.model._meta.fields:
            # capped as on list pages
            query = search_folded(query, self.model, term[:SEARCH_MAX], max_tokens=SEARCH_TOKENS)
        rows = list(query.offset(max(offset or 0, 0)).limit(min(max(limit or 10, 1), 50)))
        batch_load(rows, self.model, self.model.label_paths)
        return rows


class IntChoiceFilter(BasePeeweeFilter):
    """Equality filter on an integer/foreign key column with per-request, scoped options."""

    def validate(self, value):
        return to_int(value) is not None

    def clean(self, value):
        return int(value)

    def apply(self, query, value):
        return query.where(self.column == value)

    def operation(self):
        return _l("equals")

    def get_options(self, view):
        # Options depend on who is asking; at start-up (no user) there are none.
        if not current_user or not current_user.is_authenticated:
            return []
        return super().get_options(view)


# A lookup filter offers at most this many rows (the first the database returns).
LOOKUP_OPTIONS_MAX = 500


def visible_rows(rel_model):
    """The rows of `rel_model` a lookup filter offers the logged-in user, read once per request:
    the filter's options and the labels of a list page's rows (`batch_load(..., known=)`) share
    them, instead of one query each."""
    # Kept on the request itself (its WSGI environ), not on `g`: an application context can
    # outlive a request (tests, CLI) and must not hand one user's rows to the next request.
    cache = request.environ.setdefault("brobygger.lookup_rows", {}) if has_request_context() else {}
    key = (rel_model, current_user.get_id())
    if key not in cache:
        query = rel_model.visible_to(current_user)
        selection = label_selection(rel_model)  # shown as labels only: a user's hash stays unread
        if selection:
            query = query.select(*selection)
        cache[key] = {row.id: row for row in query.limit(LOOKUP_OPTIONS_MAX)}
    return cache[key]


def label_selection(model):
    """The fields to read of a `model` row that is only shown as its label (str()): the id and
    the `label_fields` of the class whose __str__ it uses; None (every field) when that class
    does not name them."""
    owner = next(cls for cls in model.__mro__ if "__str__" in cls.__dict__)
    names = owner.__dict__.get("label_fields")
    if names is None:
        return None
    heads = [path.partition(".")[0] for path in model.label_paths]  # what the label follows
    return [model._meta.primary_key, *(model._meta.fields[name] for name in dict.fromkeys([*names, *heads]))]


def split_paths(paths):
    """{"referral": ["citizen"], "channel": []} for the paths ("referral.citizen", "channel"):
    each first step with what follows it."""
    tails = {}
    for path in paths:
        head, _dot, rest = path.partition(".")
        tails.setdefault(head, [])
        if rest:
            tails[head].append(rest)
    return tails


# Reads of up to this many ids have their SQL built once per count (a page's worth; exports read
# larger batches, built each time).
COMPILED_IDS_MAX = 100
_BY_IDS = {}


def rows_by_ids(rel_model, ids, labels_only=False):
    """The `rel_model` rows with these ids (all fields, or only their label's)."""
    selection = label_selection(rel_model) if labels_only else None

    def build(*ids):
        query = rel_model.select(*selection) if selection else rel_model.select()
        return query.where(rel_model.id.in_(ids))

    if len(ids) > COMPILED_IDS_MAX:
        return build(*ids)
    compiled = _BY_IDS.get((rel_model, labels_only))
    if compiled is None:
        compiled = _BY_IDS[(rel_model, labels_only)] = Compiled(build)
    return compiled(*ids)


def batch_load(rows, model, paths, known=(), labels_only=False):
    """Load the related rows named by `paths` ("citizen", "referral.citizen") with one query each.

    Related models in `known` (a view's lookup filters' models) are taken from `visible_rows`,
    which the filter reads anyway; only ids it does not hold are queried. With `labels_only`
    the related rows are read with their `label_selection` only (for exports, which show them
    as text)."""
    for head, rests in split_paths(paths).items():
        field = model._meta.fields[head]
        ids = {row.__data__.get(head) for row in rows} - {None}
        if not ids:
            continue
        rel_model = field.rel_model
        related = {}
        if rel_model in known and current_user and current_user.is_authenticated:
            offered = visible_rows(rel_model)
            related = {i: offered[i] for i in ids if i in offered}
        missing = ids - related.keys()
        if missing:
            related.update((obj.id, obj) for obj in rows_by_ids(rel_model, sorted(missing), labels_only))
        for row in rows:
            obj = related.get(row.__data__.get(head))
            if obj is not None:
                row.__rel__[head] = obj
        if rests:
            batch_load(list(related.values()), rel_model, rests, labels_only=labels_only)


def lookup_filter(column, label, rel_model):
    """An equality filter on a foreign key, offering the user's own organisation's rows."""
    flt = IntChoiceFilter(
        column,
        label,
        options=lambda: [(str(obj.id), str(obj)) for obj in visible_rows(rel_model).values()],
    )
    flt.rel_model = rel_model  # the list page's labels of this model come from the same rows
    return flt
