"""Onboarding (issue 10): create-organisation, default lists with codes, the operator role,
deactivated organisations and one-time set-password links."""

import re

import pytest

from models import (
    AuditLog,
    Citizen,
    ClosureReason,
    Instrument,
    Organisation,
    PartnerKind,
    Referral,
    ReferralChannel,
    ReferralReason,
    User,
    catalogue,
)
from models.onboarding import create_organisation, set_password_path
from tests import factories

PASSWORD = "et-godt-kodeord-123"


def _create(runner, *args, input=None):
    return runner.invoke(args=["create-organisation", *args], input=input)


def test_cli_creates_an_organisation_on_an_empty_database_and_its_admin_registers_a_referral(app, runner):
    assert Organisation.select().count() == 0
    result = _create(
        runner,
        "--name",
        "Frivilligcenter Nord",
        "--slug",
        "fc-nord",
        "--kind",
        "volunteer_centre",
        "--admin-email",
        "Leder@FC-Nord.dk",
        "--admin-name",
        "Lene Leder",
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    org = Organisation.get(Organisation.slug == "fc-nord")
    # Every default list, entry by entry, with its code.
    channels = {c.code: c.name for c in ReferralChannel.select().where(ReferralChannel.organisation == org.id)}
    assert channels == dict(catalogue.CHANNELS)
    assert {r.code for r in ClosureReason.select().where(ClosureReason.organisation == org.id)} == {
        code for code, _name in catalogue.CLOSURE_REASONS
    }
    who5 = Instrument.get((Instrument.organisation == org.id) & (Instrument.code == "who5"))
    assert len(who5.item_list) == 5 and who5.anchor_list[0] == (0, "På intet tidspunkt")
    assert who5.anchor_list[-1] == (5, "Hele tiden")
    services = {k.code for k in PartnerKind.select().where((PartnerKind.organisation == org.id) & PartnerKind.service)}
    assert services == {"municipal_service", "gp_practice"}
    from plugins.end_criteria.models import EndCriterion
    from plugins.intake.models import IntakeForm

    assert EndCriterion.select().where(EndCriterion.organisation == org.id).count() == len(catalogue.END_CRITERIA)
    assert {f.audience for f in IntakeForm.select().where(IntakeForm.organisation == org.id)} == {
        "public_gp",
        "public_self",
        "staff",
    }

    client = app.test_client()
    response = client.post("/login", data={"email": "leder@fc-nord.dk", "password": PASSWORD})
    assert response.status_code == 302
    response = client.post("/admin/citizen/new/", data={"initials": "KH", "name": "Karen Hansen", "gender": "female"})
    assert response.status_code == 302
    citizen = Citizen.get(Citizen.organisation == org.id)
    gp = ReferralChannel.by_code(org.id, catalogue.GP)
    lonely = ReferralReason.by_code(org.id, "emotional_loneliness")
    response = client.post(
        "/admin/referral/new/",
        data={
            "citizen": str(citizen.id),
            "channel": str(gp.id),
            "reasons": [str(lonely.id)],
            "received_on": "2025-02-03",
            "status": "received",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    referral = Referral.get(Referral.organisation == org.id)
    assert referral.channel_id == gp.id
    assert [link.reason_id for link in referral.reason_links] == [lonely.id]
    # The default WHO-5 is asked with its published answer wording.
    page = client.get(f"/admin/referral/measure/?id={referral.id}&instrument={who5.id}").get_data(as_text=True)
    assert "I de sidste 2 uger har jeg været glad og i godt humør" in page
    assert "0 – På intet tidspunkt" in page and "5 – Hele tiden" in page


def test_bad_and_taken_slugs_and_used_emails_are_refused_with_nothing_created(app, runner, world):
    taken = _create(runner, "--name", "Igen", "--slug", world.a.org.slug)
    assert taken.exit_code != 0 and "allerede taget" in taken.output
    bad = _create(runner, "--name", "Forkert", "--slug", "Store Bogstaver!")
    assert bad.exit_code != 0 and "små bogstaver" in bad.output
    used = _create(
        runner,
        "--name",
        "Ny",
        "--slug",
        "ny",
        "--admin-email",
        world.a.users["coordinator"].email,
        "--admin-name",
        "X",
        "--link",
    )
    assert used.exit_code != 0 and "allerede i brug" in used.output
    # One transaction: the refused organisation left nothing behind, not even its lists.
    assert not Organisation.select().where(Organisation.slug == "ny").exists()
    assert Organisation.select().count() == 2


def test_link_sets_the_password_once(app, runner):
    result = _create(
        runner,
        "--name",
        "Kommune Syd",
        "--slug",
        "syd",
        "--kind",
        "municipality",
        "--admin-email",
        "a@syd.dk",
        "--admin-name",
        "A",
        "--link",
    )
    assert result.exit_code == 0, result.output
    path = re.search(r"(/set-password/\S+)", result.output).group(1)
    admin = User.get(User.email == "a@syd.dk")
    assert admin.password_hash == "" and Organisation.get(Organisation.slug == "syd").kind == "municipality"
    client = app.test_client()
    assert client.post("/login", data={"email": "a@syd.dk", "password": ""}).status_code == 200
    assert client.get(path).status_code == 200
    short = client.post(path, data={"password": "kort", "confirm": "kort"})
    assert short.status_code == 200 and User.get_by_id(admin.id).password_hash == ""
    assert client.post(path, data={"password": PASSWORD, "confirm": PASSWORD}).status_code == 302
    assert client.post("/login", data={"email": "a@syd.dk", "password": PASSWORD}).status_code == 302
    # Used once: the link is dead now.
    assert app.test_client().get(path).status_code == 404
    assert app.test_client().get("/set-password/forged").status_code == 404


def test_operator_needs_no_organisation_and_creates_one(app, runner, world):
    result = runner.invoke(
        args=["create-user", "--email", "drift@example.dk", "--name", "Drift", "--role", "operator"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    operator = User.get(User.email == "drift@example.dk")
    assert operator.organisation_id is None and operator.role == "operator"
    client = app.test_client()
    assert client.post("/login", data={"email": "drift@example.dk", "password": PASSWORD}).status_code == 302
    page = client.get("/admin/organisations/")
    assert world.a.org.name in page.get_data(as_text=True)
    response = client.post(
        "/admin/organisations/new",
        data={
            "name": "Frivilligcenter Øst",
            "slug": "oest",
            "kind": "volunteer_centre",
            "admin_email": "leder@oest.dk",
            "admin_name": "Ole",
        },
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    link = re.search(r"(/set-password/[^<\s]+)", body).group(1)
    org = Organisation.get(Organisation.slug == "oest")
    assert ReferralChannel.by_code(org.id, "gp") is not None
    assert User.get(User.email == "leder@oest.dk").organisation_id == org.id
    assert app.test_client().get(link).status_code == 200
    # Audited, in the organisation acted on.
    assert AuditLog.select().where((AuditLog.user == operator.id) & (AuditLog.model == "Organisation")).exists()
    # Settings, but not the organisation's data.
    response = client.post(
        f"/admin/organisations/{org.id}",
        data={"name": "Frivilligcenter Øst", "minimal_records": "y", "max_case_days": "200"},
    )
    assert response.status_code == 302
    org = Organisation.get_by_id(org.id)
    assert org.minimal_records and not org.allow_anonymous and org.max_case_days == 200
    for url in (
        "/admin/citizen/",
        "/admin/referral/",
        f"/admin/citizen/details/?id={world.a.citizen.id}",
        "/admin/audit_log/",
    ):
        assert client.get(url).status_code == 403, url


def test_admins_cannot_make_operators(login, world):
    client = login(world.a.users["admin"])
    response = client.post(
        "/admin/user/new/",
        data={"name": "Snyd", "email": "snyd@example.dk", "role": "operator", "active": "y", "new_password": PASSWORD},
    )
    assert response.status_code == 200
    assert not User.select().where(User.email == "snyd@example.dk").exists()


def test_deactivated_organisation_cannot_log_in_and_keeps_everything(app, login, world):
    admin = world.a.users["admin"]
    client = login(admin)
    operator = factories.make_user(None, "operator")
    ops = login(operator)
    assert ops.post(f"/admin/organisations/{world.a.org.id}/active", data={"active": "0"}).status_code == 302
    # The logged-in user is out at their next request, and nobody can log in.
    response = client.get("/admin/referral/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    response = app.test_client().post("/login", data={"email": admin.email, "password": factories.PASSWORD})
    assert response.status_code == 200
    assert Referral.select().where(Referral.organisation == world.a.org.id).count() == 1
    # Its public referral form takes no referrals either.
    assert app.test_client().get(f"/henvis/{world.a.org.slug}/laege").status_code == 404
    # The other organisation is untouched.
    login(world.b.users["admin"])
    # Reactivated: in again.
    ops.post(f"/admin/organisations/{world.a.org.id}/active", data={"active": "1"})
    login(admin)


def test_operator_resets_a_first_admin(app, login, world):
    admin = world.a.users["admin"]
    ops = login(factories.make_user(None, "operator"))
    response = ops.post(f"/admin/organisations/{world.a.org.id}/admins/{admin.id}/reset")
    assert response.status_code == 200
    assert User.get_by_id(admin.id).password_hash == ""
    # Only admins are reset here: another role's id is 404.
    other = world.a.users["coordinator"]
    assert ops.post(f"/admin/organisations/{world.a.org.id}/admins/{other.id}/reset").status_code == 404
    with app.test_request_context():
        path = set_password_path(User.get_by_id(admin.id))
    client = app.test_client()
    assert client.post(path, data={"password": PASSWORD, "confirm": PASSWORD}).status_code == 302
    login(admin, password=PASSWORD)


def test_seed_demo_builds_on_create_organisation(app, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    demo = Organisation.get(Organisation.slug == "demo")
    assert {c.code for c in ReferralChannel.select().where(ReferralChannel.organisation == demo.id)} == {
        code for code, _ in catalogue.CHANNELS
    }
    kirsten = Citizen.get(Citizen.name == "Kirsten Holm")
    case = Referral.get(Referral.citizen == kirsten.id)
    assert case.channel.code == catalogue.GP


def test_renamed_entry_keeps_its_code_and_the_public_form_presets_it(app, world):
    gp = ReferralChannel.by_code(world.a.org.id, catalogue.GP)
    ReferralChannel.update(name="Egen læge").where(ReferralChannel.id == gp.id).execute()
    client = app.test_client()
    body = client.get(f"/henvis/{world.a.org.slug}/laege").get_data(as_text=True)
    assert re.search(rf'<option selected value="{gp.id}">Egen læge</option>', body) or re.search(
        rf'<option[^>]*value="{gp.id}"[^>]*selected[^>]*>', body
    ), "the GP form preselects the GP channel by its code"


def test_admin_added_list_entry_gets_a_code(login, world):
    client = login(world.a.users["admin"])
    response = client.post(
        "/admin/referral_channel/new/", data={"name": "Boligsocial indsats", "position": "20", "active": "y"}
    )
    assert response.status_code == 302
    assert ReferralChannel.get(ReferralChannel.name == "Boligsocial indsats").code == "boligsocial_indsats"
    # Codes are unique within a list.
    response = client.post("/admin/referral_channel/new/", data={"name": "Egen læge 2", "code": "GP", "position": "21"})
    assert response.status_code == 200
    assert not ReferralChannel.select().where(ReferralChannel.name == "Egen læge 2").exists()


@pytest.mark.parametrize("slug", ["-start", "slut-", "æøå", "a" * 61, ""])
def test_slug_rule(app, slug):
    from models.onboarding import OnboardingError

    with app.app_context(), pytest.raises(OnboardingError):
        create_organisation("Navn", slug)
