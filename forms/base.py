"""The CSRF form base every page outside the admin uses."""

from flask_wtf import FlaskForm

from i18n import wtforms_translations
from inputs import InputFilterMeta


class Form(FlaskForm):
    """The base of every non-admin form: Flask-WTF's CSRF, the input filter (inputs.py), WTForms
    messages in the user's language."""

    class Meta(InputFilterMeta):
        def get_translations(self, form):
            return wtforms_translations
