"""Forms for onboarding: the operator's organisation pages and the set-password page."""

from wtforms import BooleanField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional

from forms.base import Form
from i18n import _l
from models.organisation import KINDS


class OrganisationForm(Form):
    name = StringField(
        _l("Name"), validators=[DataRequired(), Length(max=200)], description=_l("E.g. Frivilligcenter Vesterbro.")
    )
    slug = StringField(
        _l("Short name"),
        validators=[DataRequired(), Length(max=60)],
        description=_l("Lower-case letters, digits and hyphens; used in public addresses, e.g. the referral form."),
    )
    kind = SelectField(_l("Kind"), choices=KINDS, description=_l("A volunteer centre or a municipal unit."))
    admin_email = StringField(
        _l("First admin's e-mail"),
        validators=[Optional(), Length(max=254)],
        description=_l("They get a one-time link to choose their password."),
    )
    admin_name = StringField(_l("First admin's name"), validators=[Optional(), Length(max=200)], description="")


class SettingsForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)], description="")
    minimal_records = BooleanField(_l("Minimal records"), description=_l("No free-text case notes are kept."))
    allow_anonymous = BooleanField(
        _l("Allow anonymous citizens"), description=_l("Citizens may be registered by initials or a pseudonym only.")
    )
    max_case_days = IntegerField(
        _l("Case length limit (days)"),
        validators=[DataRequired(), NumberRange(min=1, max=3650)],
        description=_l("Cases open longer are flagged."),
    )


class AdminForm(Form):
    email = StringField(_l("E-mail"), validators=[DataRequired(), Length(max=254)], description="")
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)], description="")


class SetPasswordForm(Form):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("At least 10 characters."),
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
        description="",
    )
