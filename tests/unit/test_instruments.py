"""The instruments as published data and their scoring, against fixed reference cases."""
import json
import re

import pytest
from hypothesis import given, strategies as st

from domain import instruments
from domain.errors import Invalid
from domain.instruments.registry import Registry

KAZAKH_LETTERS = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
CYRILLIC = re.compile(r"[А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]")
CODES = ("victim_risk", "odara", "aggressor_status", "family_needs")

# What each published version was when published. A failure here means a published version was
# edited: put the old text back and publish the change as a new version instead.
PUBLISHED = {
    ("victim_risk", "1"): "sha256:6994aee58cae3836a866bbfaf09ad10bf64b3c9fd5c658105546aeb69cc86c50",
    ("odara", "1"): "sha256:89ff02da5274e24a41db352ff640044ee64e64dbd721aa1c4d8cd8913547d1b9",
    ("aggressor_status", "1"): "sha256:b3bcc6769d7926a5906933989d799443176e690f07307209e4e59b7f2fd61321",
    ("family_needs", "1"): "sha256:7670b0e45c427cb0bc41d8da3bcf3a0208e44be5aeaaf73f48245c096df740b9",
}

# API.md: the recidivism rate of each ODARA score.
ODARA_TABLE = {0: ("0", 0.05), 1: ("1", 0.10), 2: ("2", 0.20), 3: ("3", 0.27), 4: ("4", 0.41),
               5: ("5-6", 0.59), 6: ("5-6", 0.59), 7: ("7-13", 0.70), 8: ("7-13", 0.70),
               9: ("7-13", 0.70), 10: ("7-13", 0.70), 11: ("7-13", 0.70), 12: ("7-13", 0.70),
               13: ("7-13", 0.70)}
CONTRAINDICATIONS = ("alcohol_dependence", "drug_dependence", "gambling_addiction", "acute_psychiatric_condition")


def item_ids(code: str, group: str | None = None) -> list[str]:
    return [item["id"] for item in instruments.get(code)["items"] if group is None or item.get("group") == group]


def answers(code: str, yes: int = 0, unknown: int = 0) -> dict:
    """The first `yes` items yes, the next `unknown` unknown, the rest no."""
    ids = item_ids(code)
    return {item_id: "yes" if n < yes else "unknown" if n < yes + unknown else "no" for n, item_id in enumerate(ids)}


def aggressor(**given_answers) -> dict:
    """aggressor_status answers: every item no except those given."""
    return {item_id: given_answers.get(item_id, "no") for item_id in item_ids("aggressor_status")}


def refused_fields(action) -> dict[str, list[str]]:
    with pytest.raises(Invalid) as refused:
        action()
    return refused.value.errors


def every_item():
    for instrument in instruments.all_instruments():
        for version in instrument["versions"]:
            for item in version["items"]:
                yield pytest.param(item, id=f"{instrument['code']}-{version['version']}-{item['id']}")


# The published data ---------------------------------------------------------------------------

def test_the_three_instruments_of_the_contract_are_published():
    assert [instrument["code"] for instrument in instruments.all_instruments()] == list(CODES)
    assert [len(item_ids(code)) for code in CODES] == [24, 13, 18, 22]


def test_the_catalogue_is_plain_json():
    catalogue = instruments.all_instruments()
    assert json.loads(json.dumps(catalogue)) == catalogue


@pytest.mark.parametrize("item", list(every_item()))
def test_every_item_is_worded_in_kazakh_russian_and_english(item):
    assert all(isinstance(item[language], str) and item[language].strip() for language in ("kk", "ru", "en"))
    assert KAZAKH_LETTERS & set(item["kk"]), f"No Kazakh letter in: {item['kk']}"
    assert not KAZAKH_LETTERS & set(item["ru"]), f"Kazakh letters in Russian: {item['ru']}"
    assert not CYRILLIC.search(item["en"]), f"Cyrillic in English: {item['en']}"
    assert item["answers"] == ["yes", "no", "unknown"]
    assert re.fullmatch(r"[a-z][a-z0-9_]*", item["id"])


@pytest.mark.parametrize("code", CODES)
def test_titles_and_level_labels_are_in_three_languages(code):
    spec = instruments.get(code)
    for labelled in (spec["title"], *spec["scoring"]["levels"]):
        assert all(labelled[language].strip() for language in ("kk", "ru", "en"))
        assert labelled["kk"] != labelled["ru"]


@pytest.mark.parametrize("code", CODES)
def test_item_ids_are_unique_within_a_version(code):
    for version in next(i for i in instruments.all_instruments() if i["code"] == code)["versions"]:
        ids = [item["id"] for item in version["items"]]
        assert len(ids) == len(set(ids))


def test_only_the_four_programme_contraindications_carry_the_flag():
    flagged = [item["id"] for item in instruments.get("aggressor_status")["items"] if "contraindication" in item]
    assert flagged == list(CONTRAINDICATIONS)
    assert all(item["contraindication"] is True for item in instruments.get("aggressor_status")["items"]
               if item["id"] in CONTRAINDICATIONS)
    assert not any("contraindication" in item for code in ("victim_risk", "odara")
                   for item in instruments.get(code)["items"])


def test_the_odara_levels_carry_the_contract_rates():
    levels = instruments.get("odara")["scoring"]["levels"]
    assert [(level["code"], level["min"], level["max"], level["recidivism_rate"]) for level in levels] == [
        ("0", 0, 0, 0.05), ("1", 1, 1, 0.10), ("2", 2, 2, 0.20), ("3", 3, 3, 0.27), ("4", 4, 4, 0.41),
        ("5-6", 5, 6, 0.59), ("7-13", 7, 13, 0.70),
    ]


def test_every_published_version_is_pinned_and_unchanged():
    published = {(instrument["code"], version["version"]): version["fingerprint"]
                 for instrument in instruments.all_instruments() for version in instrument["versions"]}
    assert published == PUBLISHED


def test_a_caller_cannot_change_a_published_version():
    spec = instruments.get("victim_risk")
    spec["items"][0]["en"] = "Changed"
    spec["scoring"]["levels"].clear()
    assert instruments.get("victim_risk")["items"][0]["en"] == "Are you injured right now?"
    with pytest.raises(TypeError):
        instruments.REGISTRY.version("victim_risk")["items"][0]["en"] = "Changed"


# The registry -----------------------------------------------------------------------------------

def a_version(number: str, published: str, items=("a", "b")) -> dict:
    return {
        "version": number, "published": published, "answers": ("yes", "no", "unknown"),
        "items": tuple({"id": item_id, "kk": "Иә ма?", "ru": "Да?", "en": "Yes?"} for item_id in items),
        "scoring": {"method": "count_yes", "levels": (
            {"code": "low", "min": 0, "max": 0, "kk": "Төмен", "ru": "Низкий", "en": "Low"},
            {"code": "high", "min": 1, "max": len(items), "kk": "Жоғары", "ru": "Высокий", "en": "High"},
        )},
    }


def a_record(*versions) -> dict:
    return {"code": "toy", "title": {"kk": "Ойыншық", "ru": "Игрушка", "en": "Toy"},
            "subject_roles": ("victim",), "versions": versions}


def test_the_registry_refuses_two_versions_with_the_same_number():
    with pytest.raises(ValueError, match="same"):
        Registry([a_record(a_version("1", "2025-01-01"), a_version("1", "2025-02-01", items=("a",)))])


def test_the_registry_refuses_the_same_instrument_twice():
    with pytest.raises(ValueError, match="twice"):
        Registry([a_record(a_version("1", "2025-01-01")), a_record(a_version("2", "2025-02-01"))])


@pytest.mark.parametrize("broken, message", [
    (a_version("1", "2025-01-01", items=("a", "a")), "repeated item ids"),
    ({**a_version("1", "2025-01-01"), "items": ({"id": "a", "kk": "", "ru": "Да?", "en": "Yes?"},)}, "no kk"),
    ({**a_version("1", "2025-01-01"), "answers": ("yes", "maybe")}, "answers must be"),
    (a_version("1", "2025-01-01", items=("a", "b", "c"))
     | {"scoring": a_version("1", "2025-01-01")["scoring"]}, "levels end at 2"),
    ({**a_version("1", "2025-01-01"), "published": "yesterday"}, "Invalid isoformat"),
])
def test_the_registry_refuses_a_broken_version(broken, message):
    with pytest.raises(ValueError, match=message):
        Registry([a_record(broken)])


def test_the_registry_refuses_versions_out_of_publication_order():
    with pytest.raises(ValueError, match="order"):
        Registry([a_record(a_version("2", "2025-02-01"), a_version("1", "2025-01-01"))])


def test_a_new_version_becomes_current_and_the_old_one_still_scores_its_own_items():
    registry = Registry([a_record(a_version("1", "2025-01-01"), a_version("2", "2025-06-01", items=("a", "b", "c")))])
    assert registry.current_version("toy") == "2"
    assert registry.get("toy")["version"] == "2"
    assert [item["id"] for item in registry.get("toy", "1")["items"]] == ["a", "b"]
    old = instruments.score("toy", {"a": "yes", "b": "no"}, version="1", registry=registry)
    assert (old["version"], old["score"], old["max_score"], old["level"]) == ("1", 1, 2, "high")
    assert list(refused_fields(lambda: instruments.score("toy", {"a": "yes", "b": "no"}, registry=registry))) == [
        "answers.c"]
    assert registry.fingerprint("toy", "1") != registry.fingerprint("toy", "2")


def test_the_current_version_is_the_default():
    for code in CODES:
        assert instruments.current_version(code) == "1"
        assert instruments.get(code) == instruments.get(code, "1")


# victim_risk --------------------------------------------------------------------------------------

@pytest.mark.parametrize("yes, level", [
    (0, "standard"), (9, "standard"), (10, "medium"), (13, "medium"), (14, "high"), (24, "high"),
])
def test_victim_risk_levels_at_their_boundaries(yes, level):
    result = instruments.score("victim_risk", answers("victim_risk", yes=yes))
    assert (result["score"], result["level"], result["unknown_count"], result["complete"]) == (yes, level, 0, True)
    assert result["max_score"] == 24


@pytest.mark.parametrize("yes, unknown, level, complete, highest", [
    (9, 0, "standard", True, "standard"),     # 9 yes, 15 no
    (9, 1, "standard", False, "medium"),      # one unknown could make it medium
    (0, 9, "standard", True, "standard"),     # nine unknowns cannot leave standard
    (0, 10, "standard", False, "medium"),
    (10, 3, "medium", True, "medium"),        # 13 at most: still medium
    (10, 4, "medium", False, "high"),
    (13, 1, "medium", False, "high"),
    (5, 19, "standard", False, "high"),
    (14, 10, "high", True, "high"),
    (0, 24, "standard", False, "high"),
])
def test_victim_risk_unknowns_never_count_as_no(yes, unknown, level, complete, highest):
    result = instruments.score("victim_risk", answers("victim_risk", yes=yes, unknown=unknown))
    assert result["score"] == yes
    assert result["unknown_count"] == unknown
    assert (result["level"], result["complete"], result["highest_possible_level"]) == (level, complete, highest)


def test_the_score_counts_which_items_are_yes_not_where_they_are():
    ids = item_ids("victim_risk")
    given_answers = {item_id: "yes" if n % 2 else "no" for n, item_id in enumerate(ids)}
    assert instruments.score("victim_risk", given_answers)["score"] == 12


def test_a_result_has_no_programme_fields_when_the_instrument_has_no_contraindications():
    result = instruments.score("victim_risk", answers("victim_risk", yes=3))
    assert "programme_eligible" not in result and "suggested_referral" not in result


# odara ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("yes", range(14))
def test_odara_every_score_falls_in_its_contract_bin(yes):
    result = instruments.score("odara", answers("odara", yes=yes))
    bin_code, rate = ODARA_TABLE[yes]
    assert (result["score"], result["level"], result["recidivism_rate"]) == (yes, bin_code, rate)
    assert result["complete"] is True
    assert result["bin"]["min"] <= yes <= result["bin"]["max"]
    assert result["max_score"] == 13


@pytest.mark.parametrize("yes, unknown, bin_code, complete, highest", [
    (0, 1, "0", False, "1"),
    (4, 1, "4", False, "5-6"),
    (5, 1, "5-6", True, "5-6"),    # 6 at most: the same bin
    (5, 2, "5-6", False, "7-13"),
    (6, 1, "5-6", False, "7-13"),
    (7, 6, "7-13", True, "7-13"),
    (0, 13, "0", False, "7-13"),
])
def test_odara_unknowns_mark_a_bin_that_could_change(yes, unknown, bin_code, complete, highest):
    result = instruments.score("odara", answers("odara", yes=yes, unknown=unknown))
    assert (result["score"], result["unknown_count"]) == (yes, unknown)
    assert (result["level"], result["complete"], result["highest_possible_level"]) == (bin_code, complete, highest)
    assert result["recidivism_rate"] == ODARA_TABLE[yes][1]


# aggressor_status --------------------------------------------------------------------------------

def test_aggressor_with_nothing_answered_yes_is_not_established():
    result = instruments.score("aggressor_status", aggressor())
    assert (result["level"], result["score"], result["complete"]) == ("not_established", 0, True)
    assert result["max_score"] == 12


@pytest.mark.parametrize("item_id", item_ids("aggressor_status", "violence"))
def test_any_committed_violence_confirms_the_status(item_id):
    result = instruments.score("aggressor_status", aggressor(**{item_id: "yes"}))
    assert (result["level"], result["score"], result["complete"]) == ("confirmed", 1, True)


@pytest.mark.parametrize("item_id", item_ids("aggressor_status", "risk"))
def test_a_risk_sign_without_violence_makes_the_status_potential(item_id):
    result = instruments.score("aggressor_status", aggressor(**{item_id: "yes"}))
    assert (result["level"], result["score"], result["complete"]) == ("potential", 1, True)


def test_violence_outranks_risk_signs():
    result = instruments.score("aggressor_status", aggressor(threats="yes", stalking="yes", economic_violence="yes"))
    assert (result["level"], result["score"]) == ("confirmed", 3)


@pytest.mark.parametrize("item_id", item_ids("aggressor_status", "readiness"))
def test_readiness_is_recorded_but_never_scored(item_id):
    for answer in ("yes", "unknown"):
        result = instruments.score("aggressor_status", aggressor(**{item_id: answer}))
        assert (result["level"], result["score"], result["complete"]) == ("not_established", 0, True)


@pytest.mark.parametrize("given_answers, level, complete, highest", [
    ({"threats": "unknown"}, "not_established", False, "potential"),
    ({"physical_violence": "unknown"}, "not_established", False, "confirmed"),
    ({"threats": "yes", "sexual_violence": "unknown"}, "potential", False, "confirmed"),
    ({"threats": "yes", "stalking": "unknown"}, "potential", True, "potential"),
    ({"injuries": "yes", "threats": "unknown", "order_breach": "unknown"}, "confirmed", True, "confirmed"),
])
def test_aggressor_unknowns_mark_a_status_that_could_change(given_answers, level, complete, highest):
    result = instruments.score("aggressor_status", aggressor(**given_answers))
    assert (result["level"], result["complete"], result["highest_possible_level"]) == (level, complete, highest)
    assert result["unknown_count"] == list(given_answers.values()).count("unknown")


def test_without_contraindications_the_programme_is_open():
    result = instruments.score("aggressor_status", aggressor(physical_violence="yes"))
    assert (result["programme_eligible"], result["suggested_referral"]) == (True, None)
    assert result["contraindications"] == []


@pytest.mark.parametrize("item_id", CONTRAINDICATIONS)
def test_a_contraindication_rules_the_programme_out_and_suggests_health(item_id):
    result = instruments.score("aggressor_status", aggressor(physical_violence="yes", **{item_id: "yes"}))
    assert result["level"] == "confirmed"  # the status stands; only the programme is ruled out
    assert (result["programme_eligible"], result["suggested_referral"]) == (False, "health")
    assert result["contraindications"] == [item_id]


@pytest.mark.parametrize("item_id", CONTRAINDICATIONS)
def test_an_unknown_contraindication_leaves_eligibility_undecided(item_id):
    result = instruments.score("aggressor_status", aggressor(physical_violence="yes", **{item_id: "unknown"}))
    assert (result["programme_eligible"], result["suggested_referral"]) == (None, None)
    assert result["unknown_contraindications"] == [item_id]
    assert result["complete"] is True  # the status itself cannot change


def test_a_present_contraindication_decides_even_when_another_is_unknown():
    result = instruments.score("aggressor_status", aggressor(alcohol_dependence="yes", gambling_addiction="unknown"))
    assert (result["programme_eligible"], result["suggested_referral"]) == (False, "health")


# Bad answers --------------------------------------------------------------------------------------

def test_an_unknown_instrument_is_named():
    assert list(refused_fields(lambda: instruments.score("danger_assessment", {}))) == ["instrument"]
    assert list(refused_fields(lambda: instruments.score(["odara"], {}))) == ["instrument"]


@pytest.mark.parametrize("version", ["2", "0", "", 1])
def test_an_unknown_version_is_named(version):
    assert list(refused_fields(lambda: instruments.score("odara", answers("odara"), version=version))) == ["version"]


def test_an_answer_to_an_item_that_does_not_exist_is_named():
    errors = refused_fields(lambda: instruments.score("odara", {**answers("odara"), "current_injury": "no"}))
    assert list(errors) == ["answers.current_injury"]
    assert "No such item" in errors["answers.current_injury"][0]


def test_a_missing_item_is_named_even_when_unknown_would_do():
    given_answers = answers("victim_risk")
    del given_answers["strangulation"]
    errors = refused_fields(lambda: instruments.score("victim_risk", given_answers))
    assert list(errors) == ["answers.strangulation"]
    assert "unknown" in errors["answers.strangulation"][0]


@pytest.mark.parametrize("answer", ["maybe", "Yes", "", True, 1, None, ["yes"], {"a": "yes"}, "y" * 1000])
def test_an_answer_outside_the_allowed_set_is_named(answer):
    errors = refused_fields(lambda: instruments.score("victim_risk", {**answers("victim_risk"), "fear": answer}))
    assert list(errors) == ["answers.fear"]
    assert "allowed: yes, no, unknown" in errors["answers.fear"][0]
    assert len(errors["answers.fear"][0]) < 120  # a pasted paragraph is not echoed back whole


def test_every_bad_answer_is_named_at_once():
    given_answers = {**answers("aggressor_status"), "bogus": "yes", "threats": "perhaps"}
    del given_answers["gambling_addiction"]
    errors = refused_fields(lambda: instruments.score("aggressor_status", given_answers))
    assert set(errors) == {"answers.bogus", "answers.threats", "answers.gambling_addiction"}


@pytest.mark.parametrize("given_answers", [None, [], "yes", ["yes"] * 13])
def test_answers_that_are_not_an_object_are_named(given_answers):
    assert list(refused_fields(lambda: instruments.score("odara", given_answers))) == ["answers"]


def test_an_empty_answer_set_names_every_item():
    assert set(refused_fields(lambda: instruments.score("odara", {}))) == {f"answers.{i}" for i in item_ids("odara")}


# Properties over any answers ----------------------------------------------------------------------

def any_answers(code: str):
    ids = item_ids(code)
    return st.lists(st.sampled_from(["yes", "no", "unknown"]), min_size=len(ids), max_size=len(ids)).map(
        lambda given: dict(zip(ids, given)))


def resolutions(given_answers: dict, data) -> dict:
    """The same answers with each unknown found out later, one way or the other."""
    return {item_id: data.draw(st.sampled_from(["yes", "no"])) if answer == "unknown" else answer
            for item_id, answer in given_answers.items()}


@pytest.mark.parametrize("code", CODES)
@given(data=st.data())
def test_finding_out_the_unknowns_stays_within_the_reported_levels(code, data):
    given_answers = data.draw(any_answers(code))
    result = instruments.score(code, given_answers)
    later = instruments.score(code, resolutions(given_answers, data))
    order = instruments.level_codes(code)
    low, high = order.index(result["level"]), order.index(result["highest_possible_level"])
    assert low <= order.index(later["level"]) <= high
    if result["complete"]:
        assert later["level"] == result["level"]
    assert result["unknown_count"] == list(given_answers.values()).count("unknown")
    assert later["score"] >= result["score"]


# The family needs assessment ---------------------------------------------------------------------

def needs(**given) -> dict:
    """family_needs answers: every item no except those given."""
    return {item_id: given.get(item_id, "no") for item_id in item_ids("family_needs")}


def test_family_needs_scores_each_side_and_the_care_loss_risk():
    result = instruments.score("family_needs", needs(child_health="yes", child_education="yes", housing="unknown",
                                                     earlier_removal="yes", authorities_involved="yes"))
    assert result["sides"] == {
        "child_development": {"score": 2, "max_score": 5, "unknown_count": 0},
        "parent_capacity": {"score": 0, "max_score": 5, "unknown_count": 0},
        "family_environment": {"score": 0, "max_score": 5, "unknown_count": 1},
    }
    assert result["care_loss_risk"] == {"score": 2, "max_score": 7, "level": "medium", "complete": True,
                                        "highest_possible_level": "medium"}
    assert result["level"] == "medium" and result["score"] == 2


@pytest.mark.parametrize("yes, level", [(0, "low"), (1, "low"), (2, "medium"), (3, "medium"), (4, "high"),
                                        (7, "high")])
def test_the_care_loss_levels_band_the_risk_signs(yes, level):
    risk = item_ids("family_needs", "care_loss")
    assert instruments.score("family_needs", needs(**dict.fromkeys(risk[:yes], "yes")))["level"] == level


def test_an_unknown_care_loss_sign_never_counts_as_no():
    risk = item_ids("family_needs", "care_loss")
    result = instruments.score("family_needs", needs(**{risk[0]: "yes", risk[1]: "unknown"}))
    assert result["level"] == "low"
    assert result["care_loss_risk"]["complete"] is False
    assert result["care_loss_risk"]["highest_possible_level"] == "medium"


def test_a_family_needs_assessment_belongs_to_a_case():
    from domain.actor import Actor
    from domain.assessment import Assessment
    worker = Actor(user_id="u1", username="aigerim", role="consultant")
    errors = refused_fields(lambda: Assessment.record(instrument="family_needs", answers=needs(), actor=worker))
    assert list(errors) == ["case_id"]
    assessment = Assessment.record(instrument="family_needs", answers=needs(), actor=worker,
                                   case_id="0b0ae5a6-54a5-4c4b-8f3e-8b3c7d1b2a10")
    assert assessment.subject_role == "family" and assessment.level == "low"
    assert instruments.get("family_needs")["needs_case"] is True
    assert instruments.get("victim_risk")["needs_case"] is False
