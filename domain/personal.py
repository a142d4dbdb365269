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
  (and can be erased later like any other).

Topics are strings, so an entry may name an event class that does not exist yet. Ids are stored
in plain text: a subject id is random (uuid4), never derived from a name or a phone number.
"""
from dataclasses import dataclass

ORIGINATOR = "@originator_id"
KINDS = ("person", "case")


@dataclass(frozen=True)
class PersonalFields:
    subject: str
    kind: str
    paths: tuple[str, ...]
    registers: bool = False


CALLER_PERSONAL = ("name", "phone", "address", "phone_hash")
CASE_PERSON_PERSONAL = ("name", "phone", "address")

PERSONAL_FIELDS: dict[str, PersonalFields] = {
    "domain.contact:Contact.Recorded": PersonalFields(
        "caller.person_id", "person", (*(f"caller.{key}" for key in CALLER_PERSONAL), "summary"), registers=True),
    # Old Amended events carry no subject_id; they were written before personal fields existed.
    "domain.contact:Contact.Amended": PersonalFields(
        "subject_id", "person", (*(f"changes.caller.{key}" for key in CALLER_PERSONAL), "changes.summary")),
    "domain.case:Case.Opened": PersonalFields(ORIGINATOR, "case", ("summary",), registers=True),
    "domain.case:Case.NoteAdded": PersonalFields(ORIGINATOR, "case", ("text",)),
    # Why someone was let into the case: free text that may name the persons of the case.
    "domain.case:Case.WorkerAdded": PersonalFields(ORIGINATOR, "case", ("reason",)),
    "domain.case:Case.PersonAdded": PersonalFields("person_id", "person", CASE_PERSON_PERSONAL, registers=True),
    "domain.case:Case.PersonChanged": PersonalFields("person_id", "person", CASE_PERSON_PERSONAL),
}
