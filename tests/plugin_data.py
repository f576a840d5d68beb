"""Data for the plugins' pages, shared by the plugin tests and the core tests that use a plugin:
a filled-in public referral form (with the `forms` fixture of conftest.py), a collaboration
note form. Helpers, no tests."""

import datetime
import re

from models import PartnerKind
from tests import factories

TODAY = datetime.date.today()


def page_token(page):
    return re.search(r'name="token"[^>]*value="([^"]+)"', page).group(1)


def public_data(client, world, forms, **overrides):
    page = client.get(f"/henvis/{world.a.org.slug}/laege").get_data(as_text=True)
    questions = forms["public_gp"].active_questions()
    answers = {
        f"q_{questions[0].id}": "Savner nogen at tale med",
        f"q_{questions[1].id}": "Næsten aldrig",
        f"q_{questions[2].id}": "yes",
        f"q_{questions[3].id}": ["Gåture", "Motion"],
    }
    data = {
        "token": page_token(page),
        "name": "Søren Ærø",
        "birth_year": "1941",
        "gender": "male",
        "postal_code": "2450",
        "phone": "12345678",
        "channel": str(world.a.channel.id),
        "referrer_name": "Dr. Holm",
        "gp_practice": "Lægehuset",
        "reasons": [str(world.a.reason.id)],
        "consent": "y",
        **answers,
    }
    data.update(overrides)
    return data


def municipal_service(org, name="Kommunal psykiatri"):
    """A partner of the kind municipal service (the collaboration plugin's counterpart)."""
    kind = PartnerKind.get((PartnerKind.organisation == org.id) & (PartnerKind.code == "municipal_service"))
    return factories.make_partner(org, name=name, kind=kind)


def note_data(referral, partner, **overrides):
    data = {
        "referral": str(referral.id),
        "service": str(partner.id),
        "direction": "out",
        "date": TODAY.isoformat(),
        "channel": "phone",
        "legal_basis": "consent",
        "consent_on": (TODAY - datetime.timedelta(days=1)).isoformat(),
        "consent_scope": "Kontakt til psykiatrien",
        "summary": "Aftalt samtale i psykiatrien",
        "handover": "y",
        "handover_status": "asked",
        "followup_on": (TODAY + datetime.timedelta(days=7)).isoformat(),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
