"""Forms of the case workflow: closing a case and recording an outcome measurement."""

import datetime

from wtforms import DateField, HiddenField, RadioField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

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
