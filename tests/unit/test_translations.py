"""Every word of the web UI reaches Kazakh and Russian speakers in their language."""
import re

import pytest
from babel.messages.pofile import read_po

from intake.web.i18n import SOURCE_DIR, catalogue
from tests.helpers.i18n import TEMPLATES, TRANSLATED_LANGUAGES, extract_messages, literal_text, missing

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")
ALL_TEMPLATES = sorted(TEMPLATES.rglob("*.html"))


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_every_message_of_the_web_ui_is_translated(language):
    lacking = missing(language)
    assert not lacking, (
        f"{len(lacking)} messages have no {language} translation (run `.venv/bin/python -m tests.helpers.i18n`): "
        + "; ".join(sorted(lacking)[:20]))


@pytest.mark.parametrize("template", ALL_TEMPLATES, ids=lambda path: str(path.relative_to(TEMPLATES)))
def test_templates_hold_no_text_outside_the_catalogue(template):
    assert literal_text(template) == [], "wrap this text in {{ _(...) }} and translate it"


def test_text_written_straight_into_a_template_is_found(tmp_path):
    page = tmp_path / "page.html"
    page.write_text('<h1>{{ _("Title") }}</h1><p>Звонок принят</p><input placeholder="Phone">{{ value }}',
                    encoding="utf-8")
    assert literal_text(page) == ["Звонок принят", 'placeholder="Phone"']


def test_the_extractor_finds_messages_in_templates_and_code():
    messages = extract_messages()
    assert "Sign in" in messages and "New contact" in messages


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_translations_keep_their_placeholders(language):
    wrong = [message.id for message in catalogue(language)
             if message.id and sorted(PLACEHOLDER.findall(message.id)) != sorted(PLACEHOLDER.findall(message.string))]
    assert wrong == []


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_no_message_is_translated_two_ways_in_different_areas(language):
    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    for po_file in sorted((SOURCE_DIR / language).glob("*.po")):
        with po_file.open("rb") as handle:
            for message in read_po(handle, locale=language):
                if not message.id:
                    continue
                earlier = seen.setdefault(message.id, (po_file.name, message.string))
                if earlier[1] != message.string:
                    clashes.append(f"{message.id!r}: {earlier[0]} and {po_file.name}")
    assert clashes == []
