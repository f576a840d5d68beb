"""The CSRF form base every page outside the admin uses."""

from flask_wtf import FlaskForm

from i18n import wtforms_translations


class Form(FlaskForm):
    """The base of every non-admin form: Flask-WTF's CSRF, WTForms messages in the user's language."""

    class Meta:
        def get_translations(self, form):
            return wtforms_translations
