"""The reference code lists: fixed codes, real labels in three languages, a lookup that refuses unknowns."""
import json
import re
from itertools import pairwise

import pytest

from domain import reference
from domain.reference import CODE_LISTS, LANGUAGES, Code, as_json, codes, get

EXPECTED = {
    "services": ("helpline", "family_service"),
    "channels": ("phone", "whatsapp", "telegram", "web_chat", "email", "sms", "in_person", "video"),
    "contact_types": (
        "counselling", "information", "silent", "hang_up", "prank", "wrong_number", "abusive",
        "repeat_caller",
    ),
    "caller_roles": (
        "victim", "aggressor", "witness", "potential_victim", "relative", "professional", "other",
        "unknown",
    ),
    "genders": ("female", "male", "other", "unknown"),
    "age_groups": ("under_14", "14_17", "18_24", "25_34", "35_44", "45_59", "60_plus", "unknown"),
    "regions": (
        "abai", "akmola", "aktobe", "almaty_region", "atyrau", "east_kazakhstan", "jambyl", "jetisu",
        "karaganda", "kostanay", "kyzylorda", "mangystau", "north_kazakhstan", "pavlodar", "turkistan",
        "ulytau", "west_kazakhstan", "astana", "almaty", "shymkent", "outside_kazakhstan", "unknown",
    ),
    "settlement_types": ("urban", "rural", "unknown"),
    "languages": ("kk", "ru", "en", "uz", "other"),
    "categories": (
        "rape", "sexual_assault", "physical_assault", "forced_marriage", "denial_of_resources",
        "psychological_abuse", "stalking", "economic_violence", "child_abuse", "child_neglect",
        "suicidal_ideation", "self_harm", "mental_health", "family_conflict", "information_request",
        "other",
    ),
    "risk_flags": (
        "immediate_danger", "suicidal_ideation", "self_harm", "weapon", "children_at_risk",
        "threats_to_kill", "strangulation", "injury", "pregnancy",
    ),
    "outcomes": (
        "information_given", "psychological_support", "safety_planning", "referral_made",
        "emergency_services_called", "follow_up_planned", "other",
    ),
    "consent_kinds": ("services", "reporting"),
    "referral_sources": (
        "helpline", "police", "crisis_centre", "court", "guardianship", "self", "health", "education",
        "ngo", "other",
    ),
    "referral_targets": (
        "family_service", "crisis_centre", "police", "health", "legal_aid", "shelter", "social_services",
    ),
    "urgencies": ("routine", "urgent", "emergency"),
    "consultation_formats": ("in_person", "online"),
    "staff_roles": ("consultant", "psychologist", "supervisor", "admin"),
    "conference_kinds": ("supervision", "intervision", "multi_agency"),
    # Casework over months (issue 12).
    "case_sources": (
        "guardianship", "school", "health", "police", "crisis_centre", "ngo", "court", "helpline", "self_referral",
        "other",
    ),
    "case_closure_reasons": (
        "self_sufficient", "moved_away", "refused_help", "transferred", "placed_in_care", "returned_to_family",
        "death", "other",
    ),
    "follow_up_findings": ("doing_well", "concerns", "needs_help_again", "not_reached"),
    # The danger panel's steps first (their codes kept), then the rest of a safety plan's.
    "safety_steps": (
        "safe_now", "can_leave", "safe_place", "documents", "children", "code_word", "next_contact",
        "people_to_call", "bag_ready", "children_plan", "documents_ready", "emergency_numbers",
    ),
    "goal_progress": ("achieved", "progressing", "no_change", "worse"),
    "family_progress": ("improved", "stable", "worse"),
    "programme_kinds": ("correctional_aggressors", "parent_course", "support_group", "other"),
    "social_statuses": ("children", "young_people", "civil_servants", "public_sector", "disabled", "older_people",
                        "unemployed", "ngo_members", "business", "other"),
    "training_kinds": ("webinar", "training", "supervision", "monitoring_visit"),
    "training_audiences": ("juvenile_police", "police", "crisis_centre_staff", "social_workers", "health_workers",
                           "educators", "mixed"),
}

KAZAKH_LETTERS = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
CYRILLIC = re.compile(r"[А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]")
LATIN = re.compile(r"[A-Za-z]")
# The regions created in 2022 keep their Kazakh spelling in their official Russian names.
OFFICIAL_RUSSIAN_NAMES_WITH_KAZAKH_LETTERS = {("regions", "jetisu"), ("regions", "ulytau")}

ALL_CODES = [(name, entry) for name, entries in CODE_LISTS.items() for entry in entries]


def test_the_lists_are_exactly_the_expected_ones():
    assert tuple(CODE_LISTS) == tuple(EXPECTED)


@pytest.mark.parametrize("list_name", EXPECTED)
def test_each_list_has_exactly_its_codes_in_display_order(list_name):
    assert codes(list_name) == EXPECTED[list_name]
    assert tuple(entry.code for entry in CODE_LISTS[list_name]) == EXPECTED[list_name]
    assert all(isinstance(entry, Code) for entry in CODE_LISTS[list_name])


@pytest.mark.parametrize("list_name", EXPECTED)
def test_codes_are_unique_within_a_list(list_name):
    assert len(set(codes(list_name))) == len(codes(list_name))


@pytest.mark.parametrize(("list_name", "entry"), ALL_CODES, ids=[f"{n}.{e.code}" for n, e in ALL_CODES])
def test_every_label_is_a_non_empty_stripped_string(list_name, entry):
    for language in LANGUAGES:
        text = entry.label(language)
        assert isinstance(text, str)
        assert text and text == text.strip()


@pytest.mark.parametrize(("list_name", "entry"), ALL_CODES, ids=[f"{n}.{e.code}" for n, e in ALL_CODES])
def test_labels_are_written_in_their_own_script(list_name, entry):
    assert CYRILLIC.search(entry.kk), entry.kk
    assert CYRILLIC.search(entry.ru), entry.ru
    assert LATIN.search(entry.en) and not CYRILLIC.search(entry.en), entry.en
    if (list_name, entry.code) not in OFFICIAL_RUSSIAN_NAMES_WITH_KAZAKH_LETTERS:
        assert not KAZAKH_LETTERS & set(entry.ru), f"Kazakh letters in a Russian label: {entry.ru}"


@pytest.mark.parametrize(("list_name", "entry"), ALL_CODES, ids=[f"{n}.{e.code}" for n, e in ALL_CODES])
def test_no_kazakh_label_is_the_english_one(list_name, entry):
    assert entry.kk != entry.en


def test_kazakh_labels_use_kazakh_letters():
    def uses_kazakh_letters(entries):
        return sum(1 for entry in entries if KAZAKH_LETTERS & set(entry.kk))

    assert uses_kazakh_letters(CODE_LISTS["regions"]) >= 10
    assert uses_kazakh_letters(entry for _, entry in ALL_CODES) > len(ALL_CODES) // 2


def test_region_names_are_the_official_ones():
    assert get("regions", "abai").labels == {"kk": "Абай облысы", "ru": "область Абай", "en": "Abai Region"}
    assert get("regions", "astana").labels == {"kk": "Астана қаласы", "ru": "г. Астана", "en": "Astana city"}
    assert get("regions", "east_kazakhstan").kk == "Шығыс Қазақстан облысы"
    assert get("regions", "jetisu").ru == "область Жетісу"
    assert get("regions", "ulytau").ru == "область Ұлытау"


def test_there_are_seventeen_regions_and_three_cities_of_republican_significance():
    by_kind: dict[str, list[str]] = {}
    for entry in CODE_LISTS["regions"]:
        by_kind.setdefault(entry.attributes["kind"], []).append(entry.code)
    assert len(by_kind["region"]) == 17
    assert by_kind["city"] == ["astana", "almaty", "shymkent"]
    assert by_kind["other"] == ["outside_kazakhstan", "unknown"]
    assert set(by_kind) == {"region", "city", "other"}


def test_only_counselling_and_information_are_data_contacts():
    non_data = {entry.code: entry.attributes["non_data"] for entry in CODE_LISTS["contact_types"]}
    assert [code for code, flag in non_data.items() if not flag] == ["counselling", "information"]
    assert all(isinstance(flag, bool) for flag in non_data.values())


def test_six_categories_are_gbvims_ones():
    gbvims = [entry.code for entry in CODE_LISTS["categories"] if entry.attributes["gbvims"] is True]
    assert gbvims == [
        "rape", "sexual_assault", "physical_assault", "forced_marriage", "denial_of_resources",
        "psychological_abuse",
    ]
    assert all(entry.attributes["gbvims"] in (True, False) for entry in CODE_LISTS["categories"])


def test_age_groups_cover_every_age_without_gaps_or_overlaps():
    bounded = [entry for entry in CODE_LISTS["age_groups"] if entry.code != "unknown"]
    assert "min_age" not in get("age_groups", "unknown").attributes
    assert bounded[0].attributes["min_age"] == 0
    assert bounded[-1].attributes == {"min_age": 60, "max_age": None}
    for lower, upper in pairwise(bounded):
        assert upper.attributes["min_age"] == lower.attributes["max_age"] + 1
    assert get("age_groups", "under_14").attributes == {"min_age": 0, "max_age": 13}
    assert get("age_groups", "14_17").attributes == {"min_age": 14, "max_age": 17}


def test_label_falls_back_to_english_for_an_unknown_language():
    entry = get("genders", "female")
    assert entry.label("kk") == "Әйел"
    assert entry.label("ru") == "Женский"
    assert entry.label("en") == "Female"
    assert entry.label("de") == "Female"
    assert entry.label("") == "Female"


def test_codes_and_get_refuse_unknown_names():
    with pytest.raises(KeyError):
        codes("no_such_list")
    with pytest.raises(KeyError):
        get("no_such_list", "helpline")
    with pytest.raises(KeyError):
        get("services", "no_such_code")
    with pytest.raises(KeyError):
        get("regions", "Astana")


def test_get_returns_the_code_itself():
    assert get("services", "helpline") is CODE_LISTS["services"][0]
    assert "сенім телефоны" in get("services", "helpline").kk


def test_the_lists_cannot_be_changed_by_callers():
    with pytest.raises(TypeError):
        CODE_LISTS["services"] = ()  # type: ignore[index]
    with pytest.raises(AttributeError):
        get("services", "helpline").en = "Changed"  # type: ignore[misc]


def test_codes_compare_and_hash_by_value_ignoring_attributes():
    one = Code("x", "а", "б", "c", {"kind": "region"})
    other = Code("x", "а", "б", "c", {"kind": "city"})
    assert one == other and hash(one) == hash(other)


def test_as_json_is_serialisable_and_round_trips_the_labels():
    dumped = as_json()
    loaded = json.loads(json.dumps(dumped, ensure_ascii=False))
    assert list(loaded) == list(EXPECTED)
    for list_name, items in loaded.items():
        assert [item["code"] for item in items] == list(EXPECTED[list_name])
        for item in items:
            entry = get(list_name, item["code"])
            assert item["labels"] == {language: entry.label(language) for language in LANGUAGES}
            assert {key: value for key, value in item.items() if key not in ("code", "labels")} == entry.attributes


def test_as_json_carries_the_attributes_flat():
    dumped = as_json()
    assert dumped["contact_types"][2] == {
        "code": "silent",
        "labels": {"kk": "Үнсіз абонент", "ru": "Молчащий абонент", "en": "Silent contact"},
        "non_data": True,
    }
    assert dumped["age_groups"][6]["max_age"] is None


def test_as_json_hands_out_copies():
    dumped = as_json()
    dumped["regions"][0]["kind"] = "changed"
    dumped["regions"][0]["labels"]["en"] = "changed"
    assert get("regions", "abai").attributes["kind"] == "region"
    assert get("regions", "abai").en == "Abai Region"
    assert reference.as_json()["regions"][0]["kind"] == "region"
