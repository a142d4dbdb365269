"""Recognising the domain's refusals (English, for the API) to say them again in the page's language.

Each area of the UI keeps its own table of (pattern, what to say): the same sentence can be worded
for a consultant's form and for a psychologist's page differently. A pattern matches the whole
sentence; the first that matches wins. What every area says alike is in COMMON, once.
"""
import re
from collections.abc import Callable

from flask_babel import gettext as _

Say = Callable[[re.Match], str]
Table = tuple[tuple[re.Pattern, Say], ...]


def table(*entries: tuple[str, Say]) -> Table:
    """(pattern, what to say) pairs, compiled (`.` matches line ends too)."""
    return tuple((re.compile(pattern, re.DOTALL), say) for pattern, say in entries)


def recognised(known: Table, text: str) -> str | None:
    """What the first pattern matching the whole sentence says, or None when no pattern knows it."""
    for pattern, say in known:
        match = pattern.fullmatch(text)
        if match:
            return say(match)
    return None


# Sentences every area says alike; an area's table starts with these.
COMMON = table(
    (r"Unknown code: .*", lambda m: _("Choose one of the offered options.")),
    (r"The end is before the start\.", lambda m: _("The end is before the start.")),
    # Linking is not a key (intake/services/links.py), and what a role cannot see it cannot change.
    (r"You may not link to this case, because you may not see it\..*",
     lambda m: _("You do not work on this case, so nothing can be linked to it. Ask the case's owner or a "
                 "supervisor to add you to the case.")),
    (r"You may not link to this (contact|referral|assessment|programme participation), because you may not see "
     r"it\.", lambda m: _("This record is not yours to see, so nothing can be linked to it.")),
    (r"No case with id .*", lambda m: _("No case with this number exists.")),
    (r"Only the psychologist who runs this participation .*",
     lambda m: _("Only the psychologist who runs this participation, or a supervisor, may change it.")),
    (r"A psychologist may not give or change the name, phone or address of a victim or a child.*",
     lambda m: _("A psychologist may not give or change the name, phone or address of a victim or a child.")),
)
