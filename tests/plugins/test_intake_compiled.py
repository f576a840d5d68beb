"""Compiled public-form reads (plugins/intake/compiled.py): the same rows as peewee building the
query each time, for every organisation, and a plain build when a value cannot be bound."""

from plugins.api import Organisation, ReferralChannel
from plugins.intake import public, service
from plugins.intake.compiled import Compiled
from plugins.intake.demo import seed_forms


def test_compiled_reads_bind_each_calls_values(world):
    seed_forms(world.a.org)
    seed_forms(world.b.org)
    for org in (world.a.org, world.b.org, world.a.org):
        found_org, intake_form = public._organisation_and_form(org.slug, "public_gp")
        assert found_org.id == org.id and intake_form.organisation_id == org.id
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
