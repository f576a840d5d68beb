"""The collaboration plugin's tables (prefixed `collab_`): notes with municipal services and GPs,
their follow-ups and hand-overs, and the feedback given to referring GPs."""

from peewee import BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, TextField

from plugins.api import (
    CASE_WORKERS,
    Partner,
    Referral,
    TenantModel,
    User,
    VersionedModel,
    _l,
    format_day,
    organisation_fk,
    utcnow,
)

DIRECTIONS = (("out", _l("We contacted them")), ("in", _l("They contacted us")))
CHANNELS = (("phone", _l("Phone")), ("meeting", _l("Meeting")), ("secure_mail", _l("Secure mail")))
LEGAL_BASES = (
    ("consent", _l("The citizen's consent")),
    ("health_act", _l("Health Act (sundhedsloven)")),
    ("service_act", _l("Social Services Act (serviceloven) § 11")),
    ("vital_interest", _l("Vital interest of the citizen")),
)
HANDOVER_STATUSES = (
    ("asked", _l("Asked")),
    ("accepted", _l("Accepted")),
    ("declined", _l("Declined")),
    ("ongoing", _l("Ongoing")),
)
OPEN_HANDOVER = ("asked", "accepted", "ongoing")


class CollaborationNote(VersionedModel):
    """One exchange with a municipal service or GP about a case."""

    organisation = organisation_fk()
    referral = ForeignKeyField(Referral, backref="+", verbose_name=_l("Case"))
    service = ForeignKeyField(Partner, backref="+", verbose_name=_l("Service"))
    direction = CharField(max_length=5, choices=DIRECTIONS, default="out", verbose_name=_l("Direction"))
    date = DateField(verbose_name=_l("Date"))
    channel = CharField(max_length=20, choices=CHANNELS, default="phone", verbose_name=_l("Contact channel"))
    legal_basis = CharField(max_length=20, choices=LEGAL_BASES, default="consent", verbose_name=_l("Legal basis"))
    consent_on = DateField(null=True, verbose_name=_l("Consent given"))
    consent_scope = CharField(max_length=200, null=True, verbose_name=_l("Consent scope"))
    summary = TextField(null=True, verbose_name=_l("Summary"))
    handover = BooleanField(default=False, verbose_name=_l("Handed on to this service"))
    handover_status = CharField(
        max_length=10, null=True, choices=HANDOVER_STATUSES, verbose_name=_l("Hand-over status")
    )
    followup_on = DateField(null=True, verbose_name=_l("Follow up on"))
    followup_owner = ForeignKeyField(User, null=True, backref="+", verbose_name=_l("Follow-up owner"))
    followup_done_at = DateTimeField(null=True, verbose_name=_l("Follow-up done"))
    followup_done_by = ForeignKeyField(User, null=True, backref="+", verbose_name=_l("Done by"))
    by = ForeignKeyField(User, null=True, backref="+", verbose_name=_l("By"))

    label_paths = ("referral.citizen",)

    class Meta:
        table_name = "collab_note"
        indexes = (
            (("referral", "date"), False),
            (("organisation", "followup_on"), False),
        )

    @classmethod
    def visible_to(cls, user):
        """Staff who may see the case; partners and evaluators never see a note."""
        if user.role not in CASE_WORKERS:
            return cls.select().where(False)
        return Referral.scope_case_rows(super().visible_to(user), cls.referral, user)

    def __str__(self):
        return format_day(self.date) if self.date else ""


class GpFeedback(TenantModel):
    """That, when and by whom feedback on a case was given to the referring GP."""

    organisation = organisation_fk()
    referral = ForeignKeyField(Referral, backref="+")
    given_at = DateTimeField(default=utcnow)
    form = CharField(max_length=10)  # "print" or "fhir"
    by = ForeignKeyField(User, null=True, backref="+")

    class Meta:
        table_name = "collab_gp_feedback"
        indexes = ((("referral", "given_at"), False),)
