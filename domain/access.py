"""Who read which record: reads are noted in batches, one event per batch, so the log stays small."""
from eventsourcing.domain import Aggregate, event

# The kinds of record whose reads are noted. A read of another kind is still noted (a read never
# fails because of the access log), but the audit endpoint filters by these.
KINDS = ("contact", "case", "referral", "assessment", "programme", "journal", "audit")
# Whether the read was let through or refused (403): every failed access decision is noted (ASVS V7).
# Entries written before outcomes were noted have none and were all reads let through: "allowed".
OUTCOMES = ("allowed", "refused")
ALLOWED, REFUSED = OUTCOMES


class AccessBatch(Aggregate):
    """The reads one process noted in about a second; immutable like every other fact."""

    @event("Recorded")
    def __init__(self, *, entries: list[dict], actor: dict):
        # entries: {kind, record_id, user_id, username, role, at (UTC ISO text), remote_addr, outcome}
        self.entries = entries
        self.actor = actor
