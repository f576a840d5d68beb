"""Erasure and anonymisation of a citizen (GDPR art. 17).

Driven by the tags in processing.py: personal fields and all free text are cleared, the initials
become the record number, the birth year becomes the age band at referral (kept on each case),
and the rows that carry statistics stay, attached to a citizen who is now only a number — so
every report gives the same figures before and after. The audit log needs no change (its entries
name records, never people); a pseudonymous tombstone (models.Erasure) says who erased citizen
#N when and why. One transaction: all of it or nothing.
"""

import logging

from peewee import OperationalError, SqliteDatabase

from extensions import db
from i18n import _l
from models import AuditLog, Citizen, Erasure, Referral
from models.base import utcnow
from models.citizen import age_band_of
from models.erasure import ERASURE_REASONS
from models.referral import OPEN_STATUSES
from models.search import fold
from privacy import processing
from privacy.processing import BAND, CLEAR, DERIVED, MARK, PSEUDONYM, TEXT_ANSWERS

log = logging.getLogger(__name__)

# Intake answer kinds whose answers are the citizen's own words or a date about them.
TEXT_KINDS = ("short_text", "long_text", "date")


class ErasureError(Exception):
    """An erasure that may not happen; `message` says why, in the user's language."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def write_transaction():
    """A transaction that takes SQLite's write lock up front (a multi-step write must not fail
    half-way on a lock); an ordinary one on PostgreSQL."""
    if isinstance(db.obj, SqliteDatabase):
        return db.atomic("IMMEDIATE")
    return db.atomic()


def refusal(citizen):
    """Why `citizen` cannot be erased now, or None."""
    if citizen.erased_at is not None:
        return _l("Citizen #%(id)s is already anonymised.", id=citizen.id)
    open_case = (
        Referral.select(Referral.id)
        .where((Referral.citizen == citizen.id) & Referral.status.in_(OPEN_STATUSES))
        .order_by(Referral.id)
        .first()
    )
    if open_case is not None:
        return _l(
            "Citizen #%(id)s has an open case (#%(case)s). Close or decline it before anonymising.",
            id=citizen.id,
            case=open_case.id,
        )
    return None


def rows_of(citizen_id, models=None):
    """{model: [ids]} of every row that refers to the citizen, found through the foreign keys."""
    ids = {}
    for model, fks in processing.citizen_models(models):
        if not fks:  # the citizen itself
            ids[model] = [citizen_id]
            continue
        found = set()
        for fk in fks:
            parents = ids.get(fk.rel_model) or []
            if parents:
                query = model.select(model._meta.primary_key).where(fk.in_(parents))
                found.update(pk for (pk,) in query.tuples())
        ids[model] = sorted(found)
    return ids


def _values(model, citizen_id, now):
    """The column updates erasure makes on `model`'s rows (from the tags)."""
    values = {}
    for name, field in model._meta.fields.items():
        tag = processing.tag_of(model, name)
        if tag is None:
            raise RuntimeError(f"{model._meta.table_name}.{name} has no privacy tag")
        if tag.erase in (CLEAR, BAND):
            values[field] = None
        elif tag.erase == PSEUDONYM:
            values[field] = f"#{citizen_id}"
        elif tag.erase == MARK:
            values[field] = now
    return values


def erase(citizen, user=None, reason="request"):
    """Anonymise `citizen` as `user` (None: the retention job). Raises ErasureError with the
    reason when it may not happen. Returns the tombstone (models.Erasure)."""
    if reason not in dict(ERASURE_REASONS):
        raise ErasureError(_l("Choose a reason."))
    with write_transaction():
        query = Citizen.select().where(Citizen.id == citizen.id)
        if not isinstance(db.obj, SqliteDatabase):
            query = query.for_update()  # two admins erasing at once: the second one waits, then is refused
        citizen = query.get()
        problem = refusal(citizen)
        if problem:
            raise ErasureError(problem)
        now = utcnow()
        rows = rows_of(citizen.id)
        # The age band at referral replaces the birth year; reports by age band stay the same.
        for case in Referral.select(Referral.id, Referral.received_on).where(Referral.citizen == citizen.id):
            band = age_band_of(citizen.birth_year, case.received_on)
            Referral.update(age_band=band).where((Referral.id == case.id) & Referral.age_band.is_null()).execute()
        for model, ids in rows.items():
            if not ids:
                continue
            values = _values(model, citizen.id, now)
            if values:
                model.update(values).where(model._meta.primary_key.in_(ids)).execute()
            _derived(model, ids, citizen.id)
        Citizen.update(version=Citizen.version + 1).where(Citizen.id == citizen.id).execute()
        tombstone = Erasure.create(
            organisation=citizen.organisation_id,
            citizen_number=citizen.id,
            cases=len(rows.get(Referral, [])),
            reason=reason,
            by=user.id if user else None,
        )
        AuditLog.create(
            organisation=citizen.organisation_id,
            user=user.id if user else None,
            role=user.role if user else None,
            action="erase",
            model="Citizen",
            record_id=citizen.id,
        )
    _checkpoint()
    return tombstone


def _derived(model, ids, citizen_id):
    """Recompute what erasure changed the inputs of: search keys, and intake text answers."""
    for name, _field in model._meta.fields.items():
        tag = processing.tag_of(model, name)
        if tag.erase == DERIVED and model is Citizen:
            model.update(search_key=fold(f"#{citizen_id}")).where(model.id.in_(ids)).execute()
        elif tag.erase == DERIVED and model is Referral:
            for case_id in ids:
                model.update(search_key=fold(f"{case_id} #{citizen_id}")).where(model.id == case_id).execute()
        elif tag.erase == DERIVED:
            raise RuntimeError(f"No rule recomputes {model._meta.table_name}.{name}")
        elif tag.erase == TEXT_ANSWERS:
            model.update({name: "null"}).where(model.id.in_(ids) & model.kind.in_(TEXT_KINDS)).execute()


def _checkpoint():
    """On SQLite, fold the write-ahead log into the database file and empty it, so no page with
    the erased text stays behind in the log (secure_delete zeroes it in the file itself)."""
    if isinstance(db.obj, SqliteDatabase) and not db.in_transaction():
        try:
            db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        except OperationalError:  # a reader still holds the log: the next checkpoint folds it in
            log.warning("WAL checkpoint after an erasure was postponed by a reader")
