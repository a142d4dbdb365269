"""The Conference aggregate: its agenda, decisions and actions, the carry-over of a series, the twelve-month
flag, and what an agency's copy of the minutes holds."""
from datetime import date, datetime, timedelta, timezone
from uuid import uuid4

import pytest

from domain.actor import Actor
from domain.conference import Conference, add_months, discussed_within_a_year, earlier_discussion, within_a_year
from domain.errors import Conflict, Forbidden, Invalid, NotFound
from tests.helpers.events import replay

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)
SUPERVISOR = Actor(str(uuid4()), "saule", "supervisor")
PSYCHOLOGIST = Actor(str(uuid4()), "aliya", "psychologist")
CONSULTANT = Actor(str(uuid4()), "dana", "consultant")
POLICE, SCHOOL = "Отдел полиции", "Школа № 5"


def meeting(*, held_on="2026-03-10", case_ids=None, previous=None, agencies=(POLICE, SCHOOL), **extra) -> Conference:
    return Conference.schedule(kind=extra.pop("kind", "multi_agency"), held_on=held_on, actor=SUPERVISOR,
                               attendees=[PSYCHOLOGIST], agencies=list(agencies), case_ids=case_ids or [uuid4()],
                               previous=previous, now=NOW, **extra)


def first_case(conference: Conference):
    return next(iter(conference.cases))


def agree(conference, case_id, owner=None, due_on="2026-04-01", text="Visit the family"):
    return conference.agree_action(case_id=case_id, text=text, owner=owner or {"kind": "agency", "agency": POLICE},
                                   due_on=due_on, actor=PSYCHOLOGIST, now=NOW)


def test_a_meeting_is_scheduled_with_its_agenda_and_starts_a_series():
    case_id = uuid4()
    conference = meeting(case_ids=[case_id, case_id])
    assert list(conference.cases) == [case_id]
    assert conference.series_id != conference.id and conference.previous_id is None
    assert conference.attendees == [PSYCHOLOGIST.as_dict()] and conference.agencies == [POLICE, SCHOOL]
    assert replay(conference.collect_events()).cases.keys() == conference.cases.keys()


def test_only_psychologists_and_supervisors_schedule():
    with pytest.raises(Forbidden) as refused:
        Conference.schedule(kind="supervision", held_on="2026-03-10", actor=CONSULTANT, now=NOW)
    assert refused.value.code == "conference.schedule_forbidden"
    assert Conference.schedule(kind="intervision", held_on="2026-03-10", actor=PSYCHOLOGIST, now=NOW).kind == "intervision"


@pytest.mark.parametrize("fields, field, code", [
    ({"kind": "party"}, "kind", "code.unknown"),
    ({"held_on": "10.03.2026"}, "held_on", "conference.day_invalid"),
    ({"held_on": "2028-01-01"}, "held_on", "conference.too_far_ahead"),
    ({"held_on": "1999-12-31"}, "held_on", "conference.day_too_early"),
    ({"agencies": [POLICE, "отдел ПОЛИЦИИ"]}, "agencies.1", "conference.agency_twice"),
    ({"agencies": ["  "]}, "agencies.0", "text.blank"),
    ({"case_ids": ["not-an-id"]}, "case_ids.0", "id.invalid"),
])
def test_bad_input_is_refused_naming_the_field(fields, field, code):
    with pytest.raises(Invalid) as refused:
        meeting(**fields)
    assert refused.value.codes[field] == [code]


def test_an_admin_cannot_attend():
    with pytest.raises(Invalid) as refused:
        Conference.schedule(kind="supervision", held_on="2026-03-10", actor=SUPERVISOR,
                            attendees=[Actor(str(uuid4()), "root", "admin")], now=NOW)
    assert refused.value.codes == {"attendees.0": ["conference.attendee_role"]}


def test_a_case_goes_on_the_agenda_once():
    conference = meeting()
    other = uuid4()
    conference.add_case(case_id=other, actor=PSYCHOLOGIST, now=NOW)
    with pytest.raises(Conflict) as refused:
        conference.add_case(case_id=other, actor=PSYCHOLOGIST, now=NOW)
    assert (refused.value.code, refused.value.state) == ("conference.case_on_agenda", "on_agenda")


def test_decisions_for_a_case_not_on_the_agenda_are_a_conflict_naming_the_state():
    conference = meeting()
    with pytest.raises(Conflict) as refused:
        conference.discuss(case_id=uuid4(), decisions="Keep watching", actor=PSYCHOLOGIST, now=NOW)
    assert refused.value.state == "not_on_agenda"
    with pytest.raises(Conflict):
        agree(conference, uuid4())


def test_decisions_wait_for_the_meetings_day():
    conference = meeting(held_on="2026-03-20")
    with pytest.raises(Conflict) as refused:
        conference.discuss(case_id=first_case(conference), decisions="x", actor=PSYCHOLOGIST, now=NOW)
    assert (refused.value.code, refused.value.state) == ("conference.not_held", "scheduled")


def test_decisions_are_added_never_overwritten_and_may_be_addressed_to_agencies_of_the_meeting():
    conference = meeting()
    case_id = first_case(conference)
    conference.discuss(case_id=case_id, decisions="Internal: review the risk", actor=PSYCHOLOGIST, now=NOW)
    conference.discuss(case_id=case_id, decisions="Police: patrol the street", agencies=["отдел полиции"],
                       actor=PSYCHOLOGIST, now=NOW)
    assert [d["decisions"] for d in conference.cases[case_id]["discussions"]] == [
        "Internal: review the risk", "Police: patrol the street"]
    with pytest.raises(Invalid) as refused:
        conference.discuss(case_id=case_id, decisions="x", agencies=["Прокуратура"], actor=PSYCHOLOGIST, now=NOW)
    assert refused.value.codes == {"agencies.0": ["conference.agency_unknown"]}


@pytest.mark.parametrize("owner, due_on, field", [
    ({"kind": "family"}, "2026-04-01", "owner.kind"),
    ({"kind": "agency", "agency": " "}, "2026-04-01", "owner.agency"),
    ({"kind": "staff", "username": "x", "role": "admin"}, "2026-04-01", "owner.user_id"),
    ({"kind": "agency", "agency": POLICE}, "2026-03-09", "due_on"),
    ({"kind": "agency", "agency": POLICE}, "soon", "due_on"),
])
def test_an_action_needs_an_owner_and_a_due_day_from_the_meeting_on(owner, due_on, field):
    conference = meeting()
    with pytest.raises(Invalid) as refused:
        agree(conference, first_case(conference), owner=owner, due_on=due_on)
    assert field in refused.value.codes


def test_an_action_is_done_once():
    conference = meeting()
    action_id = agree(conference, first_case(conference))
    conference.mark_done(action_id, actor=PSYCHOLOGIST, now=NOW + timedelta(days=3))
    assert conference.actions[action_id]["state"] == "done"
    with pytest.raises(Conflict) as refused:
        conference.mark_done(action_id, actor=PSYCHOLOGIST, now=NOW + timedelta(days=4))
    assert (refused.value.code, refused.value.state) == ("conference.action_done", "done")
    with pytest.raises(NotFound):
        conference.mark_done(uuid4(), actor=PSYCHOLOGIST, now=NOW)


def test_an_action_is_not_done_in_the_future_nor_before_the_meeting():
    conference = meeting()
    action_id = agree(conference, first_case(conference))
    with pytest.raises(Invalid) as refused:
        conference.mark_done(action_id, actor=PSYCHOLOGIST, occurred_at=NOW + timedelta(days=1), now=NOW)
    assert refused.value.codes == {"occurred_at": ["conference.done_in_future"]}
    with pytest.raises(Invalid) as refused:
        conference.mark_done(action_id, actor=PSYCHOLOGIST, occurred_at=NOW - timedelta(days=2), now=NOW)
    assert refused.value.codes == {"occurred_at": ["conference.done_before_meeting"]}


def carry_over(previous: Conference, **extra) -> Conference:
    """What the service does: the next meeting takes every open action over, the previous one lets it go."""
    following = meeting(previous=previous, held_on="2026-03-10", case_ids=extra.pop("case_ids", [uuid4()]), **extra)
    for action in previous.open_actions():
        new_id = following.carry(action, actor=SUPERVISOR, now=NOW)
        previous.mark_carried(action["action_id"], to_conference_id=following.id, new_action_id=new_id,
                              actor=SUPERVISOR, now=NOW)
    return following


def test_open_actions_carry_over_to_the_next_meeting_of_the_series_and_are_open_only_there():
    first = meeting(held_on="2026-02-10")
    case_id = first_case(first)
    done = agree(first, case_id, text="Done already")
    first.mark_done(done, actor=PSYCHOLOGIST, now=NOW)
    still_open = agree(first, case_id, text="Still to do", owner={"kind": "staff", **PSYCHOLOGIST.as_dict()})
    second = carry_over(first)
    assert second.series_id == first.series_id and second.previous_id == first.id
    assert case_id in second.cases  # the carried action's case joins the agenda
    (carried,) = second.actions.values()
    assert (carried["carried_from"], carried["text"], carried["owner"]["username"], carried["state"]) == (
        still_open, "Still to do", "aliya", "open")
    assert first.actions[still_open]["state"] == "carried" and first.open_actions() == []
    with pytest.raises(Conflict) as refused:
        first.mark_done(still_open, actor=PSYCHOLOGIST, now=NOW)
    assert refused.value.state == "carried"
    assert replay(first.collect_events()).actions[still_open]["carried_to"] == second.id


def test_the_next_meeting_is_not_held_before_the_previous_one():
    first = meeting(held_on="2026-03-01")
    with pytest.raises(Invalid) as refused:
        meeting(previous=first, held_on="2026-02-01")
    assert refused.value.codes == {"held_on": ["conference.before_previous"]}


@pytest.mark.parametrize("earlier, later, within", [
    (date(2025, 3, 10), date(2026, 3, 10), True),
    (date(2025, 3, 10), date(2026, 3, 11), False),
    (date(2024, 2, 29), date(2025, 2, 28), True),
    (date(2024, 2, 29), date(2025, 3, 1), False),
])
def test_twelve_months_are_counted_by_the_calendar(earlier, later, within):
    assert within_a_year(earlier, later) is within and within_a_year(later, earlier) is within


def test_a_case_discussed_twice_within_twelve_months_is_flagged():
    assert discussed_within_a_year([date(2026, 1, 5), date(2024, 1, 1), date(2025, 6, 1)]) is True
    assert discussed_within_a_year([date(2024, 1, 1), date(2025, 6, 1)]) is False
    assert discussed_within_a_year([date(2025, 6, 1)]) is False
    assert earlier_discussion(date(2026, 3, 10), [date(2025, 1, 1), date(2025, 9, 1), date(2026, 5, 1)]) == date(
        2025, 9, 1)
    assert earlier_discussion(date(2026, 3, 10), [date(2025, 1, 1)]) is None
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)


def test_an_agencys_copy_holds_its_own_actions_and_the_decisions_addressed_to_it_only():
    conference = meeting()
    case_id = first_case(conference)
    conference.add_case(case_id=(other_case := uuid4()), actor=PSYCHOLOGIST, now=NOW)
    conference.discuss(case_id=case_id, decisions="Internal decision", actor=PSYCHOLOGIST, now=NOW)
    conference.discuss(case_id=case_id, decisions="For the police", agencies=[POLICE], actor=PSYCHOLOGIST, now=NOW)
    conference.discuss(case_id=case_id, decisions="For the school", agencies=[SCHOOL], actor=PSYCHOLOGIST, now=NOW)
    agree(conference, case_id, text="Police visit")
    agree(conference, case_id, owner={"kind": "agency", "agency": SCHOOL}, text="School report")
    agree(conference, case_id, owner={"kind": "staff", **PSYCHOLOGIST.as_dict()}, text="Staff follow-up")
    agree(conference, other_case, owner={"kind": "staff", **PSYCHOLOGIST.as_dict()}, text="Other case")
    copy = conference.agency_copy("ОТДЕЛ ПОЛИЦИИ")
    assert copy["agency"] == POLICE and copy["agencies"] == [POLICE, SCHOOL]
    (case,) = copy["cases"]
    assert case["number"] == str(case_id)[:8]
    assert case["decisions"] == ["For the police"]
    assert [action["text"] for action in case["actions"]] == ["Police visit"]
    said = str(copy)
    for text in ("Internal decision", "For the school", "School report", "Staff follow-up", "Other case", "aliya"):
        assert text not in said
    with pytest.raises(Invalid) as refused:
        conference.agency_copy("Прокуратура")
    assert refused.value.codes == {"agency": ["conference.agency_unknown"]}
