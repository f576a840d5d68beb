"""The end_criteria plugin's tables (prefixed `ec_`): criteria, those agreed per case, and how a
closing measured up against them."""

from peewee import BooleanField, DateField, ForeignKeyField, IntegerField, TextField

from plugins.api import BaseModel, CaseClosure, Lookup, Referral, User, _l


class EndCriterion(Lookup):
    """One of the organisation's end criteria, e.g. "has joined at least one lasting community"."""

    required = BooleanField(
        default=False,
        verbose_name=_l("Required"),
        help_text=_l("Closing with this criterion unmet needs a written justification."),
    )

    class Meta:
        table_name = "ec_criterion"


class AgreedCriterion(BaseModel):
    """A criterion agreed with the citizen for a case, early on."""

    referral = ForeignKeyField(Referral, backref="+", on_delete="CASCADE")
    criterion = ForeignKeyField(EndCriterion, backref="+")
    agreed_on = DateField()
    by = ForeignKeyField(User, null=True, backref="+")

    class Meta:
        table_name = "ec_agreed"
        indexes = ((("referral", "criterion"), True),)


class ClosureReview(BaseModel):
    """How a closing measured up: the justification and how many required criteria were unmet."""

    closure = ForeignKeyField(CaseClosure, backref="+", unique=True, on_delete="CASCADE")
    unmet_required = IntegerField(default=0)
    justification = TextField(null=True)

    class Meta:
        table_name = "ec_closure_review"


class ClosureCheck(BaseModel):
    """One criterion at a closing: met or not."""

    closure = ForeignKeyField(CaseClosure, backref="+", on_delete="CASCADE")
    criterion = ForeignKeyField(EndCriterion, backref="+")
    met = BooleanField()

    class Meta:
        table_name = "ec_closure_check"
        indexes = ((("closure", "criterion"), True),)
