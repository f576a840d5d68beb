"""The one place translation functions are imported from."""

from flask_babel import gettext as _  # noqa: F401
from flask_babel import lazy_gettext as _l  # noqa: F401
from flask_babel import ngettext  # noqa: F401


class WTFormsTranslations:
    """WTForms' built-in messages through our "messages" catalogue (WTForms ships no Danish).

    Flask-WTF's own Meta.get_translations() only reads WTForms' catalogues; forms use this one."""

    def gettext(self, string):
        from flask_babel import get_translations

        return get_translations().ugettext(string)

    def ngettext(self, singular, plural, n):
        from flask_babel import get_translations

        return get_translations().ungettext(singular, plural, n)


wtforms_translations = WTFormsTranslations()
