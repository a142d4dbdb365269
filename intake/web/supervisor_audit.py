"""Supervisors' audit pages: the cases, a case's full history (also as it stood at a chosen moment),
and the access log (who opened which record, or was refused it, when, from where).

Routes live on the supervisors' blueprint (intake/web/supervisor_blueprint.py). The history comes
from CaseService.history and is shaped and filtered by the same query the API uses
(intake/queries/history.py), the access log by the same query as GET /api/v1/audit/access
(intake/queries/access_log.py) after this process's buffered reads are written: a page and the API agree.
"""
import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from types import MappingProxyType
from typing import ClassVar
from uuid import UUID

from flask import redirect, render_template, request, url_for
from flask_babel import format_date, format_datetime, gettext as _, lazy_gettext as _l
from wtforms import SelectField, StringField, validators

from domain.access import ALLOWED, KINDS, OUTCOMES, REFUSED
from domain.actor import CASEWORK_ROLES, SYSTEM_ROLE
from domain.case import STATUSES
from domain.clock import SERVICE_TIMEZONE, local, utc_now
from domain.errors import Invalid
from intake.queries import access_log as access_log_reads, freshness
from intake.queries.access_log import CURSOR
from intake.queries.freshness import ProjectionNotReady
from intake.queries.history import case_entries, case_entry, matching
from intake.running import senim
from intake.services.cases import TIMELINE
from intake.web.event_text import PERSON_ROLE_NAMES, case_event_details, case_event_name, person_label, short_id, when
from intake.web.forms import Form, length
from intake.web.i18n import label, role_name
from intake.web.own_writes import caught_up
from intake.web.session import current_actor, page
from intake.web.staff_names import staff_name
from intake.web.supervisor_blueprint import bp

CASES_PER_PAGE = 50
READS_PER_PAGE = 100
AUDITED_KINDS = ("contact", "case", "referral", "assessment")
MEMBER_KINDS = ("case", "contact", "referral", "assessment")
UUID_IN_TEXT = re.compile(r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}")
EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)


# Words for codes ----------------------------------------------------------------------------------

STATUS_NAMES = {"open": _l("In progress"), "closed": _l("Closed"), "reopened": _l("Reopened")}
KIND_NAMES = {"case": _l("case file"), "contact": _l("contact record"), "referral": _l("referral record"),
              "assessment": _l("assessment record"), "programme": _l("programme record"),
              "journal": _l("journal"), "audit": _l("access log")}
OUTCOME_NAMES = {ALLOWED: _l("Allowed"), REFUSED: _l("Refused")}
KIND_GROUPS = {"case": _l("The case file itself"), "contact": _l("Contacts of the case"),
               "referral": _l("Referrals of the case"), "assessment": _l("Assessments of the case")}


def event_name(event_type: str) -> str:
    return case_event_name(event_type)


def kind_name(kind: str) -> str:
    return str(KIND_NAMES.get(kind, kind))


def status_name(status: str | None) -> str:
    return str(STATUS_NAMES.get(status, status or ""))


def who(actor: dict | None) -> str:
    if not actor:
        return ""
    if actor.get("role") == SYSTEM_ROLE:
        return _("%(name)s (system)", name=actor.get("username"))
    return f"{staff_name(actor)} · {role_name(actor.get('role'))}"


# The case list ------------------------------------------------------------------------------------

def timeline_behind() -> bool:
    """Catches the case timeline up (as CaseService.history does); True if it still lags the store."""
    senim().cases.refresh()
    return not caught_up(TIMELINE, seconds=0, latest=True)


def case_owner_choices() -> list[tuple[str, str]]:
    users = sorted(senim().staff.list_users(), key=lambda user: user.username)
    return [(user.username, f"{staff_name(user)} · {role_name(user.role)}") for user in users
            if user.role in CASEWORK_ROLES]


class CaseListForm(Form):
    class Meta:
        csrf = False

    status = SelectField(_l("Status"), choices=[], validate_choice=False,
                         validators=[validators.Optional(),
                                     validators.AnyOf(STATUSES, message=_l("Choose one of the offered values."))])
    owner = SelectField(_l("Owner"), choices=[], validate_choice=False, validators=[validators.Optional()])
    case_id = StringField(_l("Open a case by its number"), validators=[validators.Optional(), length(200)])


def uuid_in(text: str | None) -> UUID | None:
    """The id in what someone typed or pasted (an id, a link, an id without hyphens)."""
    match = UUID_IN_TEXT.search(text or "")
    return UUID(match.group(0).replace("-", "")) if match else None


@bp.route("/cases")
@page("supervisor")
def cases():
    """Every case, most recently touched first; by status and owner; a case opened by its id."""
    form = CaseListForm(request.args)
    form.status.choices = [("", _("Any status"))] + [(code, status_name(code)) for code in STATUSES]
    form.owner.choices = [("", _("Anyone"))] + case_owner_choices()
    valid = form.validate()
    if valid and form.case_id.data:
        case_id = uuid_in(form.case_id.data)
        if case_id is not None:
            return redirect(url_for("web_supervisor.case_history", case_id=case_id))
        form.case_id.errors = [_("Type or paste a case number, for example %(example)s.",
                                 example="3f0c9a52-7d1e-4b8a-9a55-2c1f0e6b7d10")]
        valid = False
    try:
        offset = max(0, min(int(request.args.get("offset", 0)), 10_000_000))
    except ValueError:
        offset = 0
    behind = timeline_behind()
    rows = senim().cases.list(actor=current_actor(), status=form.status.data if valid and form.status.data else None,
                              owner=form.owner.data if valid and form.owner.data else None,
                              limit=CASES_PER_PAGE + 1, offset=offset)
    more = len(rows) > CASES_PER_PAGE
    args = {key: value for key, value in request.args.items() if key in ("status", "owner") and value}
    return render_template(
        "web/supervisor_audit/cases.html", form=form, rows=rows[:CASES_PER_PAGE], behind=behind,
        status_name=status_name, when=when, offset=offset,
        newer=url_for("web_supervisor.cases", **args, offset=max(0, offset - CASES_PER_PAGE)) if offset else None,
        older=url_for("web_supervisor.cases", **args, offset=offset + CASES_PER_PAGE) if more else None,
    ), 200 if valid else 422


# A case's history ---------------------------------------------------------------------------------

def parse_moment(text: str) -> datetime:
    """A local date-time as the browser's picker sends it (YYYY-MM-DDTHH:MM[:SS]; Chromium leaves out
    ":00") or a full ISO 8601 moment. Without a fraction it stands for the end of its second, so the
    events of the second shown count, as the page shows times to the second."""
    text = text.strip()
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=SERVICE_TIMEZONE)
    if "." not in text and "," not in text:
        value = value + timedelta(seconds=1) - timedelta(microseconds=1)
    return value.astimezone(timezone.utc)


class PickerField(StringField):
    """The text of a browser's date or date-time picker, read into `parsed` before the validators run;
    left empty, None."""

    RENDER_KW: ClassVar[Mapping[str, str]] = MappingProxyType({})

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("render_kw", dict(self.RENDER_KW))
        super().__init__(*args, **kwargs)
        self.parsed = None

    def pre_validate(self, form):
        self.parsed = None
        if not self.data:
            return
        try:
            parsed = self.parse(self.data)
        except (ValueError, OverflowError):
            raise validators.StopValidation(self.unreadable()) from None
        self.refuse(parsed)
        self.parsed = parsed

    def parse(self, text: str):
        raise NotImplementedError

    def unreadable(self) -> str:
        """What to say of text that is no date (or moment) at all, with an example."""
        raise NotImplementedError

    def refuse(self, parsed) -> None:
        """Raises StopValidation for a value that reads well but may not be chosen."""


class MomentField(PickerField):
    """A date-time picker with seconds; the value is read in the service's time zone."""

    RENDER_KW = MappingProxyType({"type": "datetime-local", "step": "1"})

    def parse(self, text: str) -> datetime:
        return parse_moment(text)

    def unreadable(self) -> str:
        return _("Enter a date and a time, for example %(example)s.", example=format_datetime(utc_now(), "short"))

    def refuse(self, parsed) -> None:
        if parsed < EARLIEST:
            raise validators.StopValidation(_("Choose a moment after the year 2000."))


class HistoryForm(Form):
    class Meta:
        csrf = False

    as_of = MomentField(_l("The case as it stood at"))
    type = SelectField(_l("Event type"), choices=[], validate_choice=False, validators=[validators.Optional()])
    who = SelectField(_l("Done by"), choices=[], validate_choice=False, validators=[validators.Optional()])
    person = SelectField(_l("Person in the case"), choices=[], validate_choice=False,
                         validators=[validators.Optional()])

    def moment_value(self) -> str:
        """What the picker shows: the moment in local time, to the second."""
        if self.as_of.parsed is None:
            return self.as_of.data or ""
        return local(self.as_of.parsed).strftime("%Y-%m-%dT%H:%M:%S")


def type_choices(entries: list[dict]) -> list:
    """The kinds of record, then each event type found in the history, in the page's language."""
    kinds = [(kind, str(KIND_GROUPS[kind])) for kind in MEMBER_KINDS if any(e["kind"] == kind for e in entries)]
    types = sorted({entry["type"] for entry in entries}, key=event_name)
    return [("", _("All events")), *kinds, *[(code, event_name(code)) for code in types]]


def who_choices(entries: list[dict]) -> list:
    people = {}
    for entry in entries:
        actor = entry.get("actor") or {}
        key = actor.get("user_id") or actor.get("username")
        if key:
            people[str(key)] = who(actor)
    return [("", _("Anyone")), *sorted(people.items(), key=lambda item: item[1].lower())]


def person_choices(case) -> list:
    persons = list(case.persons.values()) if case is not None else []
    return [("", _("Any person")), *[(str(person["person_id"]), person_label(person["label"], person["role"]))
                                     for person in persons]]


def done_by(entry: dict, key: str) -> bool:
    actor = entry.get("actor") or {}
    return key in (str(actor.get("user_id") or ""), actor.get("username"))


def history_rows(entries: list[tuple[dict, object]], case_id: UUID) -> list[dict]:
    """(entry, event) pairs as the page's rows: the event's words come from its class (event_text)."""
    rows = []
    for entry, event in entries:
        at = entry["at"]
        rows.append({
            "at": at, "when": when(at), "type": entry["type"], "what": event_name(entry["type"]),
            "kind": entry["kind"], "kind_name": kind_name(entry["kind"]), "record_id": str(entry["aggregate_id"]),
            "short_id": short_id(entry["aggregate_id"]), "who": who(entry.get("actor")),
            "details": case_event_details(event, entry.get("data") or {}, case_id),
            "as_of_url": url_for("web_supervisor.case_history", case_id=case_id, as_of=at.isoformat()),
        })
    return rows


def records_of(entries: list[dict], case_id: UUID) -> list[dict]:
    """Every record in the history, with how many events it has: each links to who opened it."""
    found: dict[str, dict] = {str(case_id): {"kind": "case", "id": str(case_id), "events": 0}}
    for entry in entries:
        record = found.setdefault(str(entry["aggregate_id"]), {"kind": entry["kind"], "id": str(entry["aggregate_id"]),
                                                               "events": 0})
        record["events"] += 1
    order = {kind: index for index, kind in enumerate(MEMBER_KINDS)}
    return sorted(found.values(), key=lambda record: order.get(record["kind"], 9))


def case_state(case) -> dict | None:
    if case is None:
        return None
    persons = [{**person, "label_text": person_label(person.get("label"), person.get("role")),
                "role_text": str(PERSON_ROLE_NAMES.get(person.get("role"), person.get("role")))}
               for person in case.persons.values()]
    return {"status": case.status, "summary": case.summary, "owner": who(case.owner),
            "opened_at": when(case.opened_at), "opened_by": who(case.opened_by), "persons": persons,
            "notes": [{**note, "when": when(note["at"]), "who": who(note["actor"])} for note in case.notes],
            "history": [{**step, "when": when(step["at"]), "who": who(step["actor"]),
                         "status_text": status_name(step["status"])} for step in case.history]}


@bp.route("/cases/<uuid:case_id>")
@page("supervisor")
def case_history(case_id: UUID):
    """Every event of the case and of its contacts, referrals and assessments; filters; the case as of a moment."""
    actor = current_actor()
    form = HistoryForm(request.args)
    form.validate()  # errors show beside the fields; the page still answers
    as_of = form.as_of.parsed
    service = senim().cases
    history = service.history(case_id, actor=actor, as_of=as_of)  # NotFound, Forbidden: error pages
    senim().access.record(actor, "case", case_id, remote_addr=request.remote_addr)
    everything = case_entries(history)
    form.type.choices = type_choices(everything)
    form.who.choices = who_choices(everything)
    form.person.choices = person_choices(history.case if as_of is None else service.get(case_id, actor=actor))
    for select in (form.type, form.who, form.person):
        if select.data and select.data not in dict(select.choices):
            select.errors = [*select.errors, _("Choose one of the offered values.")]
    wanted = {form.type.data.lower()} if form.type.data and not form.type.errors else set()
    person = UUID(form.person.data) if form.person.data and not form.person.errors else None
    shown = [(case_entry(each), each.event) for each in matching(history, wanted, person)]
    if form.who.data and not form.who.errors:
        shown = [(entry, event) for entry, event in shown if done_by(entry, form.who.data)]
    filtered = bool(wanted or person or (form.who.data and not form.who.errors))
    status = 422 if any(field.errors for field in (form.as_of, form.type, form.who, form.person)) else 200
    return render_template(
        "web/supervisor_audit/case.html", case_id=case_id, form=form, as_of=as_of,
        as_of_text=when(as_of, "medium") if as_of else "", state=case_state(history.case),
        rows=history_rows(shown, case_id), total=len(everything), filtered=filtered,
        records=records_of(everything, case_id), kind_name=kind_name, short_id=short_id,
        status_name=status_name, behind=timeline_behind(), moment_value=form.moment_value(),
    ), status


# The access log -----------------------------------------------------------------------------------

class DayField(PickerField):
    RENDER_KW = MappingProxyType({"type": "date", "min": "2000-01-01", "max": "2100-12-31"})

    def parse(self, text: str) -> date:
        return date.fromisoformat(text.strip())

    def unreadable(self) -> str:
        return _("Enter a date as day, month and year, for example %(example)s.",
                 example=format_date(utc_now(), "short"))


class AccessForm(Form):
    class Meta:
        csrf = False

    record_id = StringField(_l("Record number"), validators=[validators.Optional(), length(200)])
    kind = SelectField(_l("Kind of record"), choices=[], validate_choice=False,
                       validators=[validators.Optional(), validators.AnyOf(
                           KINDS, message=_l("Choose one of the offered values."))])
    user = SelectField(_l("Opened by"), choices=[], validate_choice=False, validators=[validators.Optional()])
    outcome = SelectField(_l("Outcome"), choices=[], validate_choice=False,
                          validators=[validators.Optional(), validators.AnyOf(
                              OUTCOMES, message=_l("Choose one of the offered values."))])
    date_from = DayField(_l("From"))
    date_to = DayField(_l("To"))

    def validate_record_id(self, field):
        self.record = uuid_in(field.data)
        if field.data and self.record is None:
            raise validators.ValidationError(_(
                "Type or paste a record number, for example %(example)s.",
                example="3f0c9a52-7d1e-4b8a-9a55-2c1f0e6b7d10"))

    def validate_date_to(self, field):
        if self.date_from.parsed and field.parsed and field.parsed < self.date_from.parsed:
            raise validators.ValidationError(_("The end is before the start."))


def read_access_log(*, record_id: str | None, user_id: str | None, kind: str | None, outcome: str | None,
                    date_from: date | None, date_to: date | None,
                    cursor: str | None) -> tuple[list[dict], str | None, bool]:
    """(entries, cursor of the next page, whether the log may still lack the newest reads): the same
    steps as GET /api/v1/audit/access: write this process's reads, wait for the projection, query."""
    running = senim()
    flushed, pending = access_log_reads.write_buffered_reads(running)
    behind = pending > 0
    try:
        # Up to the head, as the API does: reads written by other processes are listed too.
        freshness.await_projection(running, access_log_reads.PROJECTION,
                                   access_log_reads.reflected_position(running, flushed) or None)
    except (ProjectionNotReady, Invalid):
        behind = True
    entries = access_log_reads.entries(running, record_id=record_id, user_id=user_id, kind=kind, outcome=outcome,
                                       date_from=date_from, date_to=date_to, cursor=cursor,
                                       limit=READS_PER_PAGE + 1)
    more = len(entries) > READS_PER_PAGE
    entries = entries[:READS_PER_PAGE]
    return entries, access_log_reads.cursor_of(entries[-1]) if more else None, behind


def record_text(kind: str, record_id: str) -> str:
    """What was opened, in words where it is not a record's number: a journal by its service, the
    whole access log as "every record", a member of staff's reads by their name."""
    if kind == "journal":
        return label("services", record_id)
    if record_id == "all":
        return _("every record")
    if len(record_id) == 36:
        for user in senim().staff.list_users() if kind == "audit" else ():
            if str(user.id) == record_id:
                return _("reads of %(name)s", name=staff_name(user))
        return record_id[:8]
    return record_id


def access_row(entry: dict) -> dict:
    link = None
    if entry["kind"] == "case":
        try:
            link = url_for("web_supervisor.case_history", case_id=UUID(entry["record_id"]))
        except ValueError:
            link = None
    return {**entry, "when": when(entry["at"]), "who": who(entry["actor"]), "kind_name": kind_name(entry["kind"]),
            "record_text": record_text(entry["kind"], entry["record_id"]),
            "refused": entry["outcome"] == REFUSED, "outcome_name": str(OUTCOME_NAMES.get(entry["outcome"], "")),
            "case_link": link, "filter_link": url_for("web_supervisor.access_log", record_id=entry["record_id"])}


@bp.route("/audit/access")
@page("supervisor")
def access_log():
    """Who opened which record (or every record), when and from where; newest first, a page at a time."""
    form = AccessForm(request.args)
    form.record = None
    form.kind.choices = [("", _("Any kind"))] + [(kind, kind_name(kind)) for kind in AUDITED_KINDS]
    form.outcome.choices = [("", _("Allowed or refused"))] + [(code, str(name)) for code, name in OUTCOME_NAMES.items()]
    users = sorted(senim().staff.list_users(), key=lambda user: user.username)
    form.user.choices = [("", _("Anyone"))] + [(str(user.id), f"{staff_name(user)} · {role_name(user.role)}")
                                               for user in users]
    valid = form.validate()
    if form.user.data and form.user.data not in dict(form.user.choices):
        form.user.errors = [*form.user.errors, _("Choose one of the offered values.")]
        valid = False
    record_id = str(form.record) if valid and form.record else None
    user_id = form.user.data if valid and form.user.data else None
    cursor = request.args.get("cursor") if valid else None
    entries, next_cursor, behind = [], None, False
    if valid:
        entries, next_cursor, behind = read_access_log(
            record_id=record_id, user_id=user_id, kind=form.kind.data or None, outcome=form.outcome.data or None,
            date_from=form.date_from.parsed,
            date_to=form.date_to.parsed, cursor=cursor if cursor and CURSOR.match(cursor) else None)
        # Reading the access log is itself noted, as the API does: auditors are audited too.
        senim().access.record(current_actor(), "audit", record_id or user_id or "all",
                              remote_addr=request.remote_addr)
    args = {key: value for key, value in request.args.items()
            if key in ("record_id", "kind", "user", "outcome", "date_from", "date_to") and value}
    return render_template(
        "web/supervisor_audit/access_log.html", form=form, rows=[access_row(entry) for entry in entries],
        record_id=record_id, behind=behind, paged=bool(cursor),
        first_page=url_for("web_supervisor.access_log", **args),
        older=url_for("web_supervisor.access_log", **args, cursor=next_cursor) if next_cursor else None,
        filtered=bool(args), valid=valid,
    ), 200 if valid else 422
