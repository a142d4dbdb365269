"""Least privilege as a full matrix: every API operation × every role × ownership.

Who is who in the world below:
- `owner`: the consultant who recorded the contact, opened the case, made the referral and the
  victim-risk assessment; `other`: another consultant;
- `claimer`: the psychologist who claimed the family-service referral (and so works the case);
  `psy`: another psychologist;
- `supervisor`, `admin`, and `anonymous` (no token).

Linking is not a key: a write naming a record (a contact naming the world's case, a referral
naming its contact, …) passes only for those who may already see that record. Such rows carry a
`#what-they-name` after the path (the same operation with another body); `{own_contact_id}` is a
contact the role recorded itself.

Expectations: "ok" (a read answers 200), "allowed" (a write passes the permission check: it may
still meet a state conflict or a rule, 409/422, because earlier cells changed the world), or the
exact refusal (401, 403). The test fails when the OpenAPI document lists an operation that is
missing here, so a new endpoint cannot ship without deciding who may use it.
"""
from datetime import datetime, timedelta, timezone
from functools import cached_property

from domain import instruments

ROLES = ("anonymous", "owner", "other", "claimer", "psy", "supervisor", "admin")
OK, ALLOWED = "ok", "allowed"
STAFF = ("owner", "other", "claimer", "psy", "supervisor")


def only(*who: str, yes=OK) -> dict:
    """These roles get `yes`; every other signed-in role gets 403; anonymous 401."""
    return {role: (401 if role == "anonymous" else yes if role in who else 403) for role in ROLES}


EVERY_STAFF_ROLE = ("owner", "other", "claimer", "psy", "supervisor", "admin")
PSYCHOLOGISTS_AND_SUPERVISOR = ("claimer", "psy", "supervisor")
CONTACT_OWNERS = ("owner", "supervisor")
CASE_WORKERS = ("owner", "claimer", "supervisor")  # who sees the world's case

# (method, path): (expectations, body or a function of the world giving it). Reads first: the
# writes run afterwards, in this order, and the destructive ones (closing, erasing, disabling) last.
MATRIX = {
    ("GET", "/api/v1/reference"): (only(*EVERY_STAFF_ROLE), None),
    ("GET", "/api/v1/instruments"): (only(*EVERY_STAFF_ROLE), None),
    ("GET", "/api/v1/contacts/{contact_id}"): (only(*CONTACT_OWNERS), None),
    ("GET", "/api/v1/contacts/{contact_id}/history"): (only(*CONTACT_OWNERS), None),
    ("GET", "/api/v1/referrals/{referral_id}"): (only("owner", "claimer", "psy", "supervisor"), None),
    ("GET", "/api/v1/referral-queue?target=family_service"): (only(*PSYCHOLOGISTS_AND_SUPERVISOR), None),
    ("GET", "/api/v1/assessments/{assessment_id}"): (only(*CONTACT_OWNERS), None),
    ("GET", "/api/v1/assessments/{assessment_id}/history"): (only(*CONTACT_OWNERS), None),
    ("GET", "/api/v1/journals/{service}"): (only(*STAFF), None),
    ("GET", "/api/v1/stats/contacts"): (only("supervisor"), None),
    ("GET", "/api/v1/stats/referrals"): (only("supervisor"), None),
    ("GET", "/api/v1/stats/programme"): (only("supervisor"), None),
    ("GET", "/api/v1/stats/assessments"): (only("supervisor"), None),
    ("GET", "/api/v1/projections"): (only("supervisor", "admin"), None),
    ("GET", "/api/v1/escalations"): (only("supervisor"), None),
    ("GET", "/api/v1/appointments"): (only(*PSYCHOLOGISTS_AND_SUPERVISOR), None),
    ("GET", "/api/v1/users"): (only("admin"), None),
    ("GET", "/api/v1/users/{user_id}"): (only("admin"), None),
    ("GET", "/api/v1/users/{psychologist_id}/working-hours"): (only("claimer", "psy", "supervisor", "admin"), None),
    ("GET", "/api/v1/users/approvals"): (only("supervisor", "admin"), None),
    ("GET", "/api/v1/users/approvals/{change_id}"): (only("supervisor", "admin"), None),
    ("GET", "/api/v1/programme/{participation_id}"): (only(*PSYCHOLOGISTS_AND_SUPERVISOR), None),
    ("GET", "/api/v1/cases"): (only(*STAFF), None),
    ("GET", "/api/v1/cases/{case_id}"): (only("owner", "claimer", "supervisor"), None),
    ("GET", "/api/v1/cases/{case_id}/history"): (only("supervisor"), None),
    # The development plan, reviews and needs of a case: whoever sees the case (issue 12).
    ("GET", "/api/v1/cases/{case_id}/plan"): (only(*CASE_WORKERS), None),
    ("GET", "/api/v1/cases/{case_id}/reviews"): (only(*CASE_WORKERS), None),
    ("GET", "/api/v1/cases/{case_id}/needs"): (only(*CASE_WORKERS), None),
    ("GET", "/api/v1/audit/access"): (only("supervisor"), None),
    # Caseloads: one's own (supervisors: anyone's); case statistics for supervisors (issue 12).
    ("GET", "/api/v1/caseload"): (only(*STAFF), None),
    ("GET", "/api/v1/stats/cases"): (only("supervisor"), None),
    # Psychologists get an answer about their own contacts only (see test_links_are_not_keys).
    ("POST", "/api/v1/callers/lookup"): (only(*STAFF), {"phone": "+7 701 111 2233"}),
    # Writes.
    ("POST", "/api/v1/contacts"): (only(*STAFF, yes=ALLOWED), lambda w, role: w.contact_body()),
    ("POST", "/api/v1/contacts/{contact_id}/amendments"): (
        only(*CONTACT_OWNERS, yes=ALLOWED),
        lambda w, role: {"changes": {"categories": ["family_conflict" if role == "owner" else "other"]},
                         "reason": "heard again"}),
    ("POST", "/api/v1/contacts/{contact_id}/completion"): (only(*CONTACT_OWNERS, yes=ALLOWED), {}),
    ("POST", "/api/v1/referrals"): (only(*STAFF, yes=ALLOWED), lambda w, role: w.referral_body()),
    ("POST", "/api/v1/calls"): (only(*STAFF, yes=ALLOWED), lambda w, role: w.call_body()),
    # The linking writes: naming the world's case, or its contact, opens nothing to those who do not see it.
    ("POST", "/api/v1/contacts#naming-the-case"): (
        only(*CASE_WORKERS, yes=ALLOWED), lambda w, role: {**w.contact_body(), "case_id": w.case}),
    ("POST", "/api/v1/contacts/{own_contact_id}/amendments#naming-the-case"): (
        only(*CASE_WORKERS, yes=ALLOWED), lambda w, role: {"changes": {"case_id": w.case}, "reason": "same family"}),
    ("POST", "/api/v1/calls#naming-the-case"): (
        only(*CASE_WORKERS, yes=ALLOWED), lambda w, role: w.call_body(case_id=w.case)),
    ("POST", "/api/v1/referrals#naming-the-case"): (
        only(*CASE_WORKERS, yes=ALLOWED), lambda w, role: w.referral_body(case_id=w.case)),
    ("POST", "/api/v1/referrals#naming-the-contact"): (
        only(*CONTACT_OWNERS, yes=ALLOWED), lambda w, role: w.referral_body(contact_id=w.contact)),
    ("POST", "/api/v1/assessments#naming-the-case"): (
        only(*CASE_WORKERS, yes=ALLOWED), lambda w, role: w.victim_risk_body(case_id=w.case)),
    ("POST", "/api/v1/assessments#naming-the-contact"): (
        only(*CONTACT_OWNERS, yes=ALLOWED), lambda w, role: w.victim_risk_body(contact_id=w.contact)),
    ("POST", "/api/v1/referrals/{referral_id}/claim"): (only("claimer", "psy", "supervisor", yes=ALLOWED), None),
    ("POST", "/api/v1/referrals/{referral_id}/schedule"): (
        only("claimer", "supervisor", yes=ALLOWED), lambda w, role: {"at": w.tomorrow_noon(), "format": "in_person"}),
    ("POST", "/api/v1/referrals/{referral_id}/attendance"): (
        only("claimer", "supervisor", yes=ALLOWED), {"attended": True}),
    ("POST", "/api/v1/assessments"): (only(*STAFF, yes=ALLOWED), lambda w, role: w.victim_risk_body()),
    ("POST", "/api/v1/assessments/{assessment_id}/override"): (
        only(*CONTACT_OWNERS, yes=ALLOWED),
        lambda w, role: {"level": "medium" if role == "supervisor" else "high", "reason": "the caller said more"}),
    # Enrolment names the claimer's assessment: only those who may see it enrol on it.
    ("POST", "/api/v1/programme"): (only("claimer", "supervisor", yes=ALLOWED),
                                    lambda w, role: {"assessment_id": w.aggressor_assessment}),
    # A psychologist writes only to participations they run (the claimer enrolled this one).
    ("POST", "/api/v1/programme/{participation_id}/sessions"): (
        only("claimer", "supervisor", yes=ALLOWED), lambda w, role: {"at": w.an_hour_ago(), "attended": True}),
    ("POST", "/api/v1/cases"): (only(*STAFF, yes=ALLOWED), {"summary": "a new family"}),
    ("POST", "/api/v1/cases/{case_id}/persons"): (
        only("owner", "claimer", "supervisor", yes=ALLOWED), {"role": "aggressor", "name": "Ерлан"}),
    # A child's name is hidden from psychologists, so they may not give it (they may add the child by role).
    ("POST", "/api/v1/cases/{case_id}/persons#a-childs-name"): (
        only("owner", "supervisor", yes=ALLOWED), {"role": "child", "name": "Әлия"}),
    # What a role cannot see, it cannot change: the victim's address is hidden from the claimer.
    ("PATCH", "/api/v1/cases/{case_id}/persons/{person_id}"): (
        only("owner", "supervisor", yes=ALLOWED), lambda w, role: {"address": f"Шымкент, {role}"}),
    ("POST", "/api/v1/cases/{case_id}/persons/{person_id}"): (
        only("owner", "supervisor", yes=ALLOWED), lambda w, role: {"address": f"Астана, {role}"}),
    ("POST", "/api/v1/cases/{case_id}/notes"): (only("owner", "claimer", "supervisor", yes=ALLOWED), {"text": "called back"}),
    # Joining a case is an act of its owner or a supervisor, with a reason.
    ("POST", "/api/v1/cases/{case_id}/workers"): (
        only("owner", "supervisor", yes=ALLOWED),
        lambda w, role: {"user_id": w.joiners.get(role, w.joiners["owner"]), "reason": "covers the night shift"}),
    # Case conferences: psychologists and supervisors schedule; whoever sees a case of its agenda (or attends)
    # sees the meeting; whoever sees the case records its decisions and actions.
    ("GET", "/api/v1/conferences"): (only(*STAFF), None),
    ("GET", "/api/v1/conferences/{conference_id}"): (only(*CASE_WORKERS), None),
    ("GET", "/api/v1/conferences/{conference_id}/minutes?agency=Полиция"): (only(*CASE_WORKERS), None),
    ("POST", "/api/v1/conferences"): (only("claimer", "psy", "supervisor", yes=ALLOWED),
                                      lambda w, role: {"kind": "intervision", "held_on": w.today()}),
    ("POST", "/api/v1/conferences#naming-the-case"): (
        only("claimer", "supervisor", yes=ALLOWED),
        lambda w, role: {"kind": "supervision", "held_on": w.today(), "case_ids": [w.case]}),
    ("POST", "/api/v1/conferences/{conference_id}/cases"): (only(*CASE_WORKERS, yes=ALLOWED), lambda w, role: {
        "case_id": w.case}),
    ("POST", "/api/v1/conferences/{conference_id}/discussions"): (
        only(*CASE_WORKERS, yes=ALLOWED), lambda w, role: {"case_id": w.case, "decisions": "keep the plan"}),
    ("POST", "/api/v1/conferences/{conference_id}/actions"): (
        only(*CASE_WORKERS, yes=ALLOWED),
        lambda w, role: {"case_id": w.case, "text": "visit", "owner": {"kind": "agency", "agency": "Полиция"},
                         "due_on": w.today()}),
    ("POST", "/api/v1/conferences/{conference_id}/actions/{action_id}/done"): (only(*CASE_WORKERS, yes=ALLOWED), {}),
    # The plan of the world's case: whoever sees the case writes it ({goal_id}, {activity_id}: the world's).
    ("POST", "/api/v1/cases/{case_id}/plan/goals"): (
        only(*CASE_WORKERS, yes=ALLOWED), lambda w, role: w.goal_body()),
    ("PATCH", "/api/v1/cases/{case_id}/plan/goals/{goal_id}"): (
        only(*CASE_WORKERS, yes=ALLOWED), lambda w, role: {"text": f"Школа, {role}", "reason": "уточнили"}),
    ("POST", "/api/v1/cases/{case_id}/plan/goals/{goal_id}/activities"): (
        only(*CASE_WORKERS, yes=ALLOWED), lambda w, role: {**w.goal_body(), "text": "встреча с учителем"}),
    ("POST", "/api/v1/cases/{case_id}/plan/activities/{activity_id}/done"): (only(*CASE_WORKERS, yes=ALLOWED), {}),
    ("POST", "/api/v1/cases/{case_id}/plan/activities/{activity_id}/drop"): (
        only(*CASE_WORKERS, yes=ALLOWED), {"reason": "не понадобилось"}),
    ("POST", "/api/v1/assessments#family-needs-of-the-case"): (
        only(*CASE_WORKERS, yes=ALLOWED),
        lambda w, role: {"instrument": "family_needs", "case_id": w.case,
                         "answers": {item["id"]: "no" for item in instruments.get("family_needs")["items"]}}),
    ("POST", "/api/v1/cases/{case_id}/reviews"): (
        only(*CASE_WORKERS, yes=ALLOWED),
        lambda w, role: {"family_progress": "stable", "decisions": "продолжить", "next_review_on": w.in_a_month()}),
    ("POST", "/api/v1/cases/{case_id}/plan/goals/{goal_id}/close"): (
        only(*CASE_WORKERS, yes=ALLOWED), {"status": "achieved"}),
    ("PUT", "/api/v1/users/{psychologist_id}/working-hours"): (
        only("claimer", "supervisor", "admin", yes=ALLOWED), lambda w, role: {"schedule": w.office_hours()}),
    ("PUT", "/api/v1/users/{user_id}/display-names"): (
        only("admin", yes=ALLOWED), {"kk": "Әйгерім Серікқызы", "ru": "Айгерим Серикқызы"}),
    ("POST", "/api/v1/users"): (only("admin", yes=ALLOWED), lambda w, role: w.user_body()),
    ("POST", "/api/v1/users/{user_id}/role"): (only("admin", yes=ALLOWED), {"role": "supervisor"}),
    ("POST", "/api/v1/users/{user_id}/password"): (only("admin", yes=ALLOWED), {"password": "a new password 1"}),
    ("POST", "/api/v1/users/{user_id}/disable"): (only("admin", yes=ALLOWED), {"reason": "left"}),
    ("POST", "/api/v1/users/{user_id}/enable"): (only("admin", yes=ALLOWED), None),
    # The world's pending change was asked for by the admin: only someone else decides on it.
    ("POST", "/api/v1/users/approvals/{change_id}/approve"): (only("supervisor", yes=ALLOWED), None),
    ("POST", "/api/v1/users/approvals/{change_id}/reject"): (only("supervisor", yes=ALLOWED), {"reason": "no"}),
    # Questionnaires (issue 13): definitions for all staff; responses written by casework staff, read by
    # supervisors; a feedback link read back (with its QR code) by its maker (the owner) and supervisors.
    ("GET", "/api/v1/questionnaires"): (only(*EVERY_STAFF_ROLE), None),
    ("GET", "/api/v1/questionnaire-responses/{response_id}"): (only("supervisor"), None),
    ("GET", "/api/v1/feedback-links/{link_id}"): (only("owner", "supervisor"), None),
    ("GET", "/api/v1/feedback-links/{link_id}/qr.png"): (only("owner", "supervisor"), None),
    ("GET", "/api/v1/feedback-links/{link_id}/qr.svg"): (only("owner", "supervisor"), None),
    ("GET", "/api/v1/questionnaires/{code}/analysis"): (only("supervisor"), None),
    ("GET", "/api/v1/questionnaires/{code}/analysis.xlsx"): (only("supervisor"), None),
    ("GET", "/api/v1/questionnaires/{code}/analysis.pdf"): (only("supervisor"), None),
    ("GET", "/api/v1/stats/questionnaires"): (only("supervisor"), None),
    ("POST", "/api/v1/questionnaire-responses"): (only(*STAFF, yes=ALLOWED), lambda w, role: w.feedback_body()),
    ("POST", "/api/v1/questionnaire-responses#naming-the-contact"): (
        only(*CONTACT_OWNERS, yes=ALLOWED), lambda w, role: w.feedback_body(about={"kind": "contact", "id": w.contact})),
    ("POST", "/api/v1/feedback-links"): (only(*STAFF, yes=ALLOWED), {"questionnaire": "consultation_feedback"}),
    ("POST", "/api/v1/feedback-links#naming-the-contact"): (
        only(*CONTACT_OWNERS, yes=ALLOWED),
        lambda w, role: {"questionnaire": "consultation_feedback", "about": {"kind": "contact", "id": w.contact}}),
    # Casework on the world's case (issue 12): the agreement, the victim's safe contact and safety plan
    # (hidden from and refused to the claimer, a psychologist), follow-ups (409 while the case is open).
    ("PUT", "/api/v1/cases/{case_id}/agreement"): (
        only(*CASE_WORKERS, yes=ALLOWED), {"service": "family_service", "source": "guardianship",
                                           "agreement_on": "2025-01-15", "term_months": 24}),
    ("GET", "/api/v1/cases/{case_id}/agreement"): (only(*CASE_WORKERS), None),
    ("PUT", "/api/v1/cases/{case_id}/persons/{person_id}/safe-contact"): (
        only("owner", "supervisor", yes=ALLOWED), {"channels": ["whatsapp"], "times": "mornings", "leave_message": "no"}),
    ("GET", "/api/v1/cases/{case_id}/persons/{person_id}/safe-contact"): (only(*CASE_WORKERS), None),
    ("POST", "/api/v1/cases/{case_id}/safety-plans"): (
        only("owner", "supervisor", yes=ALLOWED),
        lambda w, role: {"person_id": w.victim, "steps": ["safe_place"], "agreed_on": "2025-01-15",
                         "review_on": "2030-01-15"}),
    ("GET", "/api/v1/cases/{case_id}/safety-plans"): (only(*CASE_WORKERS), None),
    ("PUT", "/api/v1/cases/{case_id}/safety-plans/{person_id}"): (
        only("owner", "supervisor", yes=ALLOWED), {"steps": ["safe_place", "bag_ready"], "agreed_on": "2025-01-15",
                                                   "review_on": "2030-01-15", "reason": "a bag is packed"}),
    ("GET", "/api/v1/cases/{case_id}/safety-plans/{person_id}"): (only("owner", "supervisor"), None),
    ("POST", "/api/v1/cases/{case_id}/follow-ups"): (
        only(*CASE_WORKERS, yes=ALLOWED), {"due_months": 3, "finding": "doing_well"}),
    ("GET", "/api/v1/cases/{case_id}/follow-ups"): (only(*CASE_WORKERS), None),
    # Endings last. (Psychologists see every referral to their service, so its state is no secret to
    # them: a step the state forbids is 409 before who may take it is asked.)
    ("POST", "/api/v1/referrals/{referral_id}/release"): (
        only("claimer", "psy", "supervisor", yes=ALLOWED), {"reason": "on leave"}),
    ("POST", "/api/v1/referrals/{referral_id}/complete"): (
        only("claimer", "psy", "supervisor", yes=ALLOWED), {"outcome": "consulted"}),
    ("POST", "/api/v1/referrals/{police_referral_id}/decline"): (
        only("supervisor", yes=ALLOWED), {"reason": "not for us"}),
    ("POST", "/api/v1/referrals/{police_referral_id}/cancel"): (
        only("owner", "supervisor", yes=ALLOWED), {"reason": "made twice"}),
    ("POST", "/api/v1/programme/{participation_id}/complete"): (
        only("claimer", "supervisor", yes=ALLOWED), {"outcome": "completed"}),
    ("POST", "/api/v1/programme/{participation_id}/drop-out"): (
        only("claimer", "supervisor", yes=ALLOWED), {"reason": "moved away"}),
    ("POST", "/api/v1/cases/{case_id}/closure"): (only("owner", "supervisor", yes=ALLOWED), {"reason": "safe now"}),
    ("POST", "/api/v1/cases/{case_id}/reopening"): (only("owner", "supervisor", yes=ALLOWED), {"reason": "called again"}),
    ("POST", "/api/v1/cases/{case_id}/owner"): (only("supervisor", yes=ALLOWED),
                                               lambda w, role: {"user_id": w.new_owner}),
    ("POST", "/api/v1/persons/{person_id}/erasure"): (only("supervisor", yes=ALLOWED), {"reason": "the law requires it"}),
    ("GET", "/api/v1/persons/{person_id}/erasure"): (only("supervisor"), None),
    # Group programmes (the world's group is planned and facilitated by the claimer) and trainings: psychologists
    # and supervisors; a group is seen and run by its facilitators and supervisors; programmes are defined by
    # supervisors; group statistics are the supervisor's, as every statistic.
    ("GET", "/api/v1/programmes"): (only(*PSYCHOLOGISTS_AND_SUPERVISOR), None),
    ("GET", "/api/v1/programmes/{programme_id}"): (only(*PSYCHOLOGISTS_AND_SUPERVISOR), None),
    ("GET", "/api/v1/groups"): (only(*PSYCHOLOGISTS_AND_SUPERVISOR), None),
    ("GET", "/api/v1/groups/{group_id}"): (only("claimer", "supervisor"), None),
    ("GET", "/api/v1/groups/{group_id}/participants/{completed_participant_id}/certificate"): (
        only("claimer", "supervisor"), None),
    ("GET", "/api/v1/trainings"): (only(*PSYCHOLOGISTS_AND_SUPERVISOR), None),
    ("GET", "/api/v1/trainings/{training_id}"): (only(*PSYCHOLOGISTS_AND_SUPERVISOR), None),
    ("GET", "/api/v1/stats/groups?age_bands=13-16,17-22,59-&group_by=age_band"): (only("supervisor"), None),
    ("POST", "/api/v1/programmes"): (only("supervisor", yes=ALLOWED), lambda w, role: w.programme_body()),
    ("POST", "/api/v1/programmes/{programme_id}/versions"): (
        only("supervisor", yes=ALLOWED), lambda w, role: w.programme_body()),
    ("POST", "/api/v1/groups"): (only(*PSYCHOLOGISTS_AND_SUPERVISOR, yes=ALLOWED), lambda w, role: w.group_body()),
    ("POST", "/api/v1/groups/{group_id}/participants"): (
        only("claimer", "supervisor", yes=ALLOWED), {"name": "Сауле", "sex": "female", "age": 30}),
    ("POST", "/api/v1/groups/{group_id}/sessions/{number}"): (
        only("claimer", "supervisor", yes=ALLOWED), lambda w, role: {"held_on": w.today(), "topic": "boundaries"}),
    ("POST", "/api/v1/groups/{group_id}/sessions/{number}/attendance"): (
        only("claimer", "supervisor", yes=ALLOWED), lambda w, role: {"attendance": {w.group["participant_id"]: 1}}),
    ("POST", "/api/v1/trainings"): (only(*PSYCHOLOGISTS_AND_SUPERVISOR, yes=ALLOWED), lambda w, role: w.training_body()),
    ("POST", "/api/v1/trainings/{training_id}/participants"): (
        only(*PSYCHOLOGISTS_AND_SUPERVISOR, yes=ALLOWED), {"name": "Ержан", "organisation": "Полиция"}),
    ("POST", "/api/v1/groups/{group_id}/participants/{participant_id}/drop-out"): (
        only("claimer", "supervisor", yes=ALLOWED), {"reason": "moved away"}),
    ("POST", "/api/v1/groups/{group_id}/finish"): (only("claimer", "supervisor", yes=ALLOWED), None),
}

# The same path with another record in it: the contract's path, and which world id fills it.
PATH_ALIASES = {"{completed_participant_id}": "{participant_id}", "{psychologist_id}": "{user_id}", "{police_referral_id}": "{referral_id}",
                "{own_contact_id}": "{contact_id}"}


class World:
    """The records every cell of the matrix is tried against."""

    def __init__(self, client, make_user):
        self.client = client
        self.headers, self.ids = {"anonymous": {}}, {}
        for role, staff_role in (("owner", "consultant"), ("other", "consultant"), ("claimer", "psychologist"),
                                 ("psy", "psychologist"), ("supervisor", "supervisor"), ("admin", "admin")):
            actor, headers = make_user(staff_role)
            self.headers[role], self.ids[role] = headers, actor.user_id
        self.spare_user = make_user("consultant")[0].user_id  # the user the admin cells change
        self.new_owner = make_user("consultant")[0].user_id  # who the supervisor hands the case to
        self.joiners = {role: make_user("consultant")[0].user_id for role in ("owner", "supervisor")}
        owner, claimer = self.headers["owner"], self.headers["claimer"]
        self.contact = self.post("/api/v1/contacts", self.contact_body(phone="+7 701 111 2233"), owner)["id"]
        # A contact of each role's own, which it may then try to amend into the world's case.
        self.own_contacts = {role: self.post("/api/v1/contacts", self.contact_body(), self.headers[role])["id"]
                             for role in STAFF}
        self.case = self.post("/api/v1/cases", {"contact_id": self.contact, "summary": "a family in danger"}, owner)["id"]
        self.victim = self.post(f"/api/v1/cases/{self.case}/persons", {
            "role": "victim", "name": "Айгүл", "phone": "+7 701 111 2233", "address": "Алматы, Абай 10"},
            owner)["id"]
        self.post(f"/api/v1/cases/{self.case}/persons", {"role": "aggressor", "name": "Болат"}, owner)
        self.referral = self.post("/api/v1/referrals", self.referral_body(case_id=self.case, contact_id=self.contact),
                                  owner)["id"]
        self.police_referral = self.post("/api/v1/referrals", self.referral_body(target="police",
                                                                                 contact_id=self.contact), owner)["id"]
        self.assessment = self.post("/api/v1/assessments", self.victim_risk_body(case_id=self.case), owner)["id"]
        self.post(f"/api/v1/referrals/{self.referral}/claim", None, claimer)
        self.put(f"/api/v1/users/{self.ids['claimer']}/working-hours", {"schedule": self.office_hours()}, claimer)
        answers = {item["id"]: "no" for item in instruments.get("aggressor_status")["items"]}
        self.aggressor_assessment = self.post("/api/v1/assessments", {
            "instrument": "aggressor_status", "answers": {**answers, "physical_violence": "yes"},
            "case_id": self.case}, claimer)["id"]
        self.participation = self.post("/api/v1/programme", {"assessment_id": self.aggressor_assessment},
                                       claimer)["id"]
        pending = self.client.post("/api/v1/users", json={**self.user_body(), "role": "supervisor"},
                                   headers=self.headers["admin"])
        assert pending.status_code == 202, pending.json
        self.change = pending.json["id"]
        self.response = self.post("/api/v1/questionnaire-responses", self.feedback_body(), owner)["id"]
        self.link = self.post("/api/v1/feedback-links", {"questionnaire": "consultation_feedback"}, owner)["id"]
        self.goal = self.post(f"/api/v1/cases/{self.case}/plan/goals", self.goal_body(), owner)["id"]
        self.activity = self.post(f"/api/v1/cases/{self.case}/plan/goals/{self.goal}/activities",
                                  {**self.goal_body(), "text": "встреча"}, owner)["id"]

    def post(self, path, body, headers):
        response = self.client.post(path, json=body, headers=headers)
        assert response.status_code in (200, 201), (path, response.json)
        return response.json

    def put(self, path, body, headers):
        response = self.client.put(path, json=body, headers=headers)
        assert response.status_code == 200, (path, response.json)

    def path(self, template: str, role: str = "anonymous") -> str:
        template = template.partition("#")[0]
        values = {"{own_contact_id}": self.own_contacts.get(role, self.contact),
                  "{contact_id}": self.contact, "{case_id}": self.case, "{person_id}": self.victim,
                  "{referral_id}": self.referral, "{police_referral_id}": self.police_referral,
                  "{assessment_id}": self.assessment, "{participation_id}": self.participation,
                  "{user_id}": self.spare_user, "{change_id}": self.change, "{psychologist_id}": self.ids["claimer"], "{service}": "helpline",
                  "{response_id}": self.response, "{link_id}": self.link, "{code}": "consultation_feedback",
                  "{goal_id}": self.goal, "{activity_id}": self.activity}
        if "{group_id}" in template:
            values = {"{completed_participant_id}": self.group["completed_participant_id"],
                      "{participant_id}": self.group["participant_id"], "{group_id}": self.group["id"],
                      "{number}": 9} | values
        if "{training_id}" in template:
            values |= {"{training_id}": self.training}
        values |= {"{programme_id}": "strong_parents"}
        if "{conference_id}" in template:
            values |= {"{conference_id}": self.conference["id"], "{action_id}": self.conference["action_id"]}
        for name, value in values.items():
            template = template.replace(name, str(value))
        return template

    @cached_property
    def conference(self) -> dict:
        """A meeting held today with the world's case on its agenda and one action of an agency."""
        supervisor = self.headers["supervisor"]
        conference = self.post("/api/v1/conferences", {"kind": "multi_agency", "held_on": self.today(),
                                                       "agencies": ["Полиция"], "case_ids": [self.case]}, supervisor)
        action = self.post(f"/api/v1/conferences/{conference['id']}/actions", {
            "case_id": self.case, "text": "call the school", "owner": {"kind": "agency", "agency": "Полиция"},
            "due_on": self.today()}, supervisor)
        return {"id": conference["id"], "action_id": action["action_id"]}

    @cached_property
    def group(self) -> dict:
        """A parent course of the claimer's, in the past, with one participant enrolled and one who completed."""
        claimer = self.headers["claimer"]
        group = self.post("/api/v1/groups", self.group_body(), claimer)["id"]
        enrolled = self.post(f"/api/v1/groups/{group}/participants", {"name": "Айгерим"}, claimer)["participant_id"]
        completed = self.post(f"/api/v1/groups/{group}/participants", {"name": "Гульнара"}, claimer)["participant_id"]
        for number, entry in enumerate(self.group_body()["timetable"][:8], 1):
            self.post(f"/api/v1/groups/{group}/sessions/{number}", {"held_on": entry["starts_at"][:10], "topic": "t"},
                      claimer)
            self.post(f"/api/v1/groups/{group}/sessions/{number}/attendance", {"attendance": {completed: True}},
                      claimer)
        return {"id": group, "participant_id": enrolled, "completed_participant_id": completed}

    @cached_property
    def training(self) -> str:
        return self.post("/api/v1/trainings", self.training_body(), self.headers["claimer"])["id"]

    def group_body(self) -> dict:
        from domain.clock import SERVICE_TIMEZONE
        first = datetime.now(SERVICE_TIMEZONE).replace(hour=10, minute=0, second=0, microsecond=0) - timedelta(weeks=10)
        return {"programme": "strong_parents", "facilitators": [self.ids["claimer"]], "capacity": 30,
                "place": "room 2", "timetable": [{"starts_at": (first + timedelta(weeks=n)).isoformat(), "minutes": 120}
                                                 for n in range(10)]}

    def training_body(self) -> dict:
        return {"kind": "webinar", "audience": "juvenile_police", "held_on": self.today(), "trainers": ["Динара"],
                "topic": "violence", "regions": ["almaty"]}

    @staticmethod
    def programme_body() -> dict:
        return {"names": {"kk": "Топ", "ru": "Группа", "en": "Group"}, "kind": "parent_course", "sessions": 10,
                "hours": 20, "min_hours": 16}

    @staticmethod
    def today() -> str:
        from domain.clock import local, utc_now
        return local(utc_now()).date().isoformat()

    @staticmethod
    def an_hour_ago() -> str:
        return (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat()

    @staticmethod
    def tomorrow_noon() -> str:
        from domain.clock import SERVICE_TIMEZONE
        day = datetime.now(SERVICE_TIMEZONE).date() + timedelta(days=1)
        return datetime(day.year, day.month, day.day, 12, 0, tzinfo=SERVICE_TIMEZONE).isoformat()

    @staticmethod
    def in_a_month() -> str:
        return (datetime.now(timezone.utc) + timedelta(days=30)).date().isoformat()

    @staticmethod
    def goal_body() -> dict:
        return {"text": "ребёнок ходит в школу", "due_on": "2030-06-01",
                "responsible": {"kind": "partner", "organisation": "школа"}}

    @staticmethod
    def office_hours() -> dict:
        day = [{"start": "08:00", "end": "20:00"}]
        return {name: day for name in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")}

    def contact_body(self, **caller) -> dict:
        return {"service": "helpline", "channel": "phone", "contact_type": "counselling",
                "started_at": self.an_hour_ago(), "caller": {"role": "victim", **caller},
                "consent": {"services": True, "reporting": True}}

    def referral_body(self, target: str = "family_service", **extra) -> dict:
        return {"source": "helpline", "target": target, "urgency": "routine", "reason": "asks for help",
                "consent": {"services": True}, "subject_role": "aggressor", **extra}

    def call_body(self, **contact) -> dict:
        """A call with its checklist and referral; naming a case (case_id) it joins that case."""
        referral = {key: value for key, value in self.referral_body().items() if key != "subject_role"}
        return {"contact": {**self.contact_body(), **contact},
                "checklist": {"answers": self.victim_risk_body()["answers"]}, "referral": referral}

    def victim_risk_body(self, **extra) -> dict:
        answers = {item["id"]: "no" for item in instruments.get("victim_risk")["items"]}
        return {"instrument": "victim_risk", "answers": answers, **extra}

    @staticmethod
    def feedback_body(**extra) -> dict:
        answers = {"satisfied": 5, "listened": 4, "helped": "yes", "own_language": "yes", "recommend": "yes",
                   "comment": "thank you"}
        return {"questionnaire": "consultation_feedback", "answers": answers, **extra}

    def user_body(self) -> dict:
        import uuid
        return {"username": f"new-{uuid.uuid4().hex[:6]}", "role": "consultant", "password": "a good password 1"}


def contract_path(path: str) -> str:
    path = path.partition("#")[0].partition("?")[0]
    for alias, name in PATH_ALIASES.items():
        path = path.replace(alias, name)
    return path


def test_every_operation_of_the_api_is_in_the_matrix(client):
    spec = client.get("/api/v1/openapi.json").json
    documented = {(method.upper(), path) for path, operations in spec["paths"].items()
                  for method in operations if method in ("get", "post", "put", "patch", "delete")}
    covered = {(method, contract_path(path)) for method, path in MATRIX}
    assert documented - covered == set(), "decide who may use these operations, and add them to MATRIX"
    assert covered - documented == set()


def test_each_role_gets_exactly_what_the_matrix_says(client, make_user, subtests):
    world = World(client, make_user)
    for (method, template), (expectations, body) in MATRIX.items():
        for role in ROLES:
            payload = body(world, role) if callable(body) else body
            response = client.open(world.path(template, role), method=method, json=payload,
                                   headers=world.headers[role])
            expected = expectations[role]
            with subtests.test(f"{method} {template} as {role}"):
                assert response.status_code < 500, response.json
                if expected == OK:
                    assert response.status_code == 200, response.json
                elif expected == ALLOWED and role != "anonymous":
                    # Past the permission check: done, or refused by the state or a rule of the record.
                    assert response.status_code in (200, 201, 202, 204, 409), response.json
                elif expected == OK:
                    assert response.status_code == 200, response.json
                elif expected == ALLOWED:
                    assert response.status_code in (200, 201, 202, 204, 409, 422), response.json
                else:
                    assert response.status_code == expected, response.json


def test_a_psychologist_working_the_case_never_sees_the_victims_details(client, make_user):
    world = World(client, make_user)
    case = client.get(f"/api/v1/cases/{world.case}", headers=world.headers["claimer"]).json
    victim = next(person for person in case["persons"] if person["person_id"] == world.victim)
    assert victim["redacted"] is True
    assert victim["name"] is None and victim["phone"] is None and victim["address"] is None
    text = str(case)
    assert "Айгүл" not in text and "Абай" not in text and "111 2233" not in text
    as_owner = client.get(f"/api/v1/cases/{world.case}", headers=world.headers["owner"]).json
    assert any(person.get("name") == "Айгүл" for person in as_owner["persons"])


def test_an_admin_reads_no_case_content_anywhere(client, make_user):
    world = World(client, make_user)
    admin = world.headers["admin"]
    for path in (f"/api/v1/contacts/{world.contact}", f"/api/v1/cases/{world.case}",
                 f"/api/v1/referrals/{world.referral}", f"/api/v1/assessments/{world.assessment}",
                 "/api/v1/journals/helpline", "/api/v1/cases", "/api/v1/audit/access"):
        assert client.get(path, headers=admin).status_code == 403, path
