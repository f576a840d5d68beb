"""Forms of the privacy pages: erasing a citizen, erasing old free text."""

from wtforms import BooleanField, SelectField
from wtforms.validators import DataRequired

from forms.base import Form
from i18n import _l
from models.erasure import ERASURE_REASONS


class EraseCitizenForm(Form):
    reason = SelectField(
        _l("Reason"),
        choices=[c for c in ERASURE_REASONS if c[0] != "retention"],
        validators=[DataRequired()],
        description=_l("Kept in the erasure record, without the citizen's name."),
    )
    confirm = BooleanField(
        _l("I understand that the citizen's personal data is erased for good"),
        validators=[DataRequired(message=_l("Tick the box to confirm the erasure."))],
        description=_l("Statistics stay; names, contact details and notes cannot be brought back."),
    )


class EraseFreeTextForm(Form):
    confirm = BooleanField(
        _l("I understand that this free text is erased for good"),
        validators=[DataRequired(message=_l("Tick the box to confirm the erasure."))],
        description=_l("Notes, summaries, justifications and text answers about citizens are emptied."),
    )
