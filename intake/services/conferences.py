"""Case conferences: scheduling a meeting (continuing a series, its open actions carried over), the
cases on its agenda, their decisions and actions, actions done; reading a meeting, the list of meetings,
a case's conferences and an agency's copy of the minutes.

Who may (domain/conference.py has the meeting's own rules):
- schedule a meeting: psychologists and supervisors (SCHEDULING_ROLES);
- see a meeting: supervisors every one; consultants and psychologists those they scheduled or attend,
  and those whose agenda holds a case they work on; admins none;
- put a case on the agenda, record its decisions and actions, mark its actions done: whoever sees the
  meeting and sees the case (the rules of intake/services/cases.py; naming a case one may not see is
  403, one that does not exist 422, as for every link);
- within a meeting, a case one does not see is listed by its number alone: its decisions and actions
  are not shown (nor put in an agency's copy read by them).
An action's staff owner need not work on the case yet: the meeting decides who does what.
"""
import logging
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from domain.actor import CASEWORK_ROLES, Actor
from domain.case import Case
from domain.clock import local, utc_now
from domain.conference import Conference, discussed_within_a_year, earlier_discussion, require_scheduler
from domain.errors import Forbidden, Invalid, NotFound
from intake.adapters.store import SenimStore
from intake.services import Written
from intake.services.cases import sees_case
from intake.services.subjects import subjects_concerned
from projections.conferences import conference_list, conferences_of_case, discussion_days, open_actions

log = logging.getLogger(__name__)

CONFERENCES = "conferences"
LIST_LIMIT = 200
VISIBLE_CASES = 1000  # the cases of a non-supervisor's list of meetings: enough for any caseload


@dataclass(frozen=True)
class ActionWritten(Written):
    """An agreed action: the meeting, the position, and the action's id."""
    action_id: UUID | None = None


class ConferenceService:
    def __init__(self, store: SenimStore, projections, *, cases, staff, links):
        self.store = store
        self.projections = projections  # projections.runner.Projections: the conferences read model
        self.cases = cases  # CaseService: which cases one may see
        self.staff = staff  # StaffService: attendees and owners are members of staff
        self.links = links  # LinkChecker: a named case must be one the writer sees

    # Commands ------------------------------------------------------------------------------------

    def schedule(self, fields: dict, *, actor: Actor) -> Written:
        """A new meeting; continuing a series (`previous_id`), the previous meeting's open actions are
        carried over to it in the same commit (domain/conference.py)."""
        require_scheduler(actor)
        previous = self._previous(fields.get("previous_id"), actor)
        errors: dict = {}
        attendees = []
        for index, user_id in enumerate(fields.get("attendees") or []):
            try:
                attendees.append(self._active_staff(user_id, f"attendees.{index}"))
            except Invalid as refused:
                errors.update(refused.reasons)
        case_ids = []
        for index, case_id in enumerate(fields.get("case_ids") or []):
            try:
                case_ids.append(self.links.check("case", case_id, actor=actor, field=f"case_ids.{index}").id)
            except Invalid as refused:
                errors.update(refused.reasons)
        if errors:
            raise Invalid.many(errors)
        conference = Conference.schedule(kind=fields.get("kind"), held_on=fields.get("held_on"), actor=actor,
                                         attendees=attendees, agencies=fields.get("agencies"), case_ids=case_ids,
                                         previous=previous)
        if previous is None or not previous.open_actions():
            return Written(conference.id, self.store.commit(conference))
        for action in previous.open_actions():
            new_id = conference.carry(action, actor=actor, sealed_for=self._sealed_for(action["case_id"]))
            previous.mark_carried(action["action_id"], to_conference_id=conference.id, new_action_id=new_id,
                                  actor=actor)
        return Written(conference.id, self.store.commit(conference, previous))

    def _previous(self, previous_id, actor: Actor) -> Conference | None:
        if previous_id is None:
            return None
        try:
            previous_id = previous_id if isinstance(previous_id, UUID) else UUID(str(previous_id))
        except ValueError:
            raise Invalid("previous_id", "id.invalid") from None
        try:
            return self.get(previous_id, actor=actor)
        except NotFound:
            raise Invalid("previous_id", "record.not_found", what="conference", id=previous_id) from None

    def _active_staff(self, user_id, field: str) -> Actor:
        try:
            user = self.staff.get(user_id if isinstance(user_id, UUID) else UUID(str(user_id)))
        except ValueError:
            raise Invalid(field, "id.invalid") from None
        except NotFound:
            raise Invalid(field, "record.not_found", what="user", id=user_id) from None
        if not user.active:
            raise Invalid(field, "staff.disabled", name=user.username)
        return user.as_actor()

    def _sealed_for(self, case_id: UUID) -> list:
        """The persons of the case (and the caller it was opened from): the text is sealed for them too."""
        return [subject for subject in subjects_concerned(self.store, case_id=case_id) if subject != case_id]

    def add_case(self, conference_id: UUID, *, case_id, actor: Actor) -> Written:
        conference = self.get(conference_id, actor=actor)
        case = self.links.check("case", case_id, actor=actor)
        conference.add_case(case_id=case.id, actor=actor)
        return Written(conference.id, self.store.commit(conference))

    def discuss(self, conference_id: UUID, *, case_id, decisions: str, agencies: list | None = None,
                actor: Actor) -> Written:
        conference = self.get(conference_id, actor=actor)
        case = self.links.check("case", case_id, actor=actor)
        conference.discuss(case_id=case.id, decisions=decisions, agencies=agencies, actor=actor,
                           sealed_for=self._sealed_for(case.id))
        return Written(conference.id, self.store.commit(conference))

    def agree_action(self, conference_id: UUID, *, case_id, text: str, owner: dict, due_on, actor: Actor
                     ) -> ActionWritten:
        """owner: {"kind": "staff", "user_id"} or {"kind": "agency", "agency": name}."""
        conference = self.get(conference_id, actor=actor)
        case = self.links.check("case", case_id, actor=actor)
        if isinstance(owner, dict) and owner.get("kind") == "staff":
            if owner.get("user_id") is None:
                raise Invalid("owner.user_id", "field.required")
            member = self._active_staff(owner["user_id"], "owner.user_id")
            owner = {"kind": "staff", **member.as_dict()}
        action_id = conference.agree_action(case_id=case.id, text=text, owner=owner, due_on=due_on, actor=actor,
                                            sealed_for=self._sealed_for(case.id))
        return ActionWritten(conference.id, self.store.commit(conference), action_id=action_id)

    def mark_done(self, conference_id: UUID, action_id, *, actor: Actor, occurred_at: datetime | None = None
                  ) -> Written:
        conference = self.get(conference_id, actor=actor)
        action = conference.action(action_id)
        if not self.sees_case(action["case_id"], actor):
            raise Forbidden("case.not_a_worker")
        conference.mark_done(action["action_id"], actor=actor, occurred_at=occurred_at)
        return Written(conference.id, self.store.commit(conference))

    # Who sees what -------------------------------------------------------------------------------

    def get(self, conference_id: UUID, *, actor: Actor) -> Conference:
        if not actor.has_role(*CASEWORK_ROLES):
            raise Forbidden("conference.read_forbidden", role=actor.role)
        conference = self.store.load(conference_id, Conference, "conference")
        if not self.may_see(conference, actor):
            raise Forbidden("conference.not_attending")
        return conference

    def may_see(self, conference: Conference, actor: Actor) -> bool:
        if actor.has_role("supervisor"):
            return True
        if not actor.has_role(*CASEWORK_ROLES):
            return False
        return conference.attends(actor) or any(self.sees_case(case_id, actor) for case_id in conference.cases)

    def sees_case(self, case_id: UUID, actor: Actor) -> bool:
        try:
            case = self.store.load(case_id, Case, "case")
        except NotFound:
            return False
        return sees_case(self.store, self.projections, case, actor)

    # Reads ---------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Catches the conferences read model up with the store, unless it already reflects every event."""
        if self.projections.wait_for(CONFERENCES, self.store.head(), 0):
            return
        try:
            self.projections.catch_up(CONFERENCES)
        except Exception:  # recorded in the projection's status; read what there is
            log.warning("the conferences read model could not catch up", exc_info=True)

    def view(self, conference_id: UUID, *, actor: Actor) -> dict:
        """The meeting as the actor may see it: cases they do not work on by their number alone; each
        case flagged when another meeting discussed it in the twelve months before this one."""
        conference = self.get(conference_id, actor=actor)
        self.refresh()
        with self.projections.views.transaction(write=False) as tx:
            days = discussion_days(tx, [str(case_id) for case_id in conference.cases])
        cases = []
        for case_id, item in conference.cases.items():
            visible = self.sees_case(case_id, actor)
            others = [date.fromisoformat(held_on) for other_id, held_on in days.get(str(case_id), [])
                      if other_id != str(conference.id)]
            before = earlier_discussion(conference.held_day, others)
            actions = [action for action in conference.actions.values() if action["case_id"] == case_id]
            before = before if visible else None  # of a case one does not work on: its number only
            cases.append({
                "case_id": case_id, "number": str(case_id)[:8], "visible": visible,
                "added_at": item["added_at"], "added_by": item["added_by"],
                "discussed_before_on": before.isoformat() if before else None,
                "discussed_again": before is not None,
                "discussions": item["discussions"] if visible else [],
                "actions": actions if visible else [],
            })
        return {
            "id": conference.id, "series_id": conference.series_id, "previous_id": conference.previous_id,
            "kind": conference.kind, "held_on": conference.held_on, "attendees": conference.attendees,
            "agencies": conference.agencies, "scheduled_at": conference.scheduled_at,
            "scheduled_by": conference.scheduled_by, "cases": cases, "version": conference.version,
            "held": conference.held_day <= _today(),
        }

    def minutes(self, conference_id: UUID, *, agency: str, actor: Actor) -> dict:
        """The agency's copy of the minutes (domain/conference.py Conference.agency_copy), of the cases the
        reader works on."""
        conference = self.get(conference_id, actor=actor)
        copy = conference.agency_copy(agency)
        copy["cases"] = [case for case in copy["cases"] if self.sees_case(case["case_id"], actor)]
        return copy

    def list(self, *, actor: Actor, limit: int = LIST_LIMIT) -> list[dict]:
        """The meetings the actor may see, the latest first (no free text in them)."""
        if not actor.has_role(*CASEWORK_ROLES):
            raise Forbidden("conference.read_forbidden", role=actor.role)
        self.refresh()
        every = actor.has_role("supervisor")
        if not every:
            self.cases.refresh()  # the cases one works on, a contact recorded a moment ago included
        case_ids = [] if every else [row["case_id"] for row in self.cases.list(actor=actor, limit=VISIBLE_CASES)]
        with self.projections.views.transaction(write=False) as tx:
            return conference_list(tx, user_id=actor.user_id, case_ids=case_ids, every=every, limit=limit)

    def of_case(self, case_id: UUID, *, actor: Actor) -> dict:
        """A case's conferences (the latest first), its open actions with their texts, and whether it was
        discussed at two meetings within twelve months of each other."""
        case = self.cases.get(case_id, actor=actor)
        self.refresh()
        with self.projections.views.transaction(write=False) as tx:
            meetings = conferences_of_case(tx, str(case.id))
            pending = open_actions(tx, case_id=str(case.id))
        loaded: dict[str, Conference] = {}
        actions = []
        for row in pending:
            conference = loaded.get(row["conference_id"])
            if conference is None:
                conference = loaded[row["conference_id"]] = self.store.load(UUID(row["conference_id"]), Conference)
            action = conference.actions.get(UUID(row["action_id"]))
            if action is not None:
                actions.append({**action, "conference_id": conference.id, "held_on": conference.held_on,
                                "kind": conference.kind})
        days = [date.fromisoformat(row["held_on"]) for row in meetings if row["discussed"]]
        return {"conferences": meetings, "open_actions": actions, "discussed_again": discussed_within_a_year(days)}


def _today() -> date:
    return local(utc_now()).date()
