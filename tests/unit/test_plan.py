"""The development plan of a case on the aggregate alone (no I/O): goals and activities move on and are
never rewritten, the plan as it stood at any moment, reviews and their next date, escalation once."""
from datetime import date, datetime, timedelta, timezone
from uuid import uuid4

import pytest

from domain.actor import Actor
from domain.errors import Conflict, Forbidden, NotFound
from domain.plan import Plan, add_months, first_review_on, plan_id, replay, require_case_open, review_due_on
from tests.helpers.events import refused_fields, through_storage

WORKER = Actor(user_id=str(uuid4()), username="aigerim", role="psychologist")
ADMIN = Actor(user_id=str(uuid4()), username="root", role="admin")
SYSTEM = Actor.system("plan-escalation")
STAFF = {"kind": "staff", **WORKER.as_dict()}
PARTNER = {"kind": "partner", "organisation": "Школа № 12"}
T0 = datetime(2025, 1, 10, 9, 0, tzinfo=timezone.utc)
CASE_ID = uuid4()
CHILD = uuid4()


def a_plan() -> Plan:
    return Plan.start(case_id=CASE_ID, actor=WORKER, now=T0)


def with_goal(**extra) -> tuple[Plan, object]:
    plan = a_plan()
    goal_id = plan.set_goal(text="Ребёнок ходит в школу каждый день", due_on="2025-06-01", responsible=PARTNER,
                            person_id=CHILD, persons=[CHILD], actor=WORKER, now=T0, **extra)
    return plan, goal_id


def test_a_case_has_one_plan_found_by_the_case():
    assert a_plan().id == plan_id(CASE_ID) == plan_id(str(CASE_ID))


def test_a_goal_belongs_to_a_person_of_the_case_or_to_the_family():
    plan, goal_id = with_goal()
    assert plan.goal(goal_id)["person_id"] == CHILD and plan.goal(goal_id)["status"] == "open"
    family = plan.set_goal(text="Жильё", due_on=date(2025, 9, 1), responsible=STAFF, actor=WORKER, now=T0)
    assert plan.goal(family)["person_id"] is None and plan.goal(family)["due_on"] == "2025-09-01"
    errors = refused_fields(lambda: plan.set_goal(text="x", due_on="2025-09-01", responsible=STAFF,
                                                  person_id=uuid4(), persons=[CHILD], actor=WORKER))
    assert list(errors) == ["person_id"]


def test_a_goal_needs_words_a_date_and_someone_responsible():
    errors = refused_fields(lambda: a_plan().set_goal(text=" ", due_on="1 June", responsible={"kind": "partner"},
                                                      actor=WORKER))
    assert set(errors) == {"text", "due_on", "responsible.organisation"}
    errors = refused_fields(lambda: a_plan().set_goal(text="a", due_on=None, responsible={"kind": "boss"},
                                                      actor=WORKER))
    assert set(errors) == {"due_on", "responsible.kind"}


def test_what_happened_is_never_in_the_future():
    errors = refused_fields(lambda: a_plan().set_goal(text="a", due_on="2025-02-01", responsible=STAFF, actor=WORKER,
                                                      occurred_at=T0 + timedelta(days=1), now=T0))
    assert list(errors) == ["occurred_at"]


def test_a_changed_goal_keeps_what_it_was_and_why():
    plan, goal_id = with_goal()
    plan.change_goal(goal_id, changes={"due_on": "2025-08-01"}, reason="Лето", actor=WORKER, now=T0)
    goal = plan.goal(goal_id)
    assert goal["due_on"] == "2025-08-01"
    assert goal["changes"][0]["before"] == {"due_on": "2025-06-01"} and goal["changes"][0]["reason"] == "Лето"
    assert list(refused_fields(lambda: plan.change_goal(goal_id, changes={"due_on": "2025-08-01"}, reason="same",
                                                        actor=WORKER))) == ["changes"]
    assert list(refused_fields(lambda: plan.change_goal(goal_id, changes={"owner": "x"}, reason="r",
                                                        actor=WORKER))) == ["changes.owner"]


def test_a_dropped_goal_needs_a_reason_and_takes_no_activities():
    plan, goal_id = with_goal()
    assert list(refused_fields(lambda: plan.close_goal(goal_id, status="dropped", actor=WORKER))) == ["reason"]
    plan.close_goal(goal_id, status="dropped", reason="Семья переехала", actor=WORKER, now=T0)
    with pytest.raises(Conflict) as refused:
        plan.add_activity(goal_id, text="Встреча с учителем", due_on="2025-02-01", responsible=STAFF, actor=WORKER)
    assert refused.value.state == "dropped"
    with pytest.raises(Conflict) as again:
        plan.close_goal(goal_id, status="achieved", actor=WORKER)
    assert again.value.state == "dropped"


def test_an_activity_is_done_once_and_a_done_one_is_not_dropped():
    plan, goal_id = with_goal()
    activity_id = plan.add_activity(goal_id, text="Встреча с учителем", due_on="2025-02-01", responsible=STAFF,
                                    actor=WORKER, now=T0)
    plan.complete_activity(activity_id, actor=WORKER, now=T0)
    assert plan.activity(activity_id)["status"] == "done"
    for action in (lambda: plan.complete_activity(activity_id, actor=WORKER),
                   lambda: plan.drop_activity(activity_id, reason="no", actor=WORKER)):
        with pytest.raises(Conflict) as refused:
            action()
        assert refused.value.state == "done"


def test_unknown_goals_and_activities_are_not_found():
    plan = a_plan()
    with pytest.raises(NotFound):
        plan.goal(uuid4())
    with pytest.raises(NotFound):
        plan.complete_activity("not-an-id", actor=WORKER)


def test_a_review_records_progress_per_goal_and_the_next_date_within_the_months():
    plan, goal_id = with_goal()
    review_id = plan.review(progress=[{"goal_id": str(goal_id), "progress": "progressing", "note": "Ходит"}],
                            family_progress="improved", decisions="Продолжить", next_review_on="2025-07-10",
                            review_months=6, actor=WORKER, now=T0)
    review = plan.reviews[-1]
    assert review["review_id"] == review_id
    assert review["progress"] == [{"goal_id": goal_id, "progress": "progressing", "note": "Ходит"}]
    assert review_due_on(plan, date(2025, 1, 1)) == date(2025, 7, 10)
    errors = refused_fields(lambda: plan.review(
        progress=[{"goal_id": str(uuid4()), "progress": "great"}], family_progress="fine", decisions="",
        next_review_on="2025-07-11", review_months=6, actor=WORKER, now=T0))
    assert set(errors) == {"progress.0.goal_id", "progress.0.progress", "family_progress", "decisions",
                           "next_review_on"}


def test_the_first_review_is_due_the_review_months_after_the_start():
    assert first_review_on(date(2025, 8, 31), 6) == date(2026, 2, 28)
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert review_due_on(None, date(2026, 2, 28)) == date(2026, 2, 28)


def test_the_plan_as_it_stood_is_its_events_up_to_then():
    plan, goal_id = with_goal()
    later = T0 + timedelta(days=30)
    plan.change_goal(goal_id, changes={"text": "Ребёнок ходит в школу"}, reason="Уточнили", actor=WORKER, now=later)
    plan.close_goal(goal_id, status="achieved", actor=WORKER, now=later + timedelta(days=1))
    events = through_storage(plan.collect_events())
    then = replay(events, T0 + timedelta(days=1))
    assert then.goal(goal_id)["text"] == "Ребёнок ходит в школу каждый день" and then.goal(goal_id)["status"] == "open"
    now = replay(events)
    assert now.goal(goal_id)["text"] == "Ребёнок ходит в школу" and now.goal(goal_id)["status"] == "achieved"
    assert replay(events, T0 - timedelta(days=1)) is None


def test_an_overdue_item_is_escalated_once_per_due_date():
    plan, goal_id = with_goal()
    activity_id = plan.add_activity(goal_id, text="Встреча", due_on="2025-02-01", responsible=STAFF, actor=WORKER,
                                    now=T0)
    overdue = plan.overdue(date(2025, 8, 1), first_review_on=date(2025, 7, 10))
    assert overdue == [("review", None, "2025-07-10"), ("activity", activity_id, "2025-02-01")]
    assert all(plan.escalate(item=item, item_id=item_id, due_on=due, actor=SYSTEM) for item, item_id, due in overdue)
    assert not any(plan.escalate(item=item, item_id=item_id, due_on=due, actor=SYSTEM)
                   for item, item_id, due in overdue)
    with pytest.raises(Forbidden):
        plan.escalate(item="review", item_id=None, due_on="2025-07-10", actor=WORKER)


def test_a_closed_case_takes_no_plan_writes_and_an_admin_none_at_all():
    with pytest.raises(Conflict) as refused:
        require_case_open("closed")
    assert refused.value.state == "closed"
    require_case_open("reopened")
    with pytest.raises(Forbidden):
        Plan.start(case_id=CASE_ID, actor=ADMIN)


def test_the_review_months_count_from_the_day_where_the_service_works():
    plan, _ = with_goal()
    late_evening_utc = datetime(2026, 12, 3, 19, 30, tzinfo=timezone.utc)  # already 4 December in Almaty
    plan.review(progress=[], family_progress="stable", decisions="Продолжить", next_review_on="2027-06-04",
                review_months=6, actor=WORKER, occurred_at=late_evening_utc, now=late_evening_utc)
    assert plan.reviews[-1]["next_review_on"] == "2027-06-04"
