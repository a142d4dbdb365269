"""Statistics agree with a count made directly from what was recorded, for every dimension and pairs of them."""
import random
from collections import Counter
from datetime import datetime, timedelta, timezone
from itertools import combinations

import pytest

from domain.clock import local
from projections.contact_stats import DIMENSIONS, STORED_DIMENSIONS

END = datetime.now(timezone.utc) - timedelta(hours=1)
CHOICES = {
    "service": ["helpline", "family_service"],
    "channel": ["phone", "whatsapp", "web_chat", "in_person"],
    "contact_type": ["counselling", "information", "silent"],
    "role": ["victim", "aggressor", "relative"],
    "gender": ["female", "male", None],
    "age": [15, 29, 41, 67, None],
    "region": ["almaty", "astana", "turkistan", None],
    "language": ["kk", "ru", None],
    "settlement": ["urban", "rural", None],
    "categories": [[], ["physical_assault"], ["psychological_abuse", "economic_violence"]],
    "reporting": [True, False, None],
}
AGE_GROUPS = {15: "14_17", 29: "25_34", 41: "35_44", 67: "60_plus", None: None}


def generate(count: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    bodies = []
    for _ in range(count):
        pick = {key: rng.choice(values) for key, values in CHOICES.items()}
        caller = {"role": pick["role"], "gender": pick["gender"], "age": pick["age"], "region": pick["region"],
                  "language": pick["language"], "settlement": pick["settlement"]}
        bodies.append({
            "service": pick["service"], "channel": pick["channel"], "contact_type": pick["contact_type"],
            "started_at": (END - timedelta(minutes=rng.randrange(0, 60 * 24 * 40))).isoformat(),
            "caller": {key: value for key, value in caller.items() if value is not None},
            "categories": pick["categories"],
            "consent": {} if pick["reporting"] is None else {"reporting": pick["reporting"]},
        })
    return bodies


def dimensions_of(body: dict) -> list[dict]:
    """The expected value of every dimension, one dict per category (a contact counts under each)."""
    started = local(datetime.fromisoformat(body["started_at"]))
    caller = body["caller"]
    base = {
        "service": body["service"], "channel": body["channel"], "contact_type": body["contact_type"],
        "caller_role": caller["role"], "gender": caller.get("gender"),
        "age_group": AGE_GROUPS[caller.get("age")], "region": caller.get("region"),
        "language": caller.get("language"), "settlement": caller.get("settlement"),
        "hour": started.hour, "month": started.strftime("%Y-%m"), "weekday": started.isoweekday(),
    }
    return [{**base, "category": category} for category in (body["categories"] or [None])]


def expected(bodies, group_by, consented_only=False) -> tuple[int, dict]:
    counted = [b for b in bodies if not consented_only or b["consent"].get("reporting") is True]
    counts = Counter()
    for body in counted:
        rows = dimensions_of(body)
        keys = {tuple(row[d] for d in group_by) for row in rows} if "category" in group_by else \
            {tuple(rows[0][d] for d in group_by)}
        counts.update(keys)
    return len(counted), dict(counts)


@pytest.fixture
def recorded(client, senim, consultant, supervisor):
    bodies = generate(60)
    for body in bodies:
        response = client.post("/api/v1/contacts", json=body, headers=consultant[1])
        assert response.status_code == 201, response.json
    # An amendment moves a contact between cells; the oracle sees the amended body.
    contact_id = response.json["id"]
    change = {"channel": "video", "categories": ["stalking"], "consent": {"reporting": True}}
    amended = client.post(f"/api/v1/contacts/{contact_id}/amendments",
                          json={"changes": change, "reason": "Corrected after supervision"}, headers=consultant[1])
    assert amended.status_code == 201
    bodies[-1] = {**bodies[-1], **change}
    return bodies, amended.headers["X-Senim-Position"]


def query(client, headers, position, group_by, consented_only=False, whole_months=False):
    """Over partial months at both ends by default (days from contacts), or whole months only (cells)."""
    start, end = (END - timedelta(days=45)).date(), (END + timedelta(days=1)).date()
    if whole_months:
        start, end = start.replace(day=1), (end.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    response = client.get("/api/v1/stats/contacts", headers=headers, query_string={
        "from": start.isoformat(), "to": end.isoformat(), "group_by": ",".join(group_by),
        "consented_only": str(consented_only).lower(), "min_position": position})
    assert response.status_code == 200, response.json
    rows = {tuple(row[d] for d in group_by): row["count"] for row in response.json["rows"]}
    return response.json["total"], rows


ALL = list(DIMENSIONS)


def test_every_single_dimension_matches_a_direct_count(client, supervisor, recorded):
    bodies, position = recorded
    for dimension in ALL:
        assert query(client, supervisor[1], position, [dimension]) == expected(bodies, [dimension]), dimension
        assert query(client, supervisor[1], position, [dimension], whole_months=True) == \
            expected(bodies, [dimension]), dimension


def test_pairs_and_time_dimensions_match_a_direct_count(client, supervisor, recorded):
    bodies, position = recorded
    pairs = [("channel", "region"), ("category", "caller_role"), ("month", "channel"), ("weekday", "hour"),
             ("service", "category"), ("gender", "age_group")]
    for pair in pairs:
        assert query(client, supervisor[1], position, list(pair)) == expected(bodies, list(pair)), pair
        assert query(client, supervisor[1], position, list(pair), whole_months=True) == \
            expected(bodies, list(pair)), pair


def test_three_dimensions_match_whether_served_from_cells_or_contacts(client, supervisor, recorded):
    bodies, position = recorded
    for triple in [("month", "channel", "region"), ("channel", "region", "category"),
                   ("gender", "age_group", "language")]:
        assert query(client, supervisor[1], position, list(triple)) == expected(bodies, list(triple)), triple


def test_consented_only_counts_only_contacts_that_allow_reporting(client, supervisor, recorded):
    bodies, position = recorded
    for group_by in (["channel"], ["channel", "category"], ["channel", "region", "gender"]):
        assert query(client, supervisor[1], position, group_by, consented_only=True) == \
            expected(bodies, group_by, consented_only=True)


def test_all_pairs_of_stored_dimensions_sum_to_the_singles(client, supervisor, recorded):
    _, position = recorded
    for a, b in combinations([d for d in STORED_DIMENSIONS if d != "category"], 2):
        _, pairs = query(client, supervisor[1], position, [a, b])
        _, singles = query(client, supervisor[1], position, [a])
        summed = Counter()
        for (value_a, _), count in pairs.items():
            summed[(value_a,)] += count
        assert dict(summed) == singles, (a, b)


def test_statistics_are_for_supervisors(client, consultant):
    assert client.get("/api/v1/stats/contacts", headers=consultant[1]).status_code == 403


def test_an_unknown_dimension_is_refused_by_name(client, supervisor):
    response = client.get("/api/v1/stats/contacts?group_by=channel,shoe_size", headers=supervisor[1])
    assert response.status_code == 422
    assert any(field.startswith("group_by") for field in response.json["errors"])
