"""Shared pieces of the web forms: CSRF-protected base form and translated validators."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import validators


class Form(FlaskForm):
    """Every form carries a CSRF token (Flask-WTF); validation messages follow the page's language."""

    class Meta:
        locales = False  # messages below are our own, translated through Flask-Babel

        def get_translations(self, form):
            return None


def required():
    return validators.InputRequired(message=_l("Fill in this field."))


def length(maximum: int):
    return validators.Length(max=maximum, message=_l("Use at most %(max)d characters.", max=maximum))
