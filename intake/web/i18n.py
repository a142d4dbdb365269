"""Kazakh, Russian and English for the web UI (Flask-Babel).

Translations live as readable .po files, one per area of the UI and language:
intake/translations/<lang>/<area>.po. At start-up they are merged and compiled into a private
temporary directory, so the repository holds no generated .mo files and an installed package
needs no write access to itself.
"""
import atexit
import shutil
import tempfile
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, request, session
from flask_babel import Babel, get_locale, lazy_gettext as _l
from flask_login import current_user

from domain import reference
from domain.clock import SERVICE_TIMEZONE

ROLE_NAMES = {
    "consultant": _l("consultant"),
    "psychologist": _l("psychologist"),
    "supervisor": _l("supervisor"),
    "admin": _l("admin"),
}
LANGUAGES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
# One short form of dates in every language, with the year in full: the Kazakh locale's own short
# form has a 2-digit year ("03.12.26") where the Russian has four ("03.12.2026").
SHORT_FORMATS = {"date.short": "dd.MM.yyyy", "datetime.short": "dd.MM.yyyy, HH:mm"}
DEFAULT_LANGUAGE = "ru"
SOURCE_DIR = Path(__file__).resolve().parent.parent / "translations"


def catalogue(language: str) -> Catalog:
    """Every area's messages for one language, merged (a later file never silently wins: tests check)."""
    merged = Catalog(locale=language)
    for po_file in sorted((SOURCE_DIR / language).glob("*.po")):
        with po_file.open("rb") as handle:
            for message in read_po(handle, locale=language):
                if message.id and message.string and not message.fuzzy:
                    merged[message.id] = message
    return merged


# The compiled catalogues of this process, by the state of the .po files they were made from: every
# app a process builds (the tests build one per test) shares them, and an edited .po is compiled anew.
_compiled: dict[tuple, str] = {}


def _sources_state() -> tuple:
    return tuple((str(path), path.stat().st_mtime_ns, path.stat().st_size)
                 for path in sorted(SOURCE_DIR.glob("*/*.po")))


def compile_catalogues() -> str:
    """The folder of compiled catalogues for Flask-Babel, compiled once per process (per .po state)."""
    state = _sources_state()
    if state not in _compiled:
        _compiled.clear()  # an older state is never asked for again
        _compiled[state] = _compile()
    return _compiled[state]


def _compile() -> str:
    target = Path(tempfile.mkdtemp(prefix="senim-i18n-"))
    atexit.register(shutil.rmtree, target, ignore_errors=True)
    for language in LANGUAGES:
        if language == "en":
            continue  # the source language: messages are written in English
        folder = target / language / "LC_MESSAGES"
        folder.mkdir(parents=True)
        with (folder / "messages.mo").open("wb") as handle:
            write_mo(handle, catalogue(language))
    return str(target)


def choose_language() -> str:
    """The signed-in user's saved choice; before sign-in, the session's choice or the browser's."""
    if current_user and current_user.is_authenticated and current_user.language in LANGUAGES:
        return current_user.language
    if session.get("language") in LANGUAGES:
        return session["language"]
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def language() -> str:
    return str(get_locale() or DEFAULT_LANGUAGE)


def label(list_name: str, code: str | None) -> str:
    """A reference code's label in the page's language (codes are shown as is when unknown)."""
    if code is None:
        return ""
    try:
        return reference.get(list_name, code).label(language())
    except (KeyError, LookupError):
        return code


def options(list_name: str) -> list[tuple[str, str]]:
    """(code, label) pairs of a code list in the page's language, in the list's own order."""
    return [(item.code, item.label(language())) for item in reference.CODE_LISTS[list_name]]


def role_name(role: str) -> str:
    return str(ROLE_NAMES.get(role, role))


def init_i18n(app: Flask) -> None:
    app.config.update(
        BABEL_DEFAULT_LOCALE=DEFAULT_LANGUAGE,
        BABEL_DEFAULT_TIMEZONE=str(SERVICE_TIMEZONE),
        BABEL_TRANSLATION_DIRECTORIES=compile_catalogues(),
    )
    Babel(app, locale_selector=choose_language, date_formats={**Babel.default_date_formats, **SHORT_FORMATS})
    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, label=label, options=options, page_language=language,
                             role_name=role_name)
    app.jinja_env.add_extension("jinja2.ext.i18n")
