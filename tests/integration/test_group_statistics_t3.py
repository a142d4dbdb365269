"""SEED-TABLES T3 (the parent courses "Strong parents – strong children", 2019) and T1's webinar rows (2020),
reproduced cell by cell from raw events through GET /api/v1/stats/groups, on SQLite and on PostgreSQL.

T3: 832 participants in 6 full courses of 10 sessions, each group led by two trainers; 355 men and 477
women; by social status (a person may hold two) 502 + 135 + 41 + 8 + 3 + 110 + 10 + 25 + 2 + 0 = 836;
by the funder's age bands 80, 72, 90, 125, 250, 130, 85. The events below make four persons hold a
second status, which is exactly what makes the printed row add up to 836 for 832 persons. The print says
"ages 2–75" while its bands start at 13 and add up to the total: the data here have every age within the
bands (13 to 75), as the bands' total says; the 502 "children" are a social status the print gives
independently of the ages, and the data reproduce it as given.

T1: 96 webinar participants in 6 webinars covering 15 regions; 29 of them at the juvenile-police webinars.
Participants are counted as records (seats), as the report does.
"""
from datetime import date, datetime, timedelta
from uuid import uuid4

from domain.actor import Actor
from domain.clock import SERVICE_TIMEZONE
from domain.group import Group, Programme
from domain.training import Training

BANDS = "13-16,17-22,23-27,28-32,33-45,46-58,59-"
AGE_BANDS = {"13-16": 80, "17-22": 72, "23-27": 90, "28-32": 125, "33-45": 250, "46-58": 130, "59-": 85}
STATUSES = {"children": 502, "young_people": 135, "civil_servants": 41, "public_sector": 8, "disabled": 3,
            "older_people": 110, "unemployed": 10, "ngo_members": 25, "business": 2, "other": 0}
MEN, WOMEN, TOTAL = 355, 477, 832
GROUP_SIZES = (139, 139, 139, 139, 139, 137)
TRAINERS = [Actor(user_id=str(uuid4()), username=f"trainer{n}", role="psychologist") for n in range(4)]
SUPERVISOR = Actor(user_id=str(uuid4()), username="supervisor-t3", role="supervisor")


def ages() -> list[int]:
    found = []
    for band, count in AGE_BANDS.items():
        low, _, high = band.partition("-")
        top = int(high) if high else 75
        found += [int(low) + n % (top - int(low) + 1) for n in range(count)]
    return found


def statuses() -> list[list[str]]:
    """One status each, in the printed order; the four left over become second statuses of the first four."""
    flat = [code for code, count in STATUSES.items() for _ in range(count)]
    persons = [[code] for code in flat[:TOTAL]]
    for index, code in enumerate(flat[TOTAL:]):
        assert code not in persons[index]
        persons[index].append(code)
    return persons


def course(programme: Programme, start: datetime, trainers: list[Actor], people: list[dict]) -> Group:
    """A full course of ten weekly two-hour sessions; everyone attends all ten but every tenth person, who
    misses three (14 hours: no certificate)."""
    timetable = [{"starts_at": start + timedelta(weeks=n), "minutes": 120} for n in range(10)]
    group = Group.plan(programme=programme, facilitators=trainers, timetable=timetable, capacity=140,
                       place="Parents' centre", region="almaty", settlement="urban", actor=trainers[0])
    ids = [group.enrol(participant_id=uuid4(), actor=trainers[0], name=f"Parent {n}", **person)
           for n, person in enumerate(people)]
    for number in range(1, 11):
        group.hold_session(number=number, held_on=(start + timedelta(weeks=number - 1)).date(), topic=f"Topic {number}",
                           actor=trainers[0])
        group.record_attendance(number, {pid: (0 if n % 10 == 9 and number > 7 else 2) for n, pid in enumerate(ids)},
                                actor=trainers[1])
    group.finish(actor=trainers[0])
    return group


def build_t3(senim) -> None:
    programme = Programme.builtin("strong_parents", actor=SUPERVISOR)
    all_ages, all_statuses = ages(), statuses()
    people = [{"sex": "male" if n < MEN else "female", "age": all_ages[(n * 7) % TOTAL],
               "social_statuses": all_statuses[n], "region": "almaty", "settlement": "urban", "language": "ru"}
              for n in range(TOTAL)]
    assert sorted(all_ages[(n * 7) % TOTAL] for n in range(TOTAL)) == sorted(all_ages)  # 7 is prime to 832
    groups, offset = [], 0
    for index, size in enumerate(GROUP_SIZES):
        start = datetime(2019, 2 + index, 4, 10, 0, tzinfo=SERVICE_TIMEZONE)
        trainers = [TRAINERS[index % 4], TRAINERS[(index + 1) % 4]]  # in pairs
        groups.append(course(programme, start, trainers, people[offset:offset + size]))
        offset += size
    senim.store.commit(programme, *groups)
    senim.projections.catch_up("group_stats")  # 1,700 events: do not leave it to a read's few seconds' wait


def build_t1_webinars(senim) -> None:
    regions = ["abai", "akmola", "aktobe", "almaty_region", "atyrau", "east_kazakhstan", "jambyl", "jetisu",
               "karaganda", "kostanay", "kyzylorda", "mangystau", "north_kazakhstan", "pavlodar", "astana"]
    webinars = [("juvenile_police", 15, regions[0:3]), ("juvenile_police", 14, regions[3:5]),
                ("crisis_centre_staff", 17, regions[5:8]), ("crisis_centre_staff", 17, regions[8:10]),
                ("mixed", 17, regions[10:13]), ("social_workers", 16, regions[13:15])]
    trainings = []
    for index, (audience, count, covered) in enumerate(webinars):
        training = Training.record(kind="webinar", audience=audience, held_on=date(2020, 3 + index, 10),
                                   trainers=["Trainer"], topic="Domestic violence", regions=covered, actor=SUPERVISOR)
        for n in range(count):
            training.add_participant(participant_id=uuid4(), name=f"Participant {n}", organisation="Police",
                                     region=covered[n % len(covered)], actor=SUPERVISOR)
        trainings.append(training)
    senim.store.commit(*trainings)
    senim.projections.catch_up("group_stats")


def stats(client, supervisor, query: str) -> dict:
    response = client.get(f"/api/v1/stats/groups?{query}", headers=supervisor[1])
    assert response.status_code == 200, response.json
    return response.json


def test_t3_parent_course_participants_are_reproduced_cell_by_cell(client, senim, supervisor):
    build_t3(senim)
    position = senim.store.head()
    year = f"from=2019-01-01&to=2019-12-31&min_position={position}"
    by_sex = stats(client, supervisor, f"{year}&group_by=sex")
    assert by_sex["total"] == TOTAL
    assert {row["sex"]: row["count"] for row in by_sex["rows"]} == {"male": MEN, "female": WOMEN}
    by_status = stats(client, supervisor, f"{year}&group_by=social_status")
    counted = {row["social_status"]: row["count"] for row in by_status["rows"]}
    assert counted == {code: count for code, count in STATUSES.items() if count}
    assert sum(counted.values()) == 836 and by_status["total"] == TOTAL
    by_age = stats(client, supervisor, f"{year}&group_by=age_band&age_bands={BANDS}")
    assert {row["age_band"]: row["count"] for row in by_age["rows"]} == AGE_BANDS
    assert sum(AGE_BANDS.values()) == by_age["total"] == TOTAL
    # The courses: 6 of 10 sessions, a certificate for 16 hours or more (every tenth person attended 14).
    assert (by_sex["groups"], by_sex["sessions_held"], by_sex["session_hours"]) == (6, 60, 120.0)
    not_completed = sum(len(range(9, size, 10)) for size in GROUP_SIZES)
    assert (by_sex["completed"], by_sex["dropped_out"]) == (TOTAL - not_completed, 0)
    assert by_sex["hours"] == (TOTAL - not_completed) * 20 + not_completed * 14
    other_year = stats(client, supervisor, f"from=2020-01-01&to=2020-12-31&min_position={position}")
    assert (other_year["total"], other_year["sessions_held"]) == (0, 0)


def test_t1_webinar_rows_are_reproduced(client, senim, supervisor):
    build_t1_webinars(senim)
    result = stats(client, supervisor, f"from=2020-01-01&to=2020-12-31&min_position={senim.store.head()}")
    trainings = result["trainings"]
    assert (trainings["events"], trainings["participants"], trainings["regions"]) == (6, 96, 15)
    juvenile = [row for row in trainings["rows"] if row["audience"] == "juvenile_police"]
    assert juvenile == [{"kind": "webinar", "audience": "juvenile_police", "events": 2, "participants": 29,
                         "regions": 5}]
