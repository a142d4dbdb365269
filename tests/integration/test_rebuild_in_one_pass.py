"""Rebuilding every read model in one pass over the log (issue 18, item 3) gives exactly the rows the
projections built event by event, on SQLite and PostgreSQL; an event a projection cannot take stops
that projection alone, with the error in its status, as a worker's catch-up would."""
from datetime import timedelta

import pytest

from domain import instruments
from domain.clock import utc_now
from projections import all_projections
from projections.runner import Projections


@pytest.fixture
def world(senim, make_user):
    """Contacts of both services, cases with persons, referrals made and claimed, assessments, closures."""
    consultant, _ = make_user("consultant")
    psychologist, _ = make_user("psychologist")
    supervisor, _ = make_user("supervisor")
    no_risk = {item["id"]: "no" for item in instruments.get("victim_risk")["items"]}
    for index in range(12):
        contact = senim.contacts.record({
            "service": "helpline", "channel": ("phone", "whatsapp", "web_chat")[index % 3],
            "contact_type": ("counselling", "information")[index % 2],
            "started_at": utc_now() - timedelta(days=index, minutes=30),
            "caller": {"role": ("victim", "aggressor", "relative")[index % 3], "gender": ("female", "male")[index % 2],
                       "age": 20 + index, "region": ("almaty", "astana")[index % 2], "name": f"Caller {index}",
                       "phone": f"+7 701 555 00{index % 5:02d}"},  # some call again: the callers' read model
            "summary": f"Conversation {index}."}, actor=consultant)
        if index % 3:
            continue
        case = senim.cases.open({"contact_id": contact.id, "summary": f"Case {index}",
                                 "persons": [{"role": "victim", "name": f"Victim {index}"},
                                             {"role": "aggressor", "name": f"Aggressor {index}"}]}, actor=consultant)
        referral = senim.referrals.make({
            "source": "helpline", "target": "family_service", "urgency": ("routine", "urgent")[index % 2],
            "reason": "Asks for help.", "consent": {"services": True}, "subject_role": "aggressor",
            "case_id": case.id}, actor=consultant)
        senim.referrals.claim(referral.id, actor=psychologist)
        senim.assessments.record({"instrument": "victim_risk", "answers": no_risk, "case_id": case.id},
                                 actor=consultant)
        if index == 6:
            senim.cases.close(case.id, reason="Referred on", actor=supervisor)
    senim.trigger.stop()  # no catch-up thread may run while tables are dropped (PostgreSQL would deadlock)
    for name in senim.projections.registry:
        senim.projections.catch_up(name)
    return senim


def every_row(senim) -> dict[str, list]:
    """Every row of every projection's tables, in a stable order."""
    rows = {}
    with senim.views.transaction(write=False) as tx:
        for projection in senim.projections.registry.values():
            for table in projection.tables:
                if tx.has_table(table):
                    rows[table] = sorted((tuple(row) for row in tx.execute(f"SELECT * FROM {table}").fetchall()),
                                         key=repr)
    return rows


def test_a_rebuild_in_one_pass_gives_exactly_the_rows_built_event_by_event(world):
    built = every_row(world)
    assert sum(len(rows) for rows in built.values()) > 50  # the world reached many read models

    read = world.projections.rebuild()

    head = world.store.head()
    assert set(read) == set(world.projections.registry)
    assert all(count == head for count in read.values())
    assert every_row(world) == built
    assert {row["name"]: row["lag"] for row in world.projections.status()} == dict.fromkeys(read, 0)


def test_an_event_one_projection_cannot_take_stops_only_that_projection_with_the_error_in_its_status(world):
    built = every_row(world)
    registry = all_projections()
    projections = Projections(world.store, world.views, registry)
    journal = registry["journals"]
    handle = journal.handle
    journalled = world.store.recorder.select_notifications(start=1, limit=10_000, topics=sorted(journal.handled_topics()))
    poisoned_at = journalled[-3].id  # an event of the journal's, near the end of the log

    def poisoned(event, tx):
        if journal.current_position == poisoned_at:
            raise ValueError("this event cannot be projected")
        return handle(event, tx)
    journal.handle = poisoned

    with pytest.raises(ValueError):
        projections.rebuild()

    status = {row["name"]: row for row in projections.status()}
    others = [name for name in registry if name != "journals"]
    assert all(status[name]["lag"] == 0 for name in others), {name: status[name] for name in others}
    assert status["journals"]["position"] < poisoned_at <= status["journals"]["last_error_position"]
    assert "ValueError" in status["journals"]["last_error"]
    rebuilt = every_row(world)
    assert all(rebuilt[table] == built[table] for projection in others
               for table in registry[projection].tables if table in built)
