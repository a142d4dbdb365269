"""Which attributes of which events are personal data, and whose: the table crypto-shredding works from.

Each personal value is stored encrypted with a key of its own data subject (a person, or a case
for what belongs to no single person), so destroying that one key erases the values wherever they
sit in the immutable log, while the events themselves, their ids and their codes stay readable.

An entry names, per event topic:
- `subject`: the attribute path of the subject's id (ORIGINATOR: the aggregate's own id);
- `kind`: "person" or "case";
- `paths`: the attribute paths of the personal values ("caller.name" is key `name` of the dict
  attribute `caller`);
- `registers`: the event introduces the subject, so it gets a key even without personal values
  (and can be erased later like any other);
- `also`: the attribute path of a further subject, or of a list of further subjects, the values concern. Free text (a reason,
  a note) may name anyone of a case, so it is sealed under a key derived from every one of these
  subjects' keys together: erasing any one of them (or the subject) makes it unreadable;
- `also_kind`: the kind of every subject at `also`, when they are all of one kind: a key is made for
  one that has none yet (the persons of a case opened in the same commit as its summary). Without
  it, only subjects with a key count (a subject erased, or never given a key, is left out).

Which subjects free text concerns:
- a contact's correction reason: the caller, and the contact's own subject (kind "record": the
  reason of a correction made after the caller's erasure still needs a key);
- a case's summary, notes, closing/reopening reasons, a person change's reason: the case and every
  person of the case when it was written (and the caller of the contact it was opened from);
- a questionnaire response's free answers: the response's own subject only (kind "record"): it
  names no case, and a person who answered through a public link is no subject of ours;
- a case's summary, notes, closing/reopening reasons, a person change's reason, the referring
  organisation of its agreement, a follow-up's note, a safety plan's reason for a revision: the case
  and every person of the case when it was written (and the caller of the contact it was opened from);
- a person's safe-contact text (when to call, what to say if someone else answers) and the own steps
  of their safety plan: that person alone;
- a referral's, assessment's or programme participation's reasons and notes: a subject of the
  record's own (kind "record", so that record can be erased alone), and the case and its persons
  where it belongs to a case, the caller of its contact where it came from one (`sealed_for`,
  found by the service when the record is made).
- a case conference's decisions on a case and the texts of the actions agreed on it: the case (the
  subject at `case_id`) and every person of the case when they were written (`sealed_for`).
- a group's place, online link and session topics: the group's own subject (kind "record"); a group
  participant's name and drop-out reason, a training participant's name and position: the participant's
  own subject (kind "person"), erasable alone; a training's trainers and topic: the training's own.
Retention of a closed case erases the case's own subject, so everything sealed with it goes too.

Topics are strings, so an entry may name an event class that does not exist yet. Ids are stored
in plain text: a subject id is random (uuid4), never derived from a name or a phone number.
"""
from dataclasses import dataclass

ORIGINATOR = "@originator_id"
# "record": a referral, assessment or programme participation's own subject, for its free text.
KINDS = ("person", "case", "record")


@dataclass(frozen=True)
class PersonalFields:
    subject: str
    kind: str
    paths: tuple[str, ...]
    registers: bool = False
    also: str | None = None
    also_kind: str | None = None


# A person's details and the longest each may be: a caller's, and a person's of a case.
PERSON_DETAILS = {"name": 200, "phone": 50, "address": 1000}
# A caller's details are looked up by phone, so the phone's keyed hash is sealed with them.
CALLER_PERSONAL = (*PERSON_DETAILS, "phone_hash")


def record_text(*paths: str, registers: bool = False) -> PersonalFields:
    """A record's free text: its own subject, and whoever `sealed_for` names (absent from old events)."""
    return PersonalFields(ORIGINATOR, "record", paths, registers, also="sealed_for")


def own_text(*paths: str, registers: bool = False) -> PersonalFields:
    """A record's free text that concerns no one else (a group's place and topics, a training's trainers)."""
    return PersonalFields(ORIGINATOR, "record", paths, registers)


def case_text(*paths: str, registers: bool = False) -> PersonalFields:
    """A case's free text: sealed_for names persons only, the case's and the caller of its first contact."""
    return PersonalFields(ORIGINATOR, "case", paths, registers, also="sealed_for", also_kind="person")


def conference_text(*paths: str) -> PersonalFields:
    """A conference's free text about one case on its agenda: the case's, and its persons' (sealed_for)."""
    return PersonalFields("case_id", "case", paths, also="sealed_for", also_kind="person")


# topic -> one group of fields, or several sealed for different subjects.
PERSONAL_FIELDS: dict[str, PersonalFields | tuple[PersonalFields, ...]] = {
    "domain.contact:Contact.Recorded": PersonalFields(
        "caller.person_id", "person", (*(f"caller.{key}" for key in CALLER_PERSONAL), "summary"), registers=True),
    # Old Amended events carry no subject_id; they were written before personal fields existed.
    # The reason is the caller's too, and the contact's own: a correction of an erased caller's
    # contact (its channel, say) still states why.
    "domain.contact:Contact.Amended": (
        PersonalFields("subject_id", "person", (*(f"changes.caller.{key}" for key in CALLER_PERSONAL),
                                                "changes.summary")),
        PersonalFields(ORIGINATOR, "record", ("reason",), also="subject_id")),
    "domain.case:Case.Opened": case_text("summary", registers=True),
    "domain.case:Case.NoteAdded": case_text("text"),
    # Why someone was let into the case: free text that may name the persons of the case.
    "domain.case:Case.WorkerAdded": case_text("reason"),
    "domain.case:Case.PersonAdded": PersonalFields("person_id", "person", tuple(PERSON_DETAILS), registers=True),
    "domain.case:Case.PersonChanged": (PersonalFields("person_id", "person", tuple(PERSON_DETAILS)),
                                       case_text("reason")),
    "domain.case:Case.Closed": case_text("reason"),
    "domain.case:Case.Reopened": case_text("reason"),
    # Casework over months (issue 12). The referring organisation's name may place the family.
    "domain.case:Case.TakenOn": case_text("organisation"),
    # When and how a person may be reached safely is theirs alone: erasing them erases it.
    "domain.case:Case.SafeContactSet": PersonalFields("person_id", "person", ("times", "if_someone_else_answers")),
    "domain.case:Case.FollowUpRecorded": case_text("note"),
    # A safety plan's own steps are the person's; why it was revised may name anyone of the case.
    "domain.safety_plan:SafetyPlan.Started": PersonalFields("person_id", "person", ("own_steps",)),
    "domain.safety_plan:SafetyPlan.Revised": (
        PersonalFields("person_id", "person", ("own_steps",)),
        PersonalFields("case_id", "case", ("reason",), also="sealed_for", also_kind="person")),
    "domain.referral:Referral.Made": record_text("reason", "consent.override_reason", registers=True),
    "domain.referral:Referral.Released": record_text("reason"),
    "domain.referral:Referral.Declined": record_text("reason"),
    "domain.referral:Referral.Cancelled": record_text("reason"),
    "domain.assessment:Assessment.LevelOverridden": record_text("reason"),
    "domain.programme:ProgrammeParticipation.SessionRecorded": record_text("note"),
    "domain.programme:ProgrammeParticipation.DroppedOut": record_text("reason"),
    "domain.conference:Conference.CaseDiscussed": conference_text("decisions"),
    "domain.conference:Conference.ActionAgreed": conference_text("text"),
    # A questionnaire's free answers: the response's own subject (erasable alone); sealed_for is empty.
    "domain.questionnaire:QuestionnaireResponse.Submitted": record_text("texts", registers=True),
    # The development plan of a case (domain/plan.py): its goals, activities, reasons, review notes and
    # decisions, and a partner organisation's name, sealed for the plan's own subject, the case and its
    # persons (sealed_for, found by the plan service), so retention of the case erases them too.
    "domain.plan:Plan.GoalSet": record_text("text", "responsible.organisation"),
    "domain.plan:Plan.GoalChanged": record_text("changes.text", "changes.responsible.organisation", "reason"),
    "domain.plan:Plan.GoalClosed": record_text("reason"),
    "domain.plan:Plan.ActivityAdded": record_text("text", "responsible.organisation"),
    "domain.plan:Plan.ActivityDropped": record_text("reason"),
    # notes: {goal_id: the review's note on that goal}, sealed as one.
    "domain.plan:Plan.Reviewed": record_text("notes", "decisions"),
    # Groups (domain/group.py): a participant recorded for the group only is a subject of their own
    # (`participant_id`), named only here; a person of a case keeps their name in the case. The place, link
    # and topics are the group's own text (kind "record").
    "domain.group:Group.Planned": own_text("place", "online_link", registers=True),
    "domain.group:Group.SessionHeld": own_text("topic"),
    "domain.group:Group.ParticipantEnrolled": PersonalFields("participant_id", "person", ("name",), registers=True),
    "domain.group:Group.ParticipantDroppedOut": PersonalFields("participant_id", "person", ("reason",)),
    # Trainings (domain/training.py): the trainers' names and topic are the training's; a participant's name
    # and position are theirs. Organisations are not the people the service serves: readable.
    "domain.training:Training.Recorded": own_text("trainers", "topic", registers=True),
    "domain.training:Training.ParticipantAdded": PersonalFields(
        "participant_id", "person", ("name", "position"), registers=True),
}


def groups(entry: PersonalFields | tuple[PersonalFields, ...]) -> tuple[PersonalFields, ...]:
    return entry if isinstance(entry, tuple) else (entry,)


def personal_paths(topic: str) -> set[str]:
    """Every personal path of a topic, whatever subjects seal it."""
    return {path for group in groups(PERSONAL_FIELDS.get(topic, ())) for path in group.paths}
