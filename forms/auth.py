"""Login form."""

from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from forms.base import Form
from i18n import _l


class LoginForm(Form):
    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(), Length(max=254)],
        description=_l("The e-mail address you were registered with."),
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(max=200)], description=_l("Your password.")
    )
