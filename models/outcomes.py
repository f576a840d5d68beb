"""Closing a case and measuring outcomes: closure reasons, closures, instruments, measurements."""

import json

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from i18n import _l, format_day
from models.base import utcnow
from models.lookups import Lookup
from models.organisation import TenantModel, organisation_fk
from models.referral import Referral
from models.user import User


class ClosureReason(Lookup):
    """Why a case ended: bridged to a lasting community, became a volunteer, professional help..."""


class CaseClosure(TenantModel):
    """One closing of a case (a reopened case can be closed again: each closing is kept)."""

    organisation = organisation_fk()
    referral = ForeignKeyField(Referral, backref="closures", verbose_name=_l("Case"))
    closed_on = DateField(verbose_name=_l("Closed"))
    reason = ForeignKeyField(ClosureReason, backref="+", verbose_name=_l("Closure reason"))
    note = TextField(null=True, verbose_name=_l("Note"))
    by = ForeignKeyField(User, null=True, backref="+", verbose_name=_l("By"))
    reopened_at = DateTimeField(null=True, verbose_name=_l("Reopened"))

    label_paths = ("referral.citizen",)

    class Meta:
        table_name = "case_closure"
        indexes = ((("organisation", "closed_on"), False), (("referral", "closed_on"), False))

    @classmethod
    def visible_to(cls, user):
        return Referral.scope_case_rows(super().visible_to(user), cls.referral, user)

    def __str__(self):
        return f"{self.referral_id} {format_day(self.closed_on)}" if self.closed_on else str(self.referral_id)


PHASES = (("intake", _l("At intake")), ("during", _l("During")), ("closure", _l("At closure")))


class Instrument(Lookup):
    """A validated short instrument, defined as data: items, item range and a score factor.

    Score = sum of the items × `factor` (WHO-5: 0–5 per item, × 4 → 0–100; UCLA-3: 1–3 each, × 1).
    """

    items = TextField(verbose_name=_l("Items"), help_text=_l("One question per line."))
    anchors = TextField(
        null=True,
        verbose_name=_l("Answer labels"),
        help_text=_l("One label per answer value, from the lowest to the highest, one per line."),
    )
    item_min = IntegerField(default=0, verbose_name=_l("Lowest answer"))
    item_max = IntegerField(default=5, verbose_name=_l("Highest answer"))
    factor = FloatField(default=1, verbose_name=_l("Score factor"))
    higher_is_better = BooleanField(default=True, verbose_name=_l("Higher score is better"))

    @property
    def item_list(self):
        return [line.strip() for line in (self.items or "").splitlines() if line.strip()]

    def score(self, answers):
        return round(sum(answers) * self.factor, 1)

    @property
    def anchor_list(self):
        """(value, label) for each answer value that has a label."""
        labels = [line.strip() for line in (self.anchors or "").splitlines() if line.strip()]
        return list(zip(range(self.item_min, self.item_max + 1), labels, strict=False))

    @property
    def score_range(self):
        n = len(self.item_list)
        return self.score([self.item_min] * n), self.score([self.item_max] * n)


class Measurement(TenantModel):
    """One filling-in of an instrument for a case: the item answers and the computed score."""

    organisation = organisation_fk()
    referral = ForeignKeyField(Referral, backref="measurements", on_delete="CASCADE", verbose_name=_l("Case"))
    instrument = ForeignKeyField(Instrument, backref="+", verbose_name=_l("Instrument"))
    phase = CharField(max_length=10, choices=PHASES, verbose_name=_l("When"))
    taken_on = DateField(verbose_name=_l("Date"))
    answers = TextField(verbose_name=_l("Answers"))  # JSON list of ints, one per item
    score = FloatField(verbose_name=_l("Score"))
    by = ForeignKeyField(User, null=True, backref="+")
    at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "measurement"
        indexes = ((("referral", "instrument", "taken_on"), False),)

    @property
    def answer_list(self):
        return json.loads(self.answers)

    def __str__(self):
        return f"{self.instrument_id}: {self.score}"
