"""Forms for activities outside the model form: the schedule fields (shared by the admin form and
the partner's listing form), the partner's listing, the session register, the public filters."""

from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
    widgets,
)
from wtforms.validators import Length, NumberRange, Optional

from forms.base import Form
from i18n import _l
from models.activity import PRICE, WEEKDAYS
from models.schedule import (
    AD_HOC,
    MONTH_WEEKS,
    REPEATS,
    Rule,
    ScheduleError,
    format_dates,
    format_moves,
    load_dates,
    load_moves,
    parse_dates,
    parse_moves,
    serialise_dates,
    serialise_moves,
)

DESCRIPTION_MAX = 5000
EXCEPTIONS_TEXT_MAX = 12000  # room for MAX_EXCEPTIONS dates; more is refused before parsing


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as checkboxes (friendlier on a phone than a multi-select)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def schedule_fields():
    """The schedule as form fields: unbound fields by name (Flask-Admin's form_extra_fields too)."""
    return {
        "repeats": SelectField(
            _l("Repeats"),
            choices=REPEATS,
            default=AD_HOC,
            description=_l("“Now and then” activities have no fixed dates; sessions are logged as they happen."),
        ),
        "weekdays": MultiCheckboxField(_l("Weekdays"), coerce=int, choices=WEEKDAYS),
        "month_weeks": MultiCheckboxField(
            _l("Weeks of the month"),
            coerce=int,
            choices=MONTH_WEEKS,
            description=_l("Only for monthly activities, e.g. the first Monday."),
        ),
        "cancelled": TextAreaField(
            _l("Cancelled dates"),
            validators=[Optional(), Length(max=EXCEPTIONS_TEXT_MAX)],
            description=_l("One date per line, e.g. 24.12.2026."),
        ),
        "moves": TextAreaField(
            _l("Moved dates"),
            validators=[Optional(), Length(max=EXCEPTIONS_TEXT_MAX)],
            description=_l("One per line: from > to, e.g. 04.03.2026 > 05.03.2026."),
        ),
    }


def fill_schedule(form, activity):
    """Show an activity's schedule in the schedule fields."""
    try:
        rule = Rule.parse(activity.recurrence)
    except ScheduleError:
        rule = Rule()
    form.repeats.data = rule.repeats
    form.weekdays.data = list(rule.weekdays)
    form.month_weeks.data = list(rule.month_weeks)
    form.cancelled.data = format_dates(load_dates(activity.cancelled_dates))
    form.moves.data = format_moves(load_moves(activity.moved_dates))


def apply_schedule(form, activity):
    """Set the activity's rule and exceptions from the schedule fields, then check the whole
    schedule. Raises ScheduleError with the message for the user; the caller stores nothing then."""
    repeats = form.repeats.data or AD_HOC
    weekdays = tuple(form.weekdays.data or ())
    month_weeks = tuple(form.month_weeks.data or ()) if repeats == "monthly" else ()
    activity.set_rule(Rule(repeats, weekdays if repeats != AD_HOC else (), month_weeks))
    if repeats != AD_HOC and not weekdays:
        raise ScheduleError(str(_l("Choose at least one weekday, or choose “now and then”.")))
    if repeats == "monthly" and not month_weeks:
        raise ScheduleError(str(_l("Choose which week of the month (e.g. the first).")))
    activity.cancelled_dates = serialise_dates(parse_dates(form.cancelled.data, str(_l("Cancelled dates"))))
    activity.moved_dates = serialise_moves(parse_moves(form.moves.data))
    activity.check_schedule()


class ListingForm(Form):
    """What a partner keeps of their activity's public listing (approved by the organisation)."""

    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), Length(max=DESCRIPTION_MAX)],
        description=_l("What happens, in plain words."),
    )
    place = StringField(_l("Place"), validators=[Optional(), Length(max=200)], description=_l("Name and street."))
    postal_code = StringField(_l("Postal code"), validators=[Optional(), Length(max=10)], description=_l("E.g. 2450."))
    city = StringField(_l("Town"), validators=[Optional(), Length(max=100)], description=_l("E.g. København SV."))
    repeats = schedule_fields()["repeats"]
    weekdays = schedule_fields()["weekdays"]
    month_weeks = schedule_fields()["month_weeks"]
    start_time = TimeField(_l("Time"), validators=[Optional()], description=_l("When it starts, e.g. 14:00."))
    end_time = TimeField(_l("Ends at"), validators=[Optional()], description=_l("When it ends, e.g. 16:00."))
    active_from = DateField(_l("Active from"), validators=[Optional()], description=_l("The first date."))
    active_until = DateField(_l("Active until"), validators=[Optional()], description=_l("Leave empty if it goes on."))
    cancelled = schedule_fields()["cancelled"]
    moves = schedule_fields()["moves"]
    price = SelectField(_l("Price"), choices=PRICE, description=_l("Free, own payment or a pooled scheme."))
    age_min = IntegerField(
        _l("Age from"), validators=[Optional(), NumberRange(min=0, max=120)], description=_l("Leave empty for all.")
    )
    age_max = IntegerField(
        _l("Age to"), validators=[Optional(), NumberRange(min=0, max=120)], description=_l("Leave empty for all.")
    )
    target_group = StringField(
        _l("Target group"), validators=[Optional(), Length(max=200)], description=_l("E.g. men over 60.")
    )
    step_free = BooleanField(_l("Step-free access"), description=_l("No steps, or a ramp or lift."))
    accessible_toilet = BooleanField(_l("Accessible toilet"), description=_l("A toilet for wheelchair users."))
    hearing_loop = BooleanField(_l("Hearing loop"), description=_l("A loop for hearing aids."))
    accessibility_note = StringField(
        _l("Accessibility, more"), validators=[Optional(), Length(max=500)], description=_l("Anything else to know.")
    )
    contact_info = StringField(
        _l("Contact (public)"), validators=[Optional(), Length(max=200)], description=_l("Name and phone or e-mail.")
    )
    how_to_join = StringField(
        _l("How to join"), validators=[Optional(), Length(max=500)], description=_l("E.g. just come, or call first.")
    )

    # The model fields this form edits directly (the schedule fields are applied by apply_schedule).
    plain_fields = (
        "description",
        "place",
        "postal_code",
        "city",
        "start_time",
        "end_time",
        "active_from",
        "active_until",
        "price",
        "age_min",
        "age_max",
        "target_group",
        "step_free",
        "accessible_toilet",
        "hearing_loop",
        "accessibility_note",
        "contact_info",
        "how_to_join",
    )

    def fill(self, activity):
        for name in self.plain_fields:
            self[name].data = getattr(activity, name)
        fill_schedule(self, activity)

    def apply(self, activity):
        """Set the listing on `activity` (not saved). Raises ScheduleError."""
        for name in self.plain_fields:
            value = self[name].data
            setattr(activity, name, value.strip() or None if isinstance(value, str) else value)
        if activity.age_min is not None and activity.age_max is not None and activity.age_max < activity.age_min:
            raise ScheduleError(str(_l("The upper age must not be below the lower age.")))
        apply_schedule(self, activity)
