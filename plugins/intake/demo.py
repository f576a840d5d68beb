"""The default intake forms, one per audience, copied from the catalogue (models/catalogue.py)."""

from plugins.api import catalogue
from plugins.intake.models import IntakeForm, IntakeQuestion


def seed_forms(organisation):
    """Give `organisation` the catalogue's GP, self-referral and staff intake forms."""
    for audience, (title, intro, questions) in catalogue.INTAKE_FORMS.items():
        form = IntakeForm.create(organisation=organisation, audience=audience, title=title, intro=intro)
        for position, (label, kind, required, choices, help_text) in enumerate(questions):
            IntakeQuestion.create(
                form=form,
                position=position,
                label=label,
                kind=kind,
                required=required,
                choices=choices,
                help_text=help_text,
            )
