"""The admin menu's categories, grouped as a bridge builder thinks. Plugins add views to them."""

from i18n import _l

CASES = _l("Cases")
CITIZENS = _l("Citizens")
ACTIVITIES = _l("Activities & partners")
ADMINISTRATION = _l("Administration")
