"""Minimal records: an organisation that keeps no free text about citizens.

The free-text fields are those tagged `free_text` in processing.py. In a minimal-records
organisation they are neither asked (forms drop them) nor shown (pages hide them); what was
written before the switch is counted here and erased on an admin's confirmation.
"""

from extensions import db
from models import AuditLog, CaseClosure, Referral
from privacy import processing
from privacy.erasure import TEXT_KINDS, _checkpoint, write_transaction


def is_minimal(user_or_org):
    org = getattr(user_or_org, "organisation", user_or_org)
    return bool(getattr(org, "minimal_records", False))


def _text_rows(model, name, organisation_id):
    """The rows of `model` in the organisation whose free-text field `name` holds text."""
    field = model._meta.fields[name]
    query = model.select(model._meta.primary_key)
    if name == "value":  # intake answers: only the text kinds, not yet emptied
        query = query.where(model.kind.in_(TEXT_KINDS) & (field != "null"))
    else:
        query = query.where(field.is_null(False) & (field != ""))
    return query.where(_in_organisation(model, organisation_id))


def _in_organisation(model, organisation_id):
    """A condition keeping `model`'s rows to the organisation (through the case if need be)."""
    if "organisation" in model._meta.fields:
        return model.organisation == organisation_id
    if "referral" in model._meta.fields:
        return model.referral.in_(Referral.select(Referral.id).where(Referral.organisation == organisation_id))
    if "closure" in model._meta.fields:
        return model.closure.in_(CaseClosure.select(CaseClosure.id).where(CaseClosure.organisation == organisation_id))
    raise RuntimeError(f"No organisation path for {model._meta.table_name}")


def existing_free_text(organisation):
    """[(record label, field label, model, field name, count)] of free text still stored."""
    found = []
    for model, _fks in processing.citizen_models():
        for name in processing.free_text_fields(model):
            count = _text_rows(model, name, organisation.id).count()
            if count:
                field = model._meta.fields[name]
                found.append((processing.model_label(model), str(field.verbose_name or name), model, name, count))
    return found


def erase_free_text(organisation, user):
    """Empty every free-text field about citizens in the organisation, in one transaction.
    Returns the number of fields emptied."""
    total = 0
    with write_transaction():
        for _record, _label, model, name, _count in existing_free_text(organisation):
            ids = [pk for (pk,) in _text_rows(model, name, organisation.id).tuples()]
            value = "null" if name == "value" else None
            total += model.update({name: value}).where(model._meta.primary_key.in_(ids)).execute()
            for pk in ids:
                AuditLog.create(
                    organisation=organisation.id,
                    user=user.id,
                    role=user.role,
                    action="update",
                    model=model.__name__,
                    record_id=pk,
                )
    if not db.in_transaction():
        _checkpoint()
    return total
