"""How long the free text people write may be (the same limits for the API, the pages and the domain),
and the one rule of a reason a command needs."""
from domain.errors import Invalid

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
