"""Login, password, two-factor and confirmation forms."""

from flask import current_app
from flask_login import current_user
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from forms.base import Form
from i18n import _l
from models.user import password_problem


class LoginForm(Form):
    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(), Length(max=254)],
        description=_l("The e-mail address you were registered with."),
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(max=200)], description=_l("Your password.")
    )


class StrongPassword:
    """WTForms validator for a new password: the one rule, models.user.password_problem().

    `email_field` / `name_field` name fields of the same form holding the user's e-mail and
    name (the admin's user form); `user` is a callable returning the user (self-service)."""

    def __init__(self, email_field=None, name_field=None, user=None):
        self.email_field, self.name_field, self.user = email_field, name_field, user

    def __call__(self, form, field):
        if not field.data:
            return
        email = name = ""
        if self.user is not None:
            user = self.user()
            email, name = user.email, user.name
        if self.email_field and self.email_field in form:
            email = form[self.email_field].data or email
        if self.name_field and self.name_field in form:
            name = form[self.name_field].data or name
        problem = password_problem(field.data, email, name, current_app.config["PASSWORD_MIN_LENGTH"])
        if problem:
            raise ValidationError(str(problem))


def _current_user():
    return current_user


class PasswordChangeForm(Form):
    old_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("The password you logged in with."),
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=200), StrongPassword(user=_current_user)],
        description=_l("At least 12 characters; several unrelated words are easy to remember and hard to guess."),
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The two new passwords differ."))],
        description=_l("The same new password once more."),
    )


class CodeForm(Form):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=20)],
        description=_l("The 6-digit code from your authenticator app, or one of your recovery codes."),
    )


class EnrolForm(Form):
    code = StringField(
        _l("Code from the app"),
        validators=[DataRequired(), Length(max=20)],
        description=_l("The 6-digit code the app shows after you added Brobygger."),
    )


class ReauthForm(Form):
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(max=200)], description=_l("Your password.")
    )
    code = StringField(
        _l("Code"),
        validators=[Length(max=20)],
        description=_l("The 6-digit code from your authenticator app, or one of your recovery codes."),
    )
