"""The intake plugin's tables (all prefixed `intake_`): forms, questions, answers, submissions."""

import json

from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from plugins.api import BaseModel, Referral, TenantModel, VersionedModel, _, _l, organisation_fk, utcnow

PUBLIC_GP, PUBLIC_SELF, STAFF = "public_gp", "public_self", "staff"
AUDIENCES = (
    (PUBLIC_GP, _l("Public: referral from a GP or professional")),
    (PUBLIC_SELF, _l("Public: self-referral or relative")),
    (STAFF, _l("Staff intake")),
)
# The public URL's last part for each public audience.
AUDIENCE_SLUGS = {"laege": PUBLIC_GP, "selv": PUBLIC_SELF}

KINDS = (
    ("short_text", _l("Short text")),
    ("long_text", _l("Long text")),
    ("number", _l("Number")),
    ("date", _l("Date")),
    ("yes_no", _l("Yes/no")),
    ("single_choice", _l("Single choice")),
    ("multiple_choice", _l("Multiple choice")),
    ("scale", _l("Scale 1–5")),
)
CHOICE_KINDS = ("single_choice", "multiple_choice")
# Free text: neither offered nor asked in a minimal-records organisation.
TEXT_KINDS = ("short_text", "long_text")


class IntakeForm(VersionedModel):
    """An intake form an admin builds without code: audience, title, intro and questions."""

    organisation = organisation_fk()
    audience = CharField(max_length=20, choices=AUDIENCES, verbose_name=_l("Audience"))
    title = CharField(max_length=200, verbose_name=_l("Title"))
    intro = TextField(null=True, verbose_name=_l("Introduction"))
    active = BooleanField(default=True, verbose_name=_l("Active"))

    class Meta:
        table_name = "intake_form"
        indexes = ((("organisation", "audience", "active"), False),)

    def __str__(self):
        return self.title

    @classmethod
    def current(cls, organisation_id, audience):
        """The organisation's active form for an audience (the newest if there are several)."""
        return (
            cls.select()
            .where((cls.organisation == organisation_id) & (cls.audience == audience) & (cls.active == True))  # noqa: E712
            .order_by(cls.id.desc())
            .first()
        )

    def active_questions(self):
        """The questions asked now: active ones, without free text in a minimal-records organisation."""
        # self.organisation: no query when the form was read with its organisation.
        return list(self.active_questions_query(self.id, self.organisation.minimal_records))

    @staticmethod
    def active_questions_query(form_id, minimal_records):
        """The query behind active_questions()."""
        query = IntakeQuestion.select().where((IntakeQuestion.form == form_id) & (IntakeQuestion.active == True))  # noqa: E712
        if minimal_records:
            query = query.where(IntakeQuestion.kind.not_in(TEXT_KINDS))
        return query.order_by(IntakeQuestion.position, IntakeQuestion.id)


class IntakeQuestion(BaseModel):
    """One question of an intake form."""

    form = ForeignKeyField(IntakeForm, backref="questions", on_delete="CASCADE", verbose_name=_l("Form"))
    position = IntegerField(default=0, verbose_name=_l("Order"))
    label = CharField(max_length=300, verbose_name=_l("Question"))
    help_text = CharField(max_length=500, null=True, verbose_name=_l("Help text"))
    kind = CharField(max_length=20, choices=KINDS, default="short_text", verbose_name=_l("Type"))
    required = BooleanField(default=False, verbose_name=_l("Required"))
    choices = TextField(null=True, verbose_name=_l("Choices"), help_text=_l("One choice per line."))
    active = BooleanField(
        default=True,
        verbose_name=_l("Active"),
        help_text=_l("Inactive questions are not asked; their old answers stay readable."),
    )

    class Meta:
        table_name = "intake_question"
        indexes = ((("form", "position"), False),)

    def __str__(self):
        return self.label

    @property
    def choice_list(self):
        return [line.strip() for line in (self.choices or "").splitlines() if line.strip()]


class IntakeSubmission(TenantModel):
    """One received intake: its one-time token (so a resubmit creates nothing) and public reference."""

    organisation = organisation_fk()
    token = CharField(max_length=64, unique=True)
    reference = CharField(max_length=20, unique=True)
    form = ForeignKeyField(IntakeForm, null=True, backref="+", on_delete="SET NULL")
    referral = ForeignKeyField(Referral, null=True, backref="+", on_delete="CASCADE")
    source = CharField(max_length=20)
    received_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "intake_submission"

    def __str__(self):
        return self.reference


class IntakeAnswer(TenantModel):
    """An answer, stored with the question text as it was when answered."""

    organisation = organisation_fk()
    referral = ForeignKeyField(Referral, backref="intake_answers", on_delete="CASCADE", verbose_name=_l("Case"))
    question = ForeignKeyField(IntakeQuestion, null=True, backref="answers", on_delete="SET NULL")
    position = IntegerField(default=0)
    question_label = CharField(max_length=300, verbose_name=_l("Question"))
    kind = CharField(max_length=20, choices=KINDS, verbose_name=_l("Type"))
    value = TextField(verbose_name=_l("Answer"))  # JSON: str, number, ISO date, bool or list of str

    label_paths = ("referral.citizen",)

    class Meta:
        table_name = "intake_answer"
        indexes = ((("referral", "position"), False),)

    @classmethod
    def visible_to(cls, user):
        """Answers of the cases the user may see."""
        return Referral.scope_case_rows(super().visible_to(user), cls.referral, user)

    def __str__(self):
        return f"{self.question_label}: {self.display}"

    @property
    def data(self):
        return json.loads(self.value)

    @property
    def display(self):
        """The answer as text for people (Danish yes/no, dd.mm.yyyy dates, comma-joined choices)."""

        value = self.data
        if self.kind == "yes_no":
            return _("Yes") if value else _("No")
        if self.kind == "date" and value:
            year, month, day = value.split("-")
            return f"{day}.{month}.{year}"
        if isinstance(value, list):
            return ", ".join(value)
        return "" if value is None else str(value)
