"""Assessments: choosing a questionnaire (aggressor status, ODARA), answering it and reading the result."""
from uuid import UUID

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from domain import instruments
from domain.actor import CASEWORK_ROLES, same_person
from domain.errors import Forbidden, Invalid
from intake.running import senim
from intake.web.i18n import language
from intake.web.psychologist import (
    PSYCHOLOGIST_ROLES,
    bp,
    carry_out,
    clear_drafts,
    instrument_title,
    read,
    referred_name,
    remember,
)
from intake.web.psychologist_forms import EnrolForm, LinkForm, OverrideForm
from intake.web.refusals import say, say_all
from intake.web.session import current_actor, page

# Assessments -------------------------------------------------------------------------------------

def item_text(item: dict) -> str:
    return item.get(language(), item["en"])


GROUPS = ("violence", "risk", "readiness", "contraindication")


def group_title(group: str | None) -> str:
    return {
        "violence": _("Violence committed"), "risk": _("Signs of danger"),
        "readiness": _("Readiness to change (not scored)"),
        "contraindication": _("Contraindications for the correctional programme"),
        # family_needs: the three sides of a family's needs, and the care-loss risk
        "child_development": _("Child's development"), "parent_capacity": _("Parents' capacity"),
        "family_environment": _("Family and environment"),
        "care_loss": _("Risk of the child losing parental care"),
    }.get(group or "", "")


def uuid_arg(name: str) -> UUID | None:
    value = request.values.get(name) or ""
    try:
        return UUID(value) if value else None
    except ValueError:
        abort(404)


def assessment_link() -> dict:
    """What the new assessment belongs to: a referral (and its case), a case, or a contact."""
    referral_id, case_id, contact_id = uuid_arg("referral"), uuid_arg("case"), uuid_arg("contact")
    link = {"referral": None, "case_id": case_id, "contact_id": contact_id}
    if referral_id:
        referral = senim().referrals.get(referral_id, actor=current_actor())
        # Not the referral's contact: an assessment made from a referral is not made during that call, and
        # the contact is the consultant's record, which a psychologist may not name (links are checked).
        link.update(referral=referral, case_id=case_id or referral.case_id)
    return link


def answer_sections(spec: dict) -> list[dict]:
    sections: list[dict] = []
    for item in spec["items"]:
        group = item.get("group")
        if not sections or sections[-1]["group"] != group:
            sections.append({"group": group, "title": group_title(group), "items": []})
        sections[-1]["items"].append(item)
    return sections


def answer_label(answer: str) -> str:
    return {"yes": _("Yes"), "no": _("No"), "unknown": _("Unknown")}.get(answer, answer)


@bp.route("/assessments/new", methods=["GET", "POST"])
@page(*CASEWORK_ROLES)
def new_assessment():
    code = request.values.get("instrument", "")
    if code not in instruments.REGISTRY.codes():
        status = 404 if code else 200
        return render_template("web/psychologist/instruments.html", asked=code[:40], instrument_title=instrument_title,
                               codes=instruments.REGISTRY.codes(), link_args=link_args()), status
    spec = instruments.get(code)
    link = assessment_link()
    referral = link["referral"]
    if referral is not None and referral.subject_role not in spec["subject_roles"]:
        # An aggressor's questionnaire on a victim's referral (or the other way round): the fitting ones instead.
        refused = Invalid("subject_role", "assessment.subject_role", instrument=code, roles=spec["subject_roles"])
        return render_template(
            "web/psychologist/instruments.html", asked="", instrument_title=instrument_title, link_args=link_args(),
            codes=[one for one in instruments.REGISTRY.codes()
                   if referral.subject_role in instruments.get(one)["subject_roles"]],
            problem=say(refused), referral=referral), 422
    form = LinkForm()
    answers = {item["id"]: request.form.get(f"answer-{item['id']}") for item in spec["items"]} \
        if request.method == "POST" else {}
    errors: dict[str, list[str]] = {}
    problem, status = None, 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            given = {key[len("answer-"):]: value for key, value in request.form.items() if key.startswith("answer-")}
            fields = {"instrument": code, "answers": given, "case_id": link["case_id"], "contact_id": link["contact_id"],
                      **({"subject_role": referral.subject_role} if referral is not None else {})}
            try:
                written = senim().assessments.record(fields, actor=current_actor())
            except Invalid as invalid:
                errors = say_all(invalid)
                known = {f"answers.{item['id']}" for item in spec["items"]}
                problem = " ".join(message for key, messages in errors.items() if key not in known
                                   for message in messages) or None
            except Forbidden as refused:  # a case or contact named in the address that is not theirs
                problem, status = say(refused), 403
            else:
                remember(written.position)
                clear_drafts(draft_name(code, link))
                flash(_("The assessment is recorded."), "success")
                return redirect(url_for(".assessment", assessment_id=written.id,
                                        **({"referral": str(referral.id)} if referral else {})))
        else:
            problem = _("The form had expired. Send it once more.")
    return render_template(
        "web/psychologist/assessment_form.html", spec=spec, sections=answer_sections(spec), answers=answers,
        errors=errors, problem=problem, link=link, form=form, item_text=item_text, answer_label=answer_label,
        draft=draft_name(code, link), instrument_title=instrument_title, link_args=link_args(),
        assessed=assessed_person(link),
        missing=sum(1 for key in errors if key.startswith("answers.")),
        numbers={item["id"]: number for number, item in enumerate(spec["items"], 1)},
    ), status


def assessed_person(link: dict) -> str:
    """Who the questionnaire is about, as the reader may see them."""
    return referred_name(link["referral"]) if link["referral"] is not None else ""


def link_args() -> dict:
    return {key: request.values[key][:64] for key in ("referral", "case", "contact") if request.values.get(key)}


def draft_name(code: str, link: dict) -> str:
    target = link["referral"].id if link["referral"] else link["case_id"] or link["contact_id"] or "new"
    return f"assessment-{code}-{target}"


def render_assessment(assessment_id: UUID, *, form: OverrideForm | None = None, problem: str | None = None,
                      status: int = 200):
    actor = current_actor()
    service = senim().assessments
    found = service.get(assessment_id, actor=actor)
    read("assessment", assessment_id)
    spec = instruments.get(found.instrument, found.instrument_version)
    levels = {level["code"]: level.get(language(), level["en"]) for level in spec["scoring"]["levels"]}
    items = {item["id"]: item for item in spec["items"]}
    referral_id = uuid_arg("referral")
    enrol = EnrolForm(formdata=None, assessment=str(assessment_id), referral=str(referral_id or ""))
    override = form or OverrideForm(prefix="override", formdata=None)
    override.level.choices = level_choices(found, levels, actor)
    return render_template(
        "web/psychologist/assessment.html", assessment=found, spec=spec, levels=levels, items=items,
        sections=answer_sections(spec), overrides=service.overrides(found), item_text=item_text,
        answer_label=answer_label, instrument_title=instrument_title, result=found.result,
        referral_id=referral_id, enrol=enrol, may_enrol=actor.has_role(*PSYCHOLOGIST_ROLES),
        override=override, may_override=actor.has_role("supervisor") or same_person(found.assessed_by, actor),
        may_lower=actor.has_role("supervisor"), problem=problem, link_args=link_args(), group_title=group_title,
    ), status


def level_choices(found, levels: dict[str, str], actor) -> list[tuple[str, str]]:
    """The levels offered instead of the current one: any to a supervisor, only higher ones to others."""
    order = instruments.level_codes(found.instrument, found.instrument_version)
    current = order.index(found.level) if found.level in order else -1
    codes = [code for code in order if code != found.level] if actor.has_role("supervisor") else order[current + 1:]
    return [(code, levels.get(code, code)) for code in codes]


@bp.route("/assessments/<uuid:assessment_id>")
@page(*CASEWORK_ROLES)
def assessment(assessment_id: UUID):
    return render_assessment(assessment_id)


@bp.route("/assessments/<uuid:assessment_id>/override", methods=["POST"])
@page(*CASEWORK_ROLES)
def override_level(assessment_id: UUID):
    """The level changed by professional judgement; the domain decides who may raise or lower it."""
    form = OverrideForm(prefix="override")
    return carry_out(
        form, lambda form: senim().assessments.override(
            assessment_id, level=form.level.data, reason=form.reason.data, actor=current_actor()),
        fields={}, success=_("The level is changed."), draft=f"assessment-{assessment_id}-override",
        to=lambda written: url_for(".assessment", assessment_id=assessment_id, **link_args()),
        again=lambda problem, status: render_assessment(assessment_id, form=form, problem=problem, status=status))


@bp.route("/assessments/<uuid:assessment_id>/override")
@page(*CASEWORK_ROLES)
def override_page(assessment_id: UUID):
    """The action's address opened as a page (e.g. after changing the language on a refused form)."""
    return redirect(url_for(".assessment", assessment_id=assessment_id, **link_args()))
