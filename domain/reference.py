"""Reference code lists: stable codes with labels in Kazakh, Russian and English.

Codes are stored in records and events and never change; labels may be reworded at any time.
The lists are data, a table beside this module (reference_codes.csv, one row a code), each list in
display order. Labels are written the way a Kazakhstani social-services professional would read them
on screen and in reports to ministries.
"""
import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

LANGUAGES = ("kk", "ru", "en")
DEFAULT_LANGUAGE = "en"


@dataclass(frozen=True)
class Code:
    code: str
    kk: str
    ru: str
    en: str
    # Extra attributes of a code, e.g. {"non_data": True}; plain JSON values only.
    attributes: dict = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        # A private copy, so constants shared between codes cannot leak changes into each other.
        object.__setattr__(self, "attributes", dict(self.attributes))

    def label(self, language: str) -> str:
        """The label in the given language; English for a language the lists are not written in."""
        return getattr(self, language if language in LANGUAGES else DEFAULT_LANGUAGE)

    @property
    def labels(self) -> dict[str, str]:
        return {language: getattr(self, language) for language in LANGUAGES}


CODES_FILE = Path(__file__).with_name("reference_codes.csv")


def _attribute_value(text: str):
    """true, false, null and numbers as JSON reads them; any other word as itself (kind=region)."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def _read_lists(path: Path) -> dict[str, tuple[Code, ...]]:
    """The lists from their table: one row a code (list, code, kk, ru, en, attributes as `key=value ...`),
    each list in display order."""
    lists: dict[str, list[Code]] = {}
    with path.open(encoding="utf-8", newline="") as table:
        for row in csv.DictReader(table):
            attributes = dict(pair.split("=", 1) for pair in row["attributes"].split())
            lists.setdefault(row["list"], []).append(Code(
                row["code"], row["kk"], row["ru"], row["en"],
                {key: _attribute_value(value) for key, value in attributes.items()}))
    return {name: tuple(codes) for name, codes in lists.items()}


_LISTS = _read_lists(CODES_FILE)


def _checked(lists: dict[str, tuple[Code, ...]]) -> dict[str, tuple[Code, ...]]:
    """Refuses to load broken reference data: a typo here would silently corrupt statistics."""
    for list_name, entries in lists.items():
        seen = [entry.code for entry in entries]
        if len(seen) != len(set(seen)):
            raise ValueError(f"Duplicate code in reference list {list_name!r}.")
        for entry in entries:
            for language in LANGUAGES:
                text = getattr(entry, language)
                if not isinstance(text, str) or not text.strip() or text != text.strip():
                    raise ValueError(f"Bad {language} label for {list_name}.{entry.code}.")
            if {"code", "labels"} & set(entry.attributes):
                raise ValueError(f"Reserved attribute name in {list_name}.{entry.code}.")
    return lists


CODE_LISTS: "MappingProxyType[str, tuple[Code, ...]]" = MappingProxyType(_checked(_LISTS))
_INDEX = MappingProxyType({
    list_name: MappingProxyType({entry.code: entry for entry in entries})
    for list_name, entries in CODE_LISTS.items()
})


def codes(list_name: str) -> tuple[str, ...]:
    """The codes of one list in display order; KeyError on an unknown list."""
    return tuple(_INDEX[list_name])


def get(list_name: str, code: str) -> Code:
    """One code of one list; KeyError on an unknown list or code."""
    return _INDEX[list_name][code]


def as_json() -> dict:
    """All lists as plain JSON values, for clients and report generators."""
    return {
        list_name: [
            {"code": entry.code, "labels": entry.labels, **entry.attributes} for entry in entries
        ]
        for list_name, entries in CODE_LISTS.items()
    }
