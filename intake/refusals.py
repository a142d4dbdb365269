"""Refused reads are noted too (ASVS V7: every failed access decision is logged).

The one error mapper (intake/problems.py) calls note_refusal() for every 403 it answers, for the API
and the web pages alike, whether the role was refused up front (intake.auth.requires, the pages'
page() check) or the record itself (a service's Forbidden). When the address names a record (a view
argument such as contact_id), the attempt is noted in the access log like a read, with
outcome "refused": who (the authenticated user), what (kind and id), when, from where. The web
pages' only read refused without a 403 answer (an assessment or referral named in a page's query
and left out of it) calls note_refused() itself.
"""
from flask import g, request

from domain.access import REFUSED
from intake.running import senim

# A view argument naming a record, and the kind the access log notes it as.
RECORD_ARGUMENTS = {"contact_id": "contact", "case_id": "case", "referral_id": "referral",
                    "assessment_id": "assessment", "participation_id": "programme", "service": "journal",
                    "conference_id": "conference", "group_id": "group", "training_id": "training"}
# Reads whose record is in the query, not the path: endpoint → (kind, query arguments naming it).
QUERY_READS = {
    "audit.access_log": ("audit", ("record_id", "user_id")),
    "web_supervisor.access_log": ("audit", ("record_id", "user")),
    "web_supervisor.journals": ("journal", ("service",)),
    "web_supervisor.journal_export": ("journal", ("service",)),
}
LONGEST_RECORD_ID = 100  # a record id is 36 characters; whatever else an attacker typed is cut short


def refused_record() -> tuple[str, str] | None:
    """(kind, record id) of the record the current request asked for, if its address names one."""
    for name, value in (request.view_args or {}).items():
        if name in RECORD_ARGUMENTS:
            return RECORD_ARGUMENTS[name], str(value)[:LONGEST_RECORD_ID]
    if request.endpoint in QUERY_READS:
        kind, arguments = QUERY_READS[request.endpoint]
        named = next((request.args[name] for name in arguments if request.args.get(name)), "all")
        return kind, named[:LONGEST_RECORD_ID]
    return None


def refused_actor():
    """Who was refused: the API token's user (authenticated, refused on role or record), or the page's."""
    actor = g.get("actor") or g.get("authenticated_actor")
    if actor is None and not request.path.startswith("/api/"):
        from flask_login import current_user
        if current_user.is_authenticated:
            actor = getattr(current_user, "actor", None)
    return actor


def note_refused(kind: str, record_id) -> None:
    """Notes that the current user was refused this record; never fails the answer."""
    try:
        actor = refused_actor()
        if actor is not None:
            senim().access.record(actor, kind, record_id, remote_addr=request.remote_addr,
                                  outcome=REFUSED)
    except Exception:  # noqa: BLE001, S110 - the refusal is answered whether or not it could be noted
        pass


def note_refusal(status: int) -> None:
    """Called by the error mapper with the status it answers: a 403 naming a record is noted."""
    if status != 403:
        return
    try:
        record = refused_record()
    except Exception:  # noqa: BLE001 - an odd address (no request context, odd arguments): nothing to note
        return
    if record is not None:
        note_refused(*record)
