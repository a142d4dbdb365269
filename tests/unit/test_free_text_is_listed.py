"""Every text attribute of every domain event is a code, an id, a time, or listed as personal.

domain/personal.py is the table crypto-shredding works from: a text attribute missing from it is
stored readable and survives an erasure. These tests walk every event class of every aggregate in
domain/ and fail when an event gains a text attribute that nobody has classified. To make one pass:
list it in PERSONAL_FIELDS (free text, or anything that can name a person), or, when it truly is a
code, an id or a staff detail, add it to the short lists below with the reason.
"""
import importlib
import inspect
import pkgutil
import types
import typing
from datetime import datetime
from uuid import UUID

import pytest
from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

import domain
from domain import reference
from domain.contact import AMENDABLE_FIELDS, CALLER_CODE_LISTS, CALLER_KEYS, CODE_FIELDS, CODE_LIST_FIELDS
from domain.personal import PERSONAL_FIELDS, groups, personal_paths

# Text attributes whose values are codes of a reference list (domain/reference.py), by the list.
REFERENCE_CODES = {
    "service": "services", "channel": "channels", "contact_type": "contact_types", "source": "referral_sources",
    "target": "referral_targets", "urgency": "urgencies", "subject_role": "caller_roles",
    "format": "consultation_formats", "language": "languages",
    "region": "regions", "reason_code": "case_closure_reasons", "finding": "follow_up_findings",
    "settlement": "settlement_types", "audience": "training_audiences",
}
# Text attributes whose values are codes the domain itself defines or makes.
DOMAIN_CODES = {
    "role": "a staff or case-person role (domain/staff.py, domain/case.py PERSON_ROLES)",
    "previous_role": "the same",
    "outcome": "a referral's or programme's outcome code (their OUTCOMES)",
    "level": "a level code of the assessment's instrument", "previous_level": "the same",
    "instrument": "an instrument code (domain/instruments)", "instrument_version": "its version",
    "fingerprint": "a hash of the instrument's definition",
    "deadline": "a claim-deadline code (domain/referral.py CLAIM_DEADLINES)",
    "kind": "a data-subject kind (domain/personal.py KINDS), or a conference's kind (conference_kinds), or a "
            "training's kind (training_kinds)",
    "held_on": "the day a case conference is held, YYYY-MM-DD", "due_on": "the day an action is due, YYYY-MM-DD",
    "label": "made by the case from the role: 'Victim 1'",
    "approval": "the id of the StaffChange a second person approved (domain/staff_approval.py)",
    "session": "a digest of a web session's id (domain/staff.py session_digest)",
    "kept_session": "the same",
    # Questionnaires (domain/questionnaire.py)
    "questionnaire": "a questionnaire code (domain/questionnaires)", "questionnaire_version": "its version",
    "about_kind": "what a response evaluates: a code of domain/questionnaire.py ABOUT_KINDS",
    "phase": "pre or post", "participant": "a short code pairing pre- and post-tests, checked against "
                                            "CODE_PATTERN (Latin letters, digits and . _ : -), never a name",
    "leave_message": "yes, no or unknown (domain/case.py ANSWERS)",
    # Days as ISO text (YYYY-MM-DD): when an agreement or a safety plan was made, when it is reviewed.
    "agreement_on": "an ISO date", "agreed_on": "an ISO date", "review_on": "an ISO date",
    # The development plan (domain/plan.py)
    "status": "a closed goal's status: achieved or dropped (domain/plan.py CLOSED_GOAL)",
    "family_progress": "a code of the family_progress list (domain/plan.py FAMILY_PROGRESS)",
    "item": "what is overdue: review or activity (domain/plan.py OVERDUE_ITEMS)",
    "next_review_on": "a calendar day, YYYY-MM-DD",
}
# Text that is not about the people the helpline serves, by topic and attribute. Keep this short.
NOT_ABOUT_CLIENTS = {
    # Staff accounts: usernames, password and token hashes, sign-in addresses. Staff are not the data
    # subjects erasure serves; their records are kept for accountability.
    ("domain.staff:User.Created", "username"), ("domain.staff:User.Created", "password_hash"),
    ("domain.staff:User.PasswordChanged", "password_hash"), ("domain.staff:ApiToken.Issued", "secret_hash"),
    ("domain.staff:User.SignInFailed", "remote_addr"), ("domain.staff:User.SignedIn", "remote_addr"),
    ("domain.staff:StaffDirectory.UserListed", "username"),
    ("domain.staff_approval:StaffChange.Requested", "username"),
    ("domain.staff_approval:StaffChange.Requested", "password_hash"),
    # A digest of (username, client address): the throttle's key, never a client's.
    ("domain.staff:SignInAttempts.Opened", "key"),
    # Why a session ended ("signed_out", "idle", …), and why a second person refused a staff change:
    # notes about staff accounts, like the reason for disabling one.
    ("domain.staff:User.SignedOut", "reason"), ("domain.staff_approval:StaffChange.Rejected", "reason"),
    # Why a staff account was disabled: an admin's note about a colleague's account.
    ("domain.staff:User.Disabled", "reason"),
    # The erasure's own reason stays readable on purpose (domain/erasure.py: write why, never who).
    ("domain.erasure:Erasure.Performed", "reason"),
    # A feedback link's random token: the key of an anonymous form, about nobody.
    ("domain.questionnaire:FeedbackLink.Created", "token"),
    # A training participant's organisation: an organisation, not a person (as a conference's agencies).
    ("domain.training:Training.ParticipantAdded", "organisation"),
}
# Attributes holding dicts or lists, and what is inside them. A new one must be looked at and added.
STRUCTURED = {
    "actor": "the staff member acting: user_id, username, role",
    "owner": "a staff member (a conference action's: or a partner agency by name, an organisation)",
    "previous_owner": "a staff member", "psychologists": "staff members",
    "entries": "access-log entries: who of the staff read which record id, when, from where",
    "schedule": "a staff member's working hours",
    "caller": "checked below: codes, age, ids, and the personal fields",
    "changes": "checked below: a contact's amendable fields",
    "consent": "booleans, and a supervisor's override reason (listed as personal)",
    "answers": "an instrument's item ids and answer codes", "result": "an instrument's scores and level",
    "categories": "codes", "risk": "codes", "outcome": "codes", "changed": "names of a person's fields",
    "sealed_for": "data-subject ids",
    "worker": "a staff member let into a case",
    "attendees": "the staff members attending a case conference",
    "agencies": "names of partner agencies (organisations, not people) at a conference or addressed by its decisions",
    "case_ids": "the ids of the cases on a conference's agenda",
    "texts": "a questionnaire's free answers by item id (listed as personal)",
    "text_items": "the item ids answered in free text",
    "channels": "codes (channels)", "steps": "codes (safety_steps)", "safety_steps": "codes (safety_steps)",
    "own_steps": "a safety plan's steps in the person's words: listed as personal",
    "child_outcomes": "per child: a person_id and yes/no/unknown per outcome",
    "responsible": "a staff member, or a partner organisation whose name is listed as personal",
    "progress": "goal ids and goal_progress codes (the notes are apart, in `notes`)",
    "notes": "a review's notes by goal id: listed as personal, sealed as one",
    "colleague": "a staff member: the pair colleague of a family-service consultation",
    "names": "a staff member's display names by language (kk, ru): staff, not the people the helpline serves",
    "definition": "a programme's definition: its names in kk/ru/en (the service's wording, not a person's), "
                  "kind code, planned sessions and hours, completion rule",
    "programme": "the same: the definition a group was planned with",
    "facilitators": "the staff members facilitating a group (or present at its session)",
    "timetable": "a group's planned sessions: numbers, moments, minutes",
    "details": "a group participant's sex, age, social statuses, region, settlement (codes and a number) and "
               "language: kept readable for statistics; the name is sealed apart",
    "attendance": "participant ids and hours",
    "trainers": "a training's trainers' names (listed as personal)",
    "regions": "region codes",
}


def event_classes() -> list[type]:
    """Every event class of every aggregate defined in domain/."""
    found = {}
    for module_info in pkgutil.walk_packages(domain.__path__, "domain."):
        module = importlib.import_module(module_info.name)
        for aggregate in vars(module).values():
            if inspect.isclass(aggregate) and issubclass(aggregate, Aggregate) and aggregate.__module__ == module.__name__:
                for event in vars(aggregate).values():
                    if inspect.isclass(event) and issubclass(event, Aggregate.Event) and event.__annotations__:
                        found[get_topic(event)] = event
    return [found[topic] for topic in sorted(found)]


def kinds(annotation) -> set[type]:
    """The types an annotation allows, None left out: `str | None` is {str}."""
    assert not isinstance(annotation, str), f"a postponed annotation: {annotation!r}"
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return {kind for arg in typing.get_args(annotation) for kind in kinds(arg)} - {type(None)}
    return {typing.get_origin(annotation) or annotation}


def attributes() -> list[tuple[str, str, set[type]]]:
    return [(get_topic(event), name, kinds(annotation))
            for event in event_classes() for name, annotation in event.__annotations__.items()]


def test_the_walk_finds_the_events_of_every_aggregate():
    topics = {get_topic(event) for event in event_classes()}
    assert {"domain.contact:Contact.Recorded", "domain.case:Case.NoteAdded", "domain.referral:Referral.Declined",
            "domain.assessment:Assessment.LevelOverridden", "domain.programme:ProgrammeParticipation.DroppedOut",
            "domain.staff:User.Disabled"} <= topics


@pytest.mark.parametrize("topic, name, types_", [case for case in attributes() if str in case[2]],
                         ids=lambda value: value if isinstance(value, str) else "")
def test_every_text_attribute_is_personal_or_a_code_or_an_id(topic, name, types_):
    if name in personal_paths(topic):
        return
    if name.endswith("_id"):
        return  # ids are random uuids (the token's and the directory's spelled as text)
    if name in REFERENCE_CODES:
        assert REFERENCE_CODES[name] in reference.CODE_LISTS
        return
    assert name in DOMAIN_CODES or (topic, name) in NOT_ABOUT_CLIENTS, (
        f"{topic}.{name} is text: list it in domain/personal.py PERSONAL_FIELDS (it can name a person), "
        f"or say in this test why it cannot")


@pytest.mark.parametrize("topic, name, types_", [case for case in attributes() if case[2] & {dict, list}],
                         ids=lambda value: value if isinstance(value, str) else "")
def test_every_structured_attribute_was_looked_at(topic, name, types_):
    assert name in STRUCTURED, f"{topic}.{name} holds a dict or list: say in this test what is inside it"


def test_every_other_attribute_is_an_id_a_time_a_number_or_a_flag():  # hours of a group are floats
    unexpected = [(topic, name, types_) for topic, name, types_ in attributes()
                  if not types_ & {str, dict, list} and not types_ <= {UUID, datetime, int, float, bool}]
    assert unexpected == []


def test_the_callers_text_is_personal_and_the_rest_codes():
    listed = personal_paths("domain.contact:Contact.Recorded")
    amended = personal_paths("domain.contact:Contact.Amended")
    not_text = {*CALLER_CODE_LISTS, "age", "person_id"}
    for key in CALLER_KEYS:
        if key not in not_text:
            assert f"caller.{key}" in listed and f"changes.caller.{key}" in amended, key


def test_every_amendable_text_of_a_contact_is_personal_in_an_amendment():
    amended = personal_paths("domain.contact:Contact.Amended")
    not_text = {*CODE_FIELDS, *CODE_LIST_FIELDS, "started_at", "ended_at", "consent", "case_id", "caller"}
    assert [field for field in AMENDABLE_FIELDS if field not in not_text and f"changes.{field}" not in amended] == []
    assert "reason" in amended


def test_free_text_inside_a_referrals_consent_is_personal():
    assert "consent.override_reason" in personal_paths("domain.referral:Referral.Made")


def test_every_listed_path_names_an_attribute_of_its_event():
    events = {get_topic(event): event for event in event_classes()}
    for topic, entry in PERSONAL_FIELDS.items():
        if topic not in events:
            continue  # registered ahead of its class, on purpose (domain/personal.py)
        for group in groups(entry):
            for path in (*group.paths, *([group.also] if group.also else [])):
                assert path.split(".")[0] in events[topic].__annotations__, f"{topic}: {path}"
