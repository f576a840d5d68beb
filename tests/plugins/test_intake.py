"""The intake plugin: form builder, public referral form, staff intake, duplicates, answers."""

import re

import pytest

from models import AuditLog, Citizen, Referral, ReferralChannel, ReferralReasonLink
from plugins.intake.models import IntakeAnswer, IntakeForm, IntakeQuestion, IntakeSubmission
from tests import factories
from tests.plugin_data import page_token, public_data


def test_public_form_creates_one_received_referral_with_answers(client, world, forms):
    data = public_data(client, world, forms)
    response = client.post(f"/henvis/{world.a.org.slug}/laege", data=data)
    assert response.status_code == 303
    receipt = client.get(response.headers["Location"])
    reference = IntakeSubmission.get().reference
    assert reference in receipt.get_data(as_text=True)
    citizen = Citizen.get(Citizen.name == "Søren Ærø")
    assert citizen.organisation_id == world.a.org.id and citizen.consent_on is not None
    referral = Referral.get(Referral.citizen == citizen.id)
    assert referral.status == "received" and referral.assigned_to_id is None
    assert referral.referrer_name == "Dr. Holm"
    assert [link.reason_id for link in ReferralReasonLink.select().where(ReferralReasonLink.referral == referral)] == [
        world.a.reason.id
    ]
    answers = {a.question_label: a.data for a in IntakeAnswer.select().where(IntakeAnswer.referral == referral)}
    assert answers == {
        "Hvordan oplever borgeren sin ensomhed?": "Savner nogen at tale med",
        "Hvor ofte har borgeren kontakt med andre?": "Næsten aldrig",
        "Har borgeren brug for følgeskab til aktiviteter?": True,
        "Interesser": ["Gåture", "Motion"],
    }


def test_resubmitting_the_same_form_creates_one_referral(client, world, forms):
    data = public_data(client, world, forms)
    first = client.post(f"/henvis/{world.a.org.slug}/laege", data=data)
    second = client.post(f"/henvis/{world.a.org.slug}/laege", data=data)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert Referral.select().where(Referral.referrer_name == "Dr. Holm").count() == 1


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"consent": ""}, "sagt ja"),
        ({"name": "", "initials": ""}, "navn eller initialer"),
        ({"birth_year": "attenhundrede"}, "heltal"),
        ({"birth_year": "1850"}, "fødselsår"),
        ({"channel": "999999"}, "gyldigt valg"),
        ("q_single", "Ikke et gyldigt valg"),
        ("q_required_missing", "Dette felt skal udfyldes"),
    ],
)
def test_public_form_bad_input_gets_a_danish_message_and_stores_nothing(client, world, forms, overrides, message):
    questions = forms["public_gp"].active_questions()
    if overrides == "q_single":
        overrides = {f"q_{questions[1].id}": "Hver time"}
    elif overrides == "q_required_missing":
        overrides = {f"q_{questions[1].id}": ""}
    before = Referral.select().count()
    response = client.post(f"/henvis/{world.a.org.slug}/laege", data=public_data(client, world, forms, **overrides))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert Referral.select().count() == before
    assert IntakeSubmission.select().count() == 0


def test_wrong_types_in_answers_are_refused(client, world, forms):
    form = forms["public_gp"]
    number = IntakeQuestion.create(form=form, position=10, label="Antal børn", kind="number", required=True)
    date = IntakeQuestion.create(form=form, position=11, label="Sidste lægebesøg", kind="date")
    data = public_data(client, world, forms, **{f"q_{number.id}": "tre", f"q_{date.id}": "2025-02-31"})
    response = client.post(f"/henvis/{world.a.org.slug}/laege", data=data)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Ikke et gyldigt heltal" in text and "Ikke en gyldig dato" in text
    assert IntakeSubmission.select().count() == 0


def test_html_in_answers_is_stored_as_text_and_escaped(client, world, forms, login):
    xss = "<script>alert(1)</script>"
    questions = forms["public_gp"].active_questions()
    data = public_data(client, world, forms, name=xss, **{f"q_{questions[0].id}": xss})
    assert client.post(f"/henvis/{world.a.org.slug}/laege", data=data).status_code == 303
    referral = Referral.select().order_by(Referral.id.desc()).get()
    page = login(world.a.users["coordinator"]).get(f"/admin/referral/details/?id={referral.id}")
    text = page.get_data(as_text=True)
    assert xss not in text and "&lt;script&gt;" in text


def test_forged_or_missing_token_is_a_400(client, world, forms):
    for token in ("forged", ""):
        data = public_data(client, world, forms, token=token)
        response = client.post(f"/henvis/{world.a.org.slug}/laege", data=data)
        assert response.status_code == 400
        assert "Genindlæs siden" in response.get_data(as_text=True)
    assert Referral.select().count() == 2  # the world's two


def test_honeypot_gets_a_normal_receipt_and_stores_nothing(client, world, forms):
    data = public_data(client, world, forms, website="http://spam.example")
    response = client.post(f"/henvis/{world.a.org.slug}/laege", data=data)
    assert response.status_code == 200
    assert "henvisningen er modtaget" in response.get_data(as_text=True)
    assert re.search(r'id="reference">BRO-[A-Z2-9]{4}-[A-Z2-9]{4}<', response.get_data(as_text=True))
    assert IntakeSubmission.select().count() == 0
    assert Referral.select().count() == 2  # the world's two


def test_oversized_body_is_a_413(client, world, forms):
    data = public_data(client, world, forms, referrer_name="x" * (100 * 1024))
    assert client.post(f"/henvis/{world.a.org.slug}/laege", data=data).status_code == 413
    assert client.post(f"/henvis/{world.a.org.slug}/laege", data={"x": "y" * (10 * 1024 * 1024)}).status_code == 413
    assert IntakeSubmission.select().count() == 0


def test_a_burst_from_one_address_is_rate_limited(make_app, world, forms):
    app = make_app(INTAKE_RATE_LIMIT="5 per minute")
    client = app.test_client()
    codes = [client.post(f"/henvis/{world.a.org.slug}/laege", data={"token": "x"}).status_code for _ in range(100)]
    assert codes[:5] == [400] * 5
    assert set(codes[5:]) == {429}


def test_unknown_organisation_or_audience_is_404(client, world):
    assert client.get("/henvis/no-such-org/laege").status_code == 404
    assert client.get(f"/henvis/{world.a.org.slug}/hacker").status_code == 404
    assert client.get(f"/henvis/{world.a.org.slug}/kvittering/BRO-XXXX-XXXX").status_code == 404


def test_receipt_is_only_found_under_its_own_organisation(client, world, forms):
    response = client.post(f"/henvis/{world.a.org.slug}/laege", data=public_data(client, world, forms))
    reference = IntakeSubmission.get().reference
    assert client.get(response.headers["Location"]).status_code == 200
    assert client.get(f"/henvis/{world.b.org.slug}/kvittering/{reference}").status_code == 404


def test_public_form_without_a_built_form_uses_core_fields(client, world):
    page = client.get(f"/henvis/{world.b.org.slug}/selv")
    assert page.status_code == 200
    assert 'name="consent"' in page.get_data(as_text=True)


def test_referral_created_hook_fires_for_every_source(make_app, world, forms):
    from plugins import hookimpl

    seen = []

    class Listener:
        @hookimpl
        def brobygger_referral_created(self, referral, source):
            seen.append((referral.citizen.name, source))

    app = make_app()
    app.extensions["plugin_manager"].register(Listener())
    client = app.test_client()
    client.post(f"/henvis/{world.a.org.slug}/laege", data=public_data(client, world, forms))
    staff = client  # same app: log in as staff
    staff.post("/login", data={"email": world.a.users["admin"].email, "password": factories.PASSWORD})
    staff.post(
        "/admin/referral/new/",
        data={"citizen": str(world.a.citizen.id), "status": "received", "received_on": "2025-01-01"},
    )
    assert seen == [("Søren Ærø", "public_form"), ("Alfa borger", "admin")]


def test_a_listener_that_raises_rolls_the_intake_back(make_app, world, forms):
    from plugins import hookimpl

    class Refuser:
        @hookimpl
        def brobygger_referral_created(self, referral, source):
            raise RuntimeError("no")

    app = make_app()
    app.extensions["plugin_manager"].register(Refuser())
    client = app.test_client()
    response = client.post(f"/henvis/{world.a.org.slug}/laege", data=public_data(client, world, forms))
    assert response.status_code == 500
    assert not Citizen.select().where(Citizen.name == "Søren Ærø").exists()
    assert IntakeSubmission.select().count() == 0


# -- staff intake and duplicates -----------------------------------------------------------------
def _staff_page(client):
    page = client.get("/admin/intake/")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def _staff_data(client, world, **fields):
    """A staff intake form as sent: a fresh token, the organisation's channel, and `fields`."""
    return {
        "token": page_token(_staff_page(client)),
        "channel": str(world.a.channel.id),
        "received_on": "2025-06-01",
        "gender": "female",
        **fields,
    }


def test_staff_intake_registers_an_anonymous_citizen(login, world, forms):
    client = login(world.a.users["bridge_builder"])
    response = client.post("/admin/intake/", data=_staff_data(client, world, anonymous="y", initials="KK", consent="y"))
    assert response.status_code == 302
    citizen = Citizen.get(Citizen.initials == "KK")
    assert citizen.anonymous and citizen.name is None and citizen.phone is None
    referral = Referral.get(Referral.citizen == citizen.id)
    assert referral.assigned_to_id == world.a.users["bridge_builder"].id
    assert f"/admin/referral/details/?id={referral.id}" in response.headers["Location"]
    assert AuditLog.select().where((AuditLog.model == "Referral") & (AuditLog.action == "create")).count() == 1


def test_staff_intake_anonymous_with_name_is_refused(login, world, forms):
    client = login(world.a.users["bridge_builder"])
    response = client.post(
        "/admin/intake/", data=_staff_data(client, world, anonymous="y", initials="KK", name="Karen")
    )
    assert response.status_code == 200
    assert not Citizen.select().where(Citizen.initials == "KK").exists()


@pytest.mark.parametrize("typed", ["Søren Mørk", "SØREN MØRK", "Soren Mork"])
def test_staff_see_look_alike_citizens_and_choose(login, world, forms, typed):
    known = factories.make_citizen(world.a.org, name="Søren Mørk", initials="SM", birth_year=1941, postal_code="2450")
    factories.make_referral(world.a.org, citizen=known, assigned_to=world.a.users["bridge_builder"])
    client = login(world.a.users["bridge_builder"])
    data = {
        "token": page_token(_staff_page(client)),
        "name": typed,
        "birth_year": "1941",
        "postal_code": "2450",
        "gender": "male",
        "channel": str(world.a.channel.id),
        "received_on": "2025-06-01",
    }
    response = client.post("/admin/intake/", data=data)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'value="{known.id}"' in text and 'value="new"' in text
    assert Referral.select().where(Referral.citizen == known.id).count() == 1
    response = client.post("/admin/intake/", data={**data, "citizen_choice": str(known.id)})
    assert response.status_code == 302
    assert Referral.select().where(Referral.citizen == known.id).count() == 2
    assert Citizen.select().where(Citizen.birth_year == 1941).count() == 1


def test_staff_can_choose_to_register_a_new_citizen_despite_a_look_alike(login, world, forms):
    factories.make_citizen(world.a.org, name="Søren Mørk", initials="SM", birth_year=1941, postal_code="2450")
    client = login(world.a.users["admin"])
    data = {
        "token": page_token(_staff_page(client)),
        "name": "Søren Mørk",
        "birth_year": "1941",
        "postal_code": "2450",
        "gender": "male",
        "channel": str(world.a.channel.id),
        "received_on": "2025-06-01",
        "citizen_choice": "new",
    }
    assert client.post("/admin/intake/", data=data).status_code == 302
    assert Citizen.select().where(Citizen.name == "Søren Mørk").count() == 2


def test_another_organisations_citizen_is_never_a_candidate(login, world, forms):
    factories.make_citizen(world.b.org, name="Søren Mørk", initials="SM", birth_year=1941, postal_code="2450")
    client = login(world.a.users["admin"])
    data = {
        "token": page_token(_staff_page(client)),
        "name": "Søren Mørk",
        "birth_year": "1941",
        "postal_code": "2450",
        "gender": "male",
        "channel": str(world.a.channel.id),
        "received_on": "2025-06-01",
    }
    assert client.post("/admin/intake/", data=data).status_code == 302
    forged = {
        **data,
        "token": page_token(_staff_page(client)),
        "citizen_choice": str(Citizen.get(Citizen.organisation == world.b.org.id).id),
    }
    assert client.post("/admin/intake/", data=forged).status_code == 404


def test_public_duplicate_is_shown_on_the_case_and_can_be_linked(client, world, forms, login):
    known = factories.make_citizen(
        world.a.org, name="Søren Ærø", initials="SÆ", birth_year=1941, postal_code="2450", consent_on=None
    )
    client.post(f"/henvis/{world.a.org.slug}/laege", data=public_data(client, world, forms, name="SØREN ÆRØ"))
    referral = Referral.select().order_by(Referral.id.desc()).get()
    new_citizen = referral.citizen
    staff = login(world.a.users["coordinator"])
    page = staff.get(f"/admin/referral/details/?id={referral.id}").get_data(as_text=True)
    assert "Næsten aldrig" in page
    assert f'name="citizen" value="{known.id}"' in page
    response = staff.post("/admin/intake/link/", data={"referral": str(referral.id), "citizen": str(known.id)})
    assert response.status_code == 302
    assert Referral.get_by_id(referral.id).citizen_id == known.id
    assert Citizen.get_or_none(Citizen.id == new_citizen.id) is None
    kept = Citizen.get_by_id(known.id)
    assert kept.phone == "12345678"  # what the GP gave moves to the kept citizen
    assert kept.consent_on is not None


# -- the form builder --------------------------------------------------------------------------
def test_admin_builds_a_form_with_ordered_questions(login, world):
    client = login(world.a.users["admin"])
    data = {
        "title": "Henvisning fra hjemmeplejen",
        "audience": "public_gp",
        "intro": "Til hjemmeplejen",
        "active": "y",
        "questions-0-position": "2",
        "questions-0-label": "Hvilke dage er borgeren hjemme?",
        "questions-0-kind": "multiple_choice",
        "questions-0-choices": "Mandag\nTirsdag\nOnsdag",
        "questions-0-active": "y",
        "questions-1-position": "1",
        "questions-1-label": "Borgerens humør (1-5)",
        "questions-1-kind": "scale",
        "questions-1-required": "y",
        "questions-1-active": "y",
    }
    response = client.post("/admin/intake_form/new/", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    form = IntakeForm.get(IntakeForm.title == "Henvisning fra hjemmeplejen")
    assert form.organisation_id == world.a.org.id
    assert [q.label for q in form.active_questions()] == ["Borgerens humør (1-5)", "Hvilke dage er borgeren hjemme?"]
    preview = client.get(f"/admin/intake_form/preview/?id={form.id}").get_data(as_text=True)
    assert "Hvilke dage er borgeren hjemme?" in preview and "Tirsdag" in preview
    public = client.get(f"/henvis/{world.a.org.slug}/laege").get_data(as_text=True)
    assert "Borgerens humør (1-5)" in public


def test_a_choice_question_without_choices_is_refused(login, world):
    client = login(world.a.users["admin"])
    data = {
        "title": "Forkert",
        "audience": "staff",
        "active": "y",
        "questions-0-label": "Vælg",
        "questions-0-kind": "single_choice",
        "questions-0-position": "0",
        "questions-0-active": "y",
    }
    response = client.post("/admin/intake_form/new/", data=data)
    assert response.status_code == 200
    assert not IntakeForm.select().where(IntakeForm.title == "Forkert").exists()


def test_deactivated_question_is_not_asked_but_old_answers_stay(client, world, forms, login):
    client.post(f"/henvis/{world.a.org.slug}/laege", data=public_data(client, world, forms))
    question = forms["public_gp"].active_questions()[0]
    IntakeQuestion.update(active=False, label="Ændret tekst").where(IntakeQuestion.id == question.id).execute()
    assert question.label not in client.get(f"/henvis/{world.a.org.slug}/laege").get_data(as_text=True)
    referral = Referral.select().order_by(Referral.id.desc()).get()
    page = login(world.a.users["admin"]).get(f"/admin/referral/details/?id={referral.id}").get_data(as_text=True)
    assert question.label in page and "Savner nogen at tale med" in page


def test_answers_are_exportable_and_scoped(client, world, forms, login):
    client.post(f"/henvis/{world.a.org.slug}/laege", data=public_data(client, world, forms))
    export = login(world.a.users["coordinator"]).get("/admin/intake_answer/export/csv/")
    assert export.status_code == 200
    text = export.get_data(as_text=True)
    assert "Næsten aldrig" in text and "Hvor ofte har borgeren kontakt med andre?" in text
    other = login(world.b.users["coordinator"]).get("/admin/intake_answer/export/csv/").get_data(as_text=True)
    assert "Næsten aldrig" not in other


def test_partner_and_evaluator_cannot_reach_intake_pages(login, world, forms):
    for role in ("partner", "evaluator"):
        client = login(world.a.users[role])
        for url in ("/admin/intake/", "/admin/intake_form/", "/admin/intake_answer/"):
            assert client.get(url).status_code == 403, (role, url)


def test_with_the_plugin_disabled_its_pages_are_gone_and_the_core_works(make_app, world):
    app = make_app(BROBYGGER_PLUGINS="")
    client = app.test_client()
    assert client.get(f"/henvis/{world.a.org.slug}/laege").status_code == 404
    client.post("/login", data={"email": world.a.users["admin"].email, "password": factories.PASSWORD})
    assert client.get("/admin/intake/").status_code == 404
    assert client.get("/admin/referral/").status_code == 200
    assert client.get(f"/admin/referral/details/?id={world.a.referral.id}").status_code == 200


def test_safe_mode_loads_no_plugins(make_app, world):
    app = make_app(BROBYGGER_SAFE_MODE=True, BROBYGGER_PLUGINS="intake")
    assert app.extensions["plugin_manager"].get_plugins() == set()
    assert app.test_client().get(f"/henvis/{world.a.org.slug}/laege").status_code == 404


# -- duplicates where citizens are created (issue 14) ---------------------------------------------


def test_citizens_create_warns_of_a_look_alike_and_creates_only_when_confirmed(login, world):
    a = world.a
    known = factories.make_citizen(
        a.org, name="Søren Mørk", birth_year=1944, postal_code="2450", phone="+45 12 34 56 78"
    )
    client = login(a.users["bridge_builder"])
    before = Citizen.select().count()
    # Same phone written another way, nothing else alike: still a warning.
    data = {"initials": "SM", "name": "S. Mørk", "phone": "12345678", "gender": "male"}
    page = client.post("/admin/citizen/new/", data=data).get_data(as_text=True)
    assert "allerede registreret" in page and known.name in page
    assert Citizen.select().count() == before
    data["confirm_new"] = "y"
    assert client.post("/admin/citizen/new/", data=data).status_code == 302
    assert Citizen.select().count() == before + 1
    # Name, birth year and postal area alike, no phone: a warning too.
    page = client.post(
        "/admin/citizen/new/",
        data={"initials": "SM", "name": "SOREN MORK", "birth_year": "1944", "postal_code": "2450", "gender": "male"},
    ).get_data(as_text=True)
    assert "allerede registreret" in page


def test_a_second_public_referral_of_the_same_person_shows_on_the_known_citizen(client, login, world, forms):
    a = world.a
    known = factories.make_citizen(a.org, name="Inge Hansen", birth_year=1940, postal_code="1650", phone="87654321")
    old_case = factories.make_referral(a.org, citizen=known, assigned_to=a.users["bridge_builder"])
    page = client.get(f"/henvis/{a.org.slug}/selv")
    token = re.search(r'name="token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)
    channel = ReferralChannel.get(
        (ReferralChannel.organisation == a.org.id) & (ReferralChannel.name == "Selvhenvendelse")
    )
    response = client.post(
        f"/henvis/{a.org.slug}/selv",
        data={
            "name": "Inge H.",
            "initials": "IH",
            "phone": "8765 4321",
            "channel": channel.id,
            "consent": "y",
            "token": token,
        },
    )
    assert response.status_code == 303
    new = Citizen.select().where(Citizen.organisation == a.org.id).order_by(Citizen.id.desc()).first()
    assert new.id != known.id  # the form never merges by itself
    builder = login(a.users["bridge_builder"])
    page = builder.get(f"/admin/citizen/details/?id={known.id}").get_data(as_text=True)
    assert 'id="look-alikes"' in page and "Inge H." in page
    new_case = new.referrals.get()
    builder.post("/admin/intake/link/", data={"referral": new_case.id, "citizen": known.id})
    assert {r.id for r in Referral.select().where(Referral.citizen == known.id)} == {old_case.id, new_case.id}


def test_a_blank_forms_fields_follow_its_lists_questions_and_language(client, world, forms):
    """public.py renders a blank form's fields once per form, lists and language: a renamed
    channel, a changed question or the other language shows at once; the tokens are new each time."""
    url = f"/henvis/{world.a.org.slug}/laege"
    first = client.get(url).get_data(as_text=True)
    question = forms["public_gp"].active_questions()[0]
    assert world.a.channel.name in first and question.label in first
    world.a.channel.name = "Egen læge (ny)"
    world.a.channel.save()
    question.label = "Hvordan har borgeren det?"
    question.save()
    second = client.get(url).get_data(as_text=True)
    assert "Egen læge (ny)" in second and "Hvordan har borgeren det?" in second
    assert page_token(first) != page_token(second)
    assert "Who is referred" not in second
    client.set_cookie("brobygger_lang", "en")
    assert "Who is referred" in client.get(url).get_data(as_text=True)
