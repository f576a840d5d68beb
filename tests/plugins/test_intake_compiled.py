"""Compiled public-form reads (models/compiled.py): the same rows as peewee building the
query each time, for every organisation, and a plain build when a value cannot be bound."""

import datetime

from peewee import ModelInsert, fn

from models import AuditLog, Citizen, ReferralReason, ReferralReasonLink
from models.base import _CompiledInsert
from models.compiled import Compiled
from plugins.api import Organisation, ReferralChannel, db
from plugins.intake import public, service
from plugins.intake.demo import seed_forms
from plugins.intake.models import IntakeForm
from tests import factories


def test_compiled_reads_bind_each_calls_values(world):
    seed_forms(world.a.org)
    seed_forms(world.b.org)
    for org in (world.a.org, world.b.org, world.a.org):
        found_org, intake_form = public._organisation_and_form(org.slug, "public_gp")
        assert found_org.id == org.id and intake_form.organisation_id == org.id
        # From the second call on, the columns' models and fields come from the first (compiled.py).
        assert (found_org.name, found_org.slug, intake_form.title) == (
            org.name,
            org.slug,
            IntakeForm.get_by_id(intake_form.id).title,
        )
        assert [q.id for q in public._questions(found_org, intake_form)] == [
            q.id for q in intake_form.active_questions()
        ]
        expected = [(c.id, c.name, c.code) for c in ReferralChannel.choices_for_organisation(org.id)]
        assert public._choices(ReferralChannel, org.id) == expected
    assert all(entry is not None for entry in public._FORM_WITH_ORGANISATION._built.values())
    assert service.submission_for_token("no such token") is None
    assert service.public_submissions_last_hour(world.a.org.id) == 0


def test_a_value_the_build_changes_is_built_each_time(world):
    by_name = Compiled(lambda name: Organisation.select().where(Organisation.name == name.upper()))
    name = world.a.org.name
    expected = [o.id for o in Organisation.select().where(Organisation.name == name.upper())]
    assert [o.id for o in by_name(name)] == expected
    assert list(by_name._built.values()) == [None]  # the marker did not reach the SQL unchanged


def _sql(query):
    return db.obj.get_sql_context().sql(query).query()


def _with_defaults(model, values):
    """What Model.save passes to insert: every field's default, then the given values."""
    return {**{f.name: f.default() if callable(f.default) else f.default for f in model._meta.defaults}, **values}


def test_compiled_inserts_give_peeweees_sql_and_values(world):
    """models/base.py: a one-row INSERT built once per model and columns binds each save's values
    exactly as peewee would, defaults and foreign keys included."""
    rows = [
        (Citizen, {"organisation": world.a.org.id, "name": "Åse Ø", "initials": "ÅØ", "birth_year": 1950}),
        (Citizen, {"organisation": world.b.org, "name": "Bo", "initials": "B", "birth_year": None}),
        (AuditLog, {"organisation": world.a.org.id, "action": "submit", "model": "Referral", "record_id": 7}),
        (AuditLog, {"organisation": None, "action": "view", "model": "Citizen", "record_id": None, "rows": 3}),
    ]
    for model, values in rows * 2:  # the second time from the compiled SQL
        data = _with_defaults(model, values)
        compiled = model.insert(**data)
        plain = ModelInsert(model, model._normalize_data(None, data))
        assert _sql(compiled) == _sql(plain)
    assert any(key[1] is Citizen and entry is not None for key, entry in _CompiledInsert._built.items())
    citizen = Citizen.create(organisation=world.a.org.id, name="Æble Øst", initials="ÆØ")
    assert Citizen.get_by_id(citizen.id).name == "Æble Øst"


def test_an_insert_with_an_expression_or_a_missing_default_is_built_by_peewee(world):
    data = _with_defaults(
        AuditLog, {"organisation": world.a.org.id, "action": "x", "model": "Referral", "detail": fn.LOWER("ABC")}
    )
    for _ in range(2):
        assert _sql(AuditLog.insert(**data)) == _sql(ModelInsert(AuditLog, AuditLog._normalize_data(None, data)))
    entry_id = AuditLog.insert(**data).execute()
    assert AuditLog.get_by_id(entry_id).detail == "abc"
    # created_at/updated_at not given: filled in from their defaults on each insert, as peewee does.
    first, second = (AuditLog.insert(action=a, model="Referral").execute() for a in ("y", "z"))
    first, second = AuditLog.get_by_id(first), AuditLog.get_by_id(second)
    assert first.created_at is not None and second.created_at >= first.created_at and second.action == "z"


def test_compiled_multi_row_inserts_give_peewees_sql(world):
    """The reasons of a case: created_at and updated_at filled in from their defaults per row."""
    referral = factories.make_referral(world.a.org)
    reasons = ReferralReason.select().where(ReferralReason.organisation == world.a.org.id).limit(2)
    links = [{"referral": referral.id, "reason": reason.id} for reason in reasons]
    assert len(links) == 2
    for _ in range(2):  # the second time from the compiled SQL
        compiled = ReferralReasonLink.insert_many(links)
        sql, params = _sql(compiled)
        plain_sql, plain_params = _sql(ModelInsert(ReferralReasonLink, insert=links))
        assert sql == plain_sql and len(params) == len(plain_params)
        assert [p for p in params if not isinstance(p, datetime.datetime)] == [
            p for p in plain_params if not isinstance(p, datetime.datetime)
        ]
    ReferralReasonLink.insert_many(links).execute()
    stored = ReferralReasonLink.select().where(ReferralReasonLink.referral == referral.id)
    assert sorted(link.reason_id for link in stored) == sorted(link["reason"] for link in links)
    assert all(link.created_at is not None for link in stored)
