"""The referral queue and claiming a referral from it."""
from datetime import datetime, timedelta
from uuid import UUID

from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_timedelta, gettext as _

from domain import instruments, reference
from domain.actor import same_person
from domain.clock import utc_now
from domain.errors import Conflict, DomainError
from domain.referral import CLAIMER_ROLES, FINAL_STATUSES
from intake.running import senim
from intake.services.referrals import PSYCHOLOGISTS_TARGET
from intake.services.referred import QueueFacts, queue_facts
from intake.web.forms import Form
from intake.web.i18n import language
from intake.web.own_writes import caught_up
from intake.web.psychologist import LIST_LIMIT, PSYCHOLOGIST_ROLES, QUEUE, bp, referral_status, remember
from intake.web.psychologist.referrals import render_referral
from intake.web.refusals import say
from intake.web.session import current_actor, page
from intake.web.staff_names import staff_name
from projections.referral_queue import claimed_referrals, open_referrals

# The queue ---------------------------------------------------------------------------------------

def queue_target() -> str:
    actor = current_actor()
    asked = request.values.get("target") or PSYCHOLOGISTS_TARGET
    if actor.has_role("supervisor") and asked in reference.codes("referral_targets"):
        return asked
    return PSYCHOLOGISTS_TARGET


def queue_item(row: dict, now: datetime) -> dict:
    made_at = datetime.fromisoformat(row["made_at"])
    deadline = datetime.fromisoformat(row["deadline"])
    left = deadline - now
    return {
        "id": row["referral_id"], "urgency": row["urgency"], "source": row["source"],
        "subject_role": row["subject_role"], "made_at": made_at, "deadline": deadline,
        "waiting": format_timedelta(max(now - made_at, timedelta(0)), threshold=1.5),
        "left": format_timedelta(abs(left), threshold=1.5), "overdue": left < timedelta(0),
        "escalated": bool(row["escalated"]),
    }


def risk_level_name(level: str | None) -> str:
    """A victim-risk checklist's level in the page's language."""
    if not level:
        return ""
    for entry in instruments.get("victim_risk")["scoring"]["levels"]:
        if entry["code"] == level:
            return entry.get(language(), entry["en"])
    return ""


def facts_of(referral_ids: list[str], known: list | None = None) -> dict[str, QueueFacts]:
    """Language, region and risk of each referral (codes from its contact and case), by id."""
    actor = current_actor()
    loaded = {str(referral.id): referral for referral in known or []}
    for referral_id in referral_ids:
        if referral_id in loaded:
            continue
        try:
            loaded[referral_id] = senim().referrals.get(UUID(referral_id), actor=actor)
        except (DomainError, ValueError):
            continue
    return queue_facts(senim().store, senim().views, list(loaded.values()))


def in_progress(ids: list[str]) -> list:
    """The claimed referrals the user works on (a supervisor: everyone's), loaded from the store."""
    actor = current_actor()
    found = []
    for referral_id in ids:
        try:
            referral = senim().referrals.get(UUID(referral_id), actor=actor)
        except (DomainError, ValueError):
            continue
        if referral.status in FINAL_STATUSES:
            continue
        if actor.has_role("supervisor") or same_person(referral.claimant, actor):
            found.append(referral)
    return found


def render_queue(*, problem: str | None = None, status: int = 200):
    services = senim()
    target = queue_target()
    up_to_date = caught_up(QUEUE, latest=True)
    with services.views.transaction(write=False) as tx:
        rows = open_referrals(tx, target=target, deadlines=services.referrals.deadlines)
        claimed_ids = claimed_referrals(tx, target=target, limit=LIST_LIMIT)
    now = utc_now()
    claimed_id = request.args.get("claimed", "")[:40] if not problem else ""
    # Just claimed: shown as the user's even if the projection was slow to hear of it.
    items = [queue_item(row, now) for row in rows if row["referral_id"] != claimed_id]
    mine = in_progress(list(dict.fromkeys(([claimed_id] if claimed_id else []) + claimed_ids)))
    facts = facts_of([item["id"] for item in items], mine)
    return render_template(
        "web/psychologist/queue.html", items=items, target=target, mine=mine, now=now, facts=facts,
        no_facts=QueueFacts(), risk_level_name=risk_level_name,
        problem=problem, up_to_date=up_to_date, claimed=claimed_id, form=Form(formdata=None),
        targets=reference.CODE_LISTS["referral_targets"],
    ), status


@bp.route("/queue")
@page(*PSYCHOLOGIST_ROLES)
def queue():
    return render_queue()


def claim_refusal(referral_id: UUID, conflict: Conflict) -> str:
    """Why a claim lost, in words: who holds the referral now, or what became of it."""
    try:
        referral = senim().referrals.get(referral_id, actor=current_actor())
    except DomainError:
        return say(conflict)
    if referral.status in FINAL_STATUSES:
        return _("This referral is no longer waiting: its status is now “%(status)s”.",
                 status=referral_status(referral.status))
    if referral.claimant:
        return _("Someone else claimed this referral first: %(name)s. The queue below is up to date.",
                 name=staff_name(referral.claimant))
    return say(conflict)


@bp.route("/referrals/<uuid:referral_id>/claim", methods=["POST"])
@page(*CLAIMER_ROLES)
def claim(referral_id: UUID):
    from_referral = request.form.get("back") == "referral"
    try:
        written = senim().referrals.claim(referral_id, actor=current_actor())
    except Conflict as conflict:
        problem = claim_refusal(referral_id, conflict)
        if from_referral:
            return render_referral(referral_id, problem=problem, status=409)
        return render_queue(problem=problem, status=409)
    remember(written.position)
    if from_referral:
        flash(_("You claimed this referral. Schedule an appointment below."), "success")
        return redirect(url_for(".referral", referral_id=referral_id))
    return redirect(url_for(".queue", after=written.position, claimed=str(referral_id), target=queue_target()))
