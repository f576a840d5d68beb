"""Forms of the case workflow: closing a case and recording an outcome measurement."""

import datetime

from wtforms import DateField, HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from forms.base import Form
from i18n import _l
from models.outcomes import PHASES


class CloseCaseForm(Form):
    reason = SelectField(
        _l("Closure reason"), coerce=int, validators=[InputRequired()], description=_l("Why the case ends.")
    )
    closed_on = DateField(
        _l("Closing date"),
        default=datetime.date.today,
        validators=[InputRequired()],
        description=_l("The day the case ended."),
    )
    note = TextAreaField(
        _l("Note"), validators=[Optional(), Length(max=2000)], description=_l("Short; no sensitive details.")
    )
    version = HiddenField()


class MeasurementForm(Form):
    instrument = HiddenField()
    phase = SelectField(
        _l("When"), choices=PHASES, default="intake", description=_l("At intake, during or at closure.")
    )
    taken_on = DateField(
        _l("Date"),
        default=datetime.date.today,
        validators=[InputRequired()],
        description=_l("The day the citizen answered."),
    )


def instrument_fields(instrument, prefix, required):
    """One radio field per item of `instrument`, named <prefix><n>."""
    labels = dict(instrument.anchor_list)  # the published answer wording, where the instrument has it
    choices = [
        (str(v), f"{v} – {labels[v]}" if v in labels else str(v))
        for v in range(instrument.item_min, instrument.item_max + 1)
    ]
    validators = [InputRequired()] if required else [Optional()]
    return {
        f"{prefix}{n}": RadioField(item, choices=choices, validators=validators, description="")
        for n, item in enumerate(instrument.item_list)
    }


def with_instruments(base, instruments, required=False):
    """`base` plus the item fields of each instrument (prefix m<instrument id>_)."""
    attrs = {}
    for instrument in instruments:
        attrs.update(instrument_fields(instrument, f"m{instrument.id}_", required))
    return type(f"{base.__name__}WithInstruments", (base,), attrs)


def answers_for(form, instrument):
    """The item answers of an instrument in `form` (ints), [] when none were given."""
    values = [form[f"m{instrument.id}_{n}"].data for n in range(len(instrument.item_list))]
    given = [v for v in values if v not in (None, "", "None")]
    if not given:
        return []
    return [int(v) if v not in (None, "", "None") else None for v in values]


def optional_int(value):
    """Coerce a select's value: "" (the "—" choice) is None, anything else an int."""
    if value in ("", None):
        return None
    return int(value)


class QuickContactForm(Form):
    """A contact recorded on the case page itself (the case is the page's own)."""

    date = DateField(
        _l("Date"),
        default=datetime.date.today,
        validators=[InputRequired()],
        description=_l("The day you talked with the citizen."),
    )
    kind = SelectField(_l("Kind"), coerce=optional_int, description=_l("Phone, home visit, meeting..."))
    minutes = IntegerField(
        _l("Minutes"), validators=[Optional(), NumberRange(min=0, max=24 * 60)], description=_l("How long, roughly.")
    )
    note = TextAreaField(
        _l("Short note"), validators=[Optional(), Length(max=2000)], description=_l("Short; no sensitive details.")
    )


class CaseNoteForm(Form):
    date = DateField(_l("Date"), default=datetime.date.today, validators=[InputRequired()], description="")
    text = TextAreaField(
        _l("Note"), validators=[InputRequired(), Length(max=2000)], description=_l("Short; no sensitive details.")
    )


class PracticeCommunityForm(Form):
    """Start a practice community (øvefællesskab) from the activity search and suggest it."""

    name = StringField(
        _l("Name"),
        validators=[InputRequired(), Length(max=200)],
        description=_l("What the citizen and the partners will call it, e.g. Network café."),
    )
    partner = SelectField(_l("Run by"), coerce=int, validators=[InputRequired()], description=_l("Usually us."))
    category = SelectField(_l("Category"), coerce=optional_int, description="")
    weekday = SelectField(_l("Weekday"), coerce=optional_int, description="")
    place = StringField(_l("Place"), validators=[Optional(), Length(max=200)], description="")
    leads_to = SelectField(
        _l("Leads to"),
        coerce=optional_int,
        description=_l("The lasting activity it is meant to lead on to, if there is one."),
    )
