"""How long the free text people write may be (the same limits for the API, the pages and the domain),
and the one rule of a reason a command needs."""
from domain.errors import Invalid, Reason

# A conversation's or a case's summary.
SUMMARY_MAX = 20_000
# Why something was done: a correction, a refusal, a closing, a decision.
REASON_MAX = 2_000


def required_reason(value) -> str:
    """The words of a reason a command needs (releasing, declining or cancelling a referral, dropping
    out of the programme); refused when there are none."""
    if not isinstance(value, str) or not value.strip():
        raise Invalid("reason", "reason.blank")
    return value.strip()


def checked_text(field: str, value, limit: int, errors: dict, *, required: bool = False,
                 strip: bool = False) -> str | None:
    """Free text a command was given, checked into `errors` (collected, so one answer names every
    field): blank counts as absent, and a required text must hold words. `strip` trims the words
    kept, for texts shown in lists (a goal, a decision) rather than kept as typed (a summary)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.setdefault(field, []).append(Reason("text.blank"))
        return None
    if not isinstance(value, str):
        errors.setdefault(field, []).append(Reason("text.not_text"))
        return None
    if len(value) > limit:
        errors.setdefault(field, []).append(Reason("text.longer_than", max=limit))
        return None
    return value.strip() if strip else value
