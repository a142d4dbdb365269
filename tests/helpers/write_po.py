"""Writes translations into a catalogue file: `python -m tests.helpers.write_po AREA FILE.py`.

FILE.py defines T = {msgid: (kk, ru)}; entries already in intake/translations/<lang>/AREA.po are
kept unless FILE.py gives them anew.
"""
import runpy
import sys

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from intake.web.i18n import SOURCE_DIR


def write(area: str, translations: dict[str, tuple[str, str]]) -> None:
    for index, language in enumerate(("kk", "ru")):
        path = SOURCE_DIR / language / f"{area}.po"
        catalog = Catalog(locale=language, project="Senim", fuzzy=False)
        if path.exists():
            with path.open("rb") as handle:
                for message in read_po(handle, locale=language):
                    if message.id:
                        catalog[message.id] = message
        for msgid, strings in translations.items():
            if msgid in catalog:
                del catalog[msgid]  # Catalog.add keeps an existing translation: a new one must replace it
            catalog.add(msgid, strings[index])
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, catalog, width=100, sort_output=True, omit_header=False)


if __name__ == "__main__":
    write(sys.argv[1], runpy.run_path(sys.argv[2])["T"])
