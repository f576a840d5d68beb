"""Intake forms built from data: the core referral fields plus an admin's own questions."""

import datetime

from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from plugins.api import GENDERS, Form, RuleError, _l, birth_year, check_anonymity

TEXT_MAX = 2000


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as checkboxes (friendlier on a phone than a multi-select)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class CitizenFields(Form):
    """Who is referred. Name or initials; the rest is optional."""

    name = StringField(
        _l("Name"), validators=[Optional(), Length(max=200)], description=_l("Full name, if the citizen agrees.")
    )
    initials = StringField(
        _l("Initials or pseudonym"),
        validators=[Optional(), Length(max=20)],
        description=_l("Needed if no name is given."),
    )
    birth_year = IntegerField(
        _l("Birth year"), validators=[Optional(), birth_year()], description=_l("For example 1948.")
    )
    gender = SelectField(_l("Gender"), choices=GENDERS, default="unknown", description=_l("As the citizen states it."))
    postal_code = StringField(
        _l("Postal code"), validators=[Optional(), Length(max=10)], description=_l("Where the citizen lives.")
    )
    phone = StringField(
        _l("Phone"), validators=[Optional(), Length(max=40)], description=_l("So the bridge builder can call.")
    )

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        # Not an inline validator: Optional() would stop it from running on an empty field.
        if not (self.initials.data or "").strip() and not (self.name.data or "").strip():
            self.initials.errors = [*self.initials.errors, _l("Enter a name or initials.")]
            valid = False
        return valid


class PublicReferralForm(CitizenFields):
    """The public referral form's core fields (GP or self-referral)."""

    channel = SelectField(
        _l("Who refers"), coerce=int, validators=[InputRequired()], description=_l("Choose what fits best.")
    )
    referrer_name = StringField(
        _l("Your name"), validators=[Optional(), Length(max=200)], description=_l("The person filling in the form.")
    )
    gp_practice = StringField(
        _l("GP practice"), validators=[Optional(), Length(max=200)], description=_l("The citizen's own doctor.")
    )
    referrer_phone = StringField(
        _l("Your phone"), validators=[Optional(), Length(max=40)], description=_l("If we need to call you back.")
    )
    reasons = MultiCheckboxField(_l("Reasons"), coerce=int, description=_l("Tick all that apply."))
    consent = BooleanField(
        _l("The citizen has agreed to be contacted by a bridge builder"),
        validators=[DataRequired(message=_l("We can only contact the citizen if they have agreed."))],
        description=_l("Required."),
    )
    # A field people never see; bots fill it in.
    website = StringField(_l("Leave this field empty"), description=_l("Leave this field empty."))
    token = HiddenField()


class StaffIntakeForm(CitizenFields):
    """Staff intake in the admin: a referral taken by phone or in person, possibly anonymous."""

    anonymous = BooleanField(
        _l("Anonymous (initials or pseudonym only)"), description=_l("No name or contact details are stored.")
    )
    email = EmailField(_l("E-mail"), validators=[Optional(), Length(max=254)], description=_l("Optional."))
    channel = SelectField(
        _l("Channel"), coerce=int, validators=[InputRequired()], description=_l("Who referred the citizen.")
    )
    referrer_name = StringField(
        _l("Referred by"), validators=[Optional(), Length(max=200)], description=_l("Name of the referrer.")
    )
    received_on = DateField(
        _l("Received"), default=datetime.date.today, validators=[InputRequired()], description=_l("Date received.")
    )
    reasons = MultiCheckboxField(_l("Reasons"), coerce=int, description=_l("Tick all that apply."))
    consent = BooleanField(
        _l("The citizen has agreed to be registered and contacted"), description=_l("Records today as consent date.")
    )
    # "new" or the id of a look-alike citizen; the page offers them as radio buttons.
    citizen_choice = HiddenField(validators=[Optional(), Length(max=20)])
    token = HiddenField()

    def validate_anonymous(self, field):
        try:
            check_anonymity(field.data, self.initials.data, [self.name.data, self.phone.data, self.email.data])
        except RuleError as exc:
            raise ValidationError(str(exc.message)) from exc


def _question_field(question):
    """A WTForms field for one intake question."""
    validators = [InputRequired() if question.required and question.kind != "yes_no" else Optional()]
    label, description = question.label, question.help_text or ""
    kind = question.kind
    if kind == "short_text":
        return StringField(label, validators=[*validators, Length(max=300)], description=description)
    if kind == "long_text":
        return TextAreaField(label, validators=[*validators, Length(max=TEXT_MAX)], description=description)
    if kind == "number":
        return IntegerField(
            label, validators=[*validators, NumberRange(min=-1_000_000, max=1_000_000)], description=description
        )
    if kind == "date":
        return DateField(label, validators=validators, description=description)
    if kind == "yes_no":
        choices = [("yes", _l("Yes")), ("no", _l("No"))]
        return RadioField(
            label,
            choices=choices,
            validators=[InputRequired()] if question.required else [Optional()],
            description=description,
        )
    if kind == "single_choice":
        return RadioField(
            label, choices=[(c, c) for c in question.choice_list], validators=validators, description=description
        )
    if kind == "multiple_choice":
        return MultiCheckboxField(
            label, choices=[(c, c) for c in question.choice_list], validators=validators, description=description
        )
    if kind == "scale":
        return RadioField(
            label, choices=[(str(n), str(n)) for n in range(1, 6)], validators=validators, description=description
        )
    raise ValueError(f"Unknown question kind {kind!r}")


def question_field_name(question):
    return f"q_{question.id}"


def build_form_class(base, questions):
    """A form class with `base`'s core fields and one field per question, in order.

    Classes are kept per base and exact question definitions: WTForms collects a new class's
    fields (dir() and sorting) on its first use, a tenth of a public form request (issue 15)."""
    key = tuple((q.id, q.kind, q.label, q.help_text, bool(q.required), tuple(q.choice_list)) for q in questions)
    return _form_class(base, key, tuple(questions))


_FORM_CLASSES = {}  # (base, question definitions) → class; bounded below


def _form_class(base, key, questions):
    cls = _FORM_CLASSES.get((base, key))
    if cls is None:
        if len(_FORM_CLASSES) > 256:
            _FORM_CLASSES.clear()
        attrs = {question_field_name(q): _question_field(q) for q in questions}
        cls = _FORM_CLASSES[(base, key)] = type(f"Intake{base.__name__}", (base,), attrs)
    return cls


def answer_value(question, field):
    """The JSON-able value of an answered question, or None when left empty."""
    data = field.data
    if question.kind == "yes_no":
        return None if data in (None, "", "None") else data == "yes"
    if question.kind == "date":
        return data.isoformat() if data else None
    if question.kind == "scale":
        return int(data) if data not in (None, "", "None") else None
    if question.kind == "multiple_choice":
        return list(data) or None
    if isinstance(data, str):
        data = data.strip()
        return data or None
    return data


class SelfReferralForm(PublicReferralForm):
    """The public form a citizen fills in about themselves: the same fields, spoken to "you"."""

    name = StringField(
        _l("Your name"), validators=[Optional(), Length(max=200)], description=_l("Your full name, if you like.")
    )
    initials = StringField(
        _l("Your initials or a made-up name"),
        validators=[Optional(), Length(max=20)],
        description=_l("Needed if you do not give your name."),
    )
    birth_year = IntegerField(
        _l("The year you were born"), validators=[Optional(), birth_year()], description=_l("For example 1948.")
    )
    gender = SelectField(_l("Gender"), choices=GENDERS, default="unknown", description=_l("As you describe yourself."))
    postal_code = StringField(
        _l("Your postal code"), validators=[Optional(), Length(max=10)], description=_l("Where you live.")
    )
    phone = StringField(
        _l("Your phone number"),
        validators=[Optional(), Length(max=40)],
        description=_l("So the bridge builder can call you."),
    )
    channel = SelectField(
        _l("How you heard of us"), coerce=int, validators=[InputRequired()], description=_l("Choose what fits best.")
    )
    referrer_name = StringField(
        _l("Someone helping you fill in the form?"),
        validators=[Optional(), Length(max=200)],
        description=_l("Their name, if someone helps you."),
    )
    referrer_phone = StringField(
        _l("Their phone"), validators=[Optional(), Length(max=40)], description=_l("If we need to call them back.")
    )
    reasons = MultiCheckboxField(_l("What you would like"), coerce=int, description=_l("Tick all that fit you."))
    consent = BooleanField(
        _l("I agree to be contacted by a bridge builder"),
        validators=[DataRequired(message=_l("We can only contact you if you agree."))],
        description=_l("Required."),
    )


def form_answers(form, questions):
    """(question, value) pairs of a submitted intake form, for service.register_intake."""
    return [(question, answer_value(question, form[question_field_name(question)])) for question in questions]
