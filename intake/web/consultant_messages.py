"""The domain's refusals (English, for the API) in the page's language, for the consultant's forms.

Each known sentence is recognised by its shape and said again through gettext; the form field it
belongs to is worked out from the domain's field path (`caller.role`, `changes.risk.2`, `answers.fear`).
A sentence not known here becomes a general "check this field" in the page's language, so the
person always reads their own language and the field is still marked.
"""
from flask_babel import gettext as _

from intake.web.domain_messages import COMMON, recognised, table

# Domain field paths → the form field that shows the message.
FIELD_OF_PATH = {
    "service": "service", "channel": "channel", "contact_type": "contact_type",
    "started_at": "started_at", "ended_at": "started_at", "summary": "summary",
    "categories": "categories", "risk": "risk", "outcome": "outcome", "case_id": "_form",
    "changes": "_form", "reason": "reason",
    "consent.services": "consent_services", "consent.reporting": "consent_reporting",
    "consent.override_reason": "consent_override",
    # The referral made from the contact (see the referral_ prefix below).
    "target": "referral_target", "urgency": "referral_urgency", "source": "service",
    "subject_role": "caller_role", "contact_id": "_form",
}


def form_field(path: str, *, referral: bool = False, amend: bool = False) -> str:
    """The name of the form field for a domain error path ("_form" for the form as a whole)."""
    path = path.removeprefix("changes.")
    if path.startswith("answers."):
        return "vr-" + path[len("answers."):]
    if path == "answers":
        return "_checklist"
    if referral and path == "reason":
        return "referral_reason"
    if referral and path == "ended_at":
        return "_form"
    head, _dot, rest = path.partition(".")
    if head == "caller":
        return "caller_" + rest.split(".")[0] if rest else "caller_role"
    if head in ("categories", "risk", "outcome"):
        return head
    if path in FIELD_OF_PATH:
        field = FIELD_OF_PATH[path]
        return "ended_at" if amend and path == "ended_at" else field
    return "_form"


def _too_long(match) -> str:
    return _("Use at most %(max)d characters.", max=int(match.group(1)))


def _digits(match) -> str:
    return _("A phone number has %(low)s to %(high)s digits.", low=match.group(1), high=match.group(2))


def _age_group(match) -> str:
    return _("The age %(age)s is not in the chosen age group; correct one of them or leave the age group empty.",
             age=match.group(1))


def _consent_refused(match) -> str:
    return _("A referral needs the person's consent to be referred. Ask them, or leave the referral out.")


# (pattern, translation) in the order they are tried, after the ones every area shares.
KNOWN = COMMON + table(
    (r"Missing data for required field\.", lambda m: _("Fill in this field.")),
    (r"Unknown field of a caller\.", lambda m: _("This field is not part of a contact.")),
    (r"Text of at most (\d+) characters\.", _too_long),
    (r"Use digits, spaces, \+, - and parentheses only\.",
     lambda m: _("Use digits, spaces, +, - and parentheses only.")),
    (r"A phone number has (\d+) to (\d+) digits\.", _digits),
    (r"Age (\d+) does not belong to age group .*\.", _age_group),
    (r"Unknown consent (kind|field)\.", lambda m: _("This field is not part of a contact.")),
    (r"The start is in the future\.",
     lambda m: _("The start is in the future. Check the date and the time.")),
    (r"The start is implausibly far in the past\.",
     lambda m: _("The start is too far in the past. Check the date.")),
    (r"A contact cannot last longer than 24 hours\.",
     lambda m: _("A contact cannot last longer than 24 hours. Check the start date.")),
    (r"The end is in the future\.",
     lambda m: _("The end is in the future. Check the date and the time.")),
    (r"A correction needs a reason\.", lambda m: _("Say why the contact is corrected.")),
    (r"This field cannot be amended\.", lambda m: _("This field cannot be corrected.")),
    (r"The correction changes nothing\.",
     lambda m: _("The correction changes nothing: change at least one field.")),
    (r"Give a reason in words\.", lambda m: _("Write the reason for the referral.")),
    (r"Say whether the person agreed to be referred.*",
     lambda m: _("Say whether the person agreed to be referred.")),
    (r"The person did not consent to be referred.*", _consent_refused),
    (r"Only a supervisor may override a refusal of consent\.",
     lambda m: _("Only a supervisor may override a refusal of consent.")),
    (r"Nothing to override: the person consented\.",
     lambda m: _("Nothing to override: the person consented. Leave the override reason empty.")),
    (r"Give the reason for the override in words\.",
     lambda m: _("Give the reason for the override in words.")),
    (r"Not an allowed answer: .*", lambda m: _("Answer yes, no or unknown.")),
    (r"Every item needs an answer.*", lambda m: _("Answer yes, no or unknown.")),
    (r"No contact with id .*", lambda m: _("The contact was not found.")),
)


def translated(message: str) -> str:
    return recognised(KNOWN, message or "") or _("This value was not accepted; check it.")


def errors_by_field(errors: dict[str, list[str]], **where) -> dict[str, list[str]]:
    """The domain's {path: [messages]} as {form field: [messages in the page's language]}."""
    shown: dict[str, list[str]] = {}
    for path, messages in errors.items():
        field = form_field(path, **where)
        for message in messages:
            text = translated(message)
            if text not in shown.setdefault(field, []):
                shown[field].append(text)
    return shown
