"""WTForms validators that apply the domain rules (models/rules.py) to form fields."""

from wtforms.validators import ValidationError

from models.rules import RuleError, check_birth_year, not_in_future


class Rule:
    """Apply a rule function to a field's data; its RuleError becomes the field's error."""

    def __init__(self, rule, *args):
        self.rule, self.args = rule, args

    def __call__(self, form, field):
        if field.data is None or field.data == "":
            return
        try:
            self.rule(field.data, *self.args)
        except RuleError as exc:
            raise ValidationError(str(exc.message)) from exc


def birth_year():
    """A birth year a living person can have, checked when the form is validated."""
    return Rule(check_birth_year)


def not_future(*message):
    """A date that is not after today."""
    return Rule(not_in_future, *message)
