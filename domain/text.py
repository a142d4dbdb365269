"""How long the free text people write may be: the same limits for the API, the pages and the domain."""

# A conversation's or a case's summary.
SUMMARY_MAX = 20_000
# Why something was done: a correction, a refusal, a closing, a decision.
REASON_MAX = 2_000
