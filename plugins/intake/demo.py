"""Danish demo forms, one per audience."""

from plugins.intake.models import PUBLIC_GP, PUBLIC_SELF, STAFF, IntakeForm, IntakeQuestion

FORMS = {
    PUBLIC_GP: (
        "Social henvisning fra egen læge",
        "Henvis en borger, der oplever ensomhed, til en social brobygger. Borgeren skal have sagt ja til at "
        "blive kontaktet.",
        [
            ("Hvordan oplever borgeren sin ensomhed?", "long_text", False, None, "Kort, med borgerens egne ord."),
            (
                "Hvor ofte har borgeren kontakt med andre?",
                "single_choice",
                True,
                "Dagligt\nUgentligt\nSjældnere end ugentligt\nNæsten aldrig",
                None,
            ),
            ("Har borgeren brug for følgeskab til aktiviteter?", "yes_no", False, None, None),
            (
                "Interesser",
                "multiple_choice",
                False,
                "Gåture\nMad og fællesspisning\nKultur og musik\nHåndarbejde\nMotion\nSamtale",
                "Det, borgeren selv nævner.",
            ),
        ],
    ),
    PUBLIC_SELF: (
        "Jeg vil gerne tale med en brobygger",
        "Føler du dig ensom, eller kender du en, der gør? Skriv til os, så ringer en brobygger.",
        [
            ("Hvad vil du gerne have hjælp til?", "long_text", False, None, None),
            ("Hvornår på dagen er det bedst at ringe?", "single_choice", False, "Formiddag\nEftermiddag\nAften", None),
        ],
    ),
    STAFF: (
        "Ny henvisning",
        "Registrér en henvisning modtaget pr. telefon eller ved et møde.",
        [
            ("Hvordan har borgeren det lige nu? (1 = meget dårligt, 5 = rigtig godt)", "scale", False, None, None),
            ("Borgerens ønsker til fællesskaber", "long_text", False, None, None),
            ("Aftalt første kontakt", "date", False, None, None),
        ],
    ),
}


def seed_forms(organisation):
    for audience, (title, intro, questions) in FORMS.items():
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
