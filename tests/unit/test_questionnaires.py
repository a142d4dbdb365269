"""Questionnaires: definitions checked at load, answers checked per item, tests scored on the server,
free text kept apart, feedback links single-use or expiring, and the analysis' figures."""
from datetime import date, datetime, timedelta, timezone

import pytest

from domain import questionnaires
from domain.actor import Actor
from domain.errors import Conflict, Forbidden, Invalid
from domain.questionnaire import FeedbackLink, QuestionnaireResponse, link_id_for
from intake.queries.questionnaires import analyse, paired_change

CONSULTANT = Actor("u1", "aigerim", "consultant")
ADMIN = Actor("u2", "root", "admin")
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)
FEEDBACK = {"satisfied": 5, "listened": 4, "helped": "partly", "own_language": "yes", "recommend": "yes"}
TEST_RIGHT = {"punishment_works": "no", "tantrum": "calm_name", "praise": "yes",
              "violence_signs": ["withdrawn", "fear", "injuries"], "screen_time": "one_hour", "help_line": "yes",
              "stress": 3}


def test_every_kind_has_a_definition_worded_in_three_languages():
    kinds = {q["kind"] for q in questionnaires.all_questionnaires()}
    assert kinds == set(questionnaires.KINDS)
    for record in questionnaires.all_questionnaires():
        for item in record["versions"][-1]["items"]:
            assert all(item[lang].strip() for lang in ("kk", "ru", "en"))


def test_a_definition_whose_right_answer_it_does_not_allow_is_refused_at_load():
    bad = {"code": "x", "kind": "pre_post_test", "title": {"kk": "x", "ru": "x", "en": "x"},
           "versions": ({"version": "1", "items": ({"id": "a", "type": "yes_no", "correct": "maybe",
                                                    "kk": "a", "ru": "a", "en": "a"},)},)}
    with pytest.raises(ValueError, match="right answer"):
        questionnaires.Registry([bad])


def test_a_feedback_form_may_not_carry_right_answers():
    bad = {"code": "x", "kind": "course_evaluation", "title": {"kk": "x", "ru": "x", "en": "x"},
           "versions": ({"version": "1", "items": ({"id": "a", "type": "yes_no", "correct": "yes",
                                                    "kk": "a", "ru": "a", "en": "a"},)},)}
    with pytest.raises(ValueError, match="only a test"):
        questionnaires.Registry([bad])


@pytest.mark.parametrize("item, answer, code", [
    ("satisfied", 6, "questionnaire.scale"), ("satisfied", "5", "questionnaire.scale"),
    ("satisfied", True, "questionnaire.scale"), ("helped", "maybe", "questionnaire.not_an_option"),
    ("what_helped", ["support", "support"], "questionnaire.option_repeated"),
    ("what_helped", "support", "questionnaire.not_an_option"), ("recommend", "да", "questionnaire.not_an_option"),
    ("comment", 12, "text.not_text"), ("comment", "a\x00b", "text.not_text"), ("comment", "x" * 2001, "text.longer_than"),
    ("nonsense", 1, "questionnaire.item_unknown"),
])
def test_each_bad_answer_is_named_by_its_item(item, answer, code):
    errors = questionnaires.answer_errors("consultation_feedback", {**FEEDBACK, item: answer})
    assert [reason.code for reason in errors[f"answers.{item}"]] == [code]


def test_a_number_item_takes_whole_numbers_in_its_range():
    answers = {"overall": 5, "trainers": 5, "useful": 4, "will_apply": "yes"}
    assert questionnaires.answer_errors("course_evaluation", {**answers, "sessions_attended": 8}) == {}
    for bad, code in ((8.5, "questionnaire.not_a_number"), (float("nan"), "questionnaire.not_a_number"),
                      (51, "questionnaire.out_of_range")):
        errors = questionnaires.answer_errors("course_evaluation", {**answers, "sessions_attended": bad})
        assert errors["answers.sessions_attended"][0].code == code


def test_every_required_item_unanswered_is_named_at_once_and_optional_ones_are_not():
    errors = questionnaires.answer_errors("consultation_feedback", {})
    assert set(errors) == {f"answers.{key}" for key in FEEDBACK}


def test_a_key_that_is_no_plain_item_id_is_not_echoed():
    errors = questionnaires.answer_errors("consultation_feedback", {**FEEDBACK, "\ud800 long text": 1})
    assert "answers" in errors


def test_a_test_is_scored_by_its_right_answers_and_a_multiple_choice_must_be_exact():
    assert questionnaires.score("parent_course_test", TEST_RIGHT) == {"score": 6, "max_score": 6, "percent": 100.0}
    half = {**TEST_RIGHT, "punishment_works": "yes", "violence_signs": ["fear", "injuries"], "help_line": "unknown"}
    assert questionnaires.score("parent_course_test", half) == {"score": 3, "max_score": 6, "percent": 50.0}
    assert questionnaires.score("consultation_feedback", FEEDBACK) is None


def test_a_response_keeps_free_text_apart_from_the_closed_answers():
    response = QuestionnaireResponse.submit(questionnaire="consultation_feedback", actor=CONSULTANT,
                                            answers={**FEEDBACK, "comment": "  Рахмет  ", "what_helped": None})
    assert response.texts == {"comment": "Рахмет"} and response.text_items == ["comment"]
    assert "comment" not in response.answers and "what_helped" not in response.answers


def test_a_test_response_needs_its_phase_and_other_kinds_have_none():
    with pytest.raises(Invalid) as refused:
        QuestionnaireResponse.submit(questionnaire="parent_course_test", answers=TEST_RIGHT, actor=CONSULTANT)
    assert refused.value.codes == {"phase": ["questionnaire.phase_required"]}
    with pytest.raises(Invalid) as refused:
        QuestionnaireResponse.submit(questionnaire="consultation_feedback", answers=FEEDBACK, actor=CONSULTANT,
                                     phase="pre")
    assert "phase" in refused.value.codes


@pytest.mark.parametrize("about, field", [
    ({"kind": "contact", "id": "not-a-uuid"}, "about.id"), ({"kind": "training", "id": "Айгүл Серікова"}, "about.id"),
    ({"kind": "group", "id": "x"}, "about.kind"), ({"kind": "none", "id": "x"}, "about.id"),
    ({"kind": "referral"}, "about.id"),
])
def test_what_a_response_evaluates_is_a_known_kind_with_a_fitting_id(about, field):
    with pytest.raises(Invalid) as refused:
        QuestionnaireResponse.submit(questionnaire="consultation_feedback", answers=FEEDBACK, actor=CONSULTANT,
                                     about=about)
    assert field in refused.value.codes


def test_a_participant_code_is_never_a_name():
    with pytest.raises(Invalid) as refused:
        QuestionnaireResponse.submit(questionnaire="parent_course_test", answers=TEST_RIGHT, actor=CONSULTANT,
                                     phase="pre", participant="Айгүл С.")
    assert refused.value.codes == {"participant": ["questionnaire.code_format"]}


def test_only_casework_staff_record_responses():
    with pytest.raises(Forbidden):
        QuestionnaireResponse.submit(questionnaire="consultation_feedback", answers=FEEDBACK, actor=ADMIN)


def test_a_form_answered_in_the_future_is_refused():
    with pytest.raises(Invalid) as refused:
        QuestionnaireResponse.submit(questionnaire="consultation_feedback", answers=FEEDBACK, actor=CONSULTANT,
                                     answered_at=NOW + timedelta(days=1), now=NOW)
    assert "answered_at" in refused.value.codes


def test_a_link_id_is_derived_from_its_token_one_way():
    link = FeedbackLink.create(questionnaire="consultation_feedback", actor=CONSULTANT, now=NOW)
    assert link.id == link_id_for(link.token) and str(link.id) not in link.token and len(link.token) >= 32


def test_a_link_is_handed_out_for_a_feedback_questionnaire_only():
    with pytest.raises(Invalid) as refused:
        FeedbackLink.create(questionnaire="parent_course_test", actor=CONSULTANT)
    assert refused.value.codes == {"questionnaire": ["feedback_link.not_feedback"]}


def test_a_single_use_link_takes_one_answer_then_names_its_state():
    link = FeedbackLink.create(questionnaire="consultation_feedback", actor=CONSULTANT, now=NOW)
    response = QuestionnaireResponse.submit(questionnaire="consultation_feedback", answers=FEEDBACK, actor=None,
                                            link_id=link.id, now=NOW)
    link.answer(response, now=NOW)
    with pytest.raises(Conflict) as refused:
        link.answer(response, now=NOW)
    assert refused.value.code == "feedback_link.used" and refused.value.state == "used"


def test_a_link_expires_and_an_expiring_one_takes_many_answers_until_then():
    link = FeedbackLink.create(questionnaire="course_evaluation", actor=CONSULTANT, single_use=False, hours=2, now=NOW)
    answers = {"overall": 5, "trainers": 5, "useful": 5, "will_apply": "yes"}
    for _ in range(3):
        link.answer(QuestionnaireResponse.submit(questionnaire="course_evaluation", answers=answers, actor=None,
                                                 now=NOW), now=NOW + timedelta(hours=1))
    assert link.state(NOW + timedelta(hours=1)) == "open" and len(link.responses) == 3
    with pytest.raises(Conflict) as refused:
        link.require_open(NOW + timedelta(hours=2))
    assert refused.value.state == "expired"


def test_link_hours_are_bounded():
    with pytest.raises(Invalid) as refused:
        FeedbackLink.create(questionnaire="consultation_feedback", actor=CONSULTANT, hours=24 * 91)
    assert refused.value.codes == {"expires_in_hours": ["feedback_link.hours"]}


def row(phase, participant, score, stress=None, day="2019-05-01"):
    return {"phase": phase, "participant": participant, "score": score, "answers": {"stress": stress},
            "source": "staff", "has_text": 0, "day": day}


def test_the_paired_change_compares_each_participants_first_pre_and_last_post():
    rows = [row("pre", "A", 2), row("pre", "A", 5), row("pre", "B", 4), row("post", "A", 3), row("post", "A", 4),
            row("post", "B", 4), row("pre", "C", 1), row("post", None, 6)]
    change = paired_change(rows)
    assert change["pairs"] == [{"participant": "A", "pre": 2, "post": 4, "change": 2},
                               {"participant": "B", "pre": 4, "post": 4, "change": 0}]
    assert (change["mean_pre"], change["mean_post"], change["change_percent"]) == (3.0, 4.0, 33.3)
    assert (change["improved"], change["unchanged"], change["worse"]) == (1, 1, 0)


def test_the_analysis_gives_the_distribution_mean_and_share_of_top_answers():
    spec = questionnaires.get("course_evaluation")
    rows = [{"answers": {"overall": 5 if n < 49 else 4, "will_apply": "yes", "topics": ["stress", "emotions"]},
             "source": "link", "has_text": 0, "phase": None, "participant": None, "score": None} for n in range(50)]
    found = analyse(spec, rows, date_from=date(2019, 1, 1), date_to=date(2019, 12, 31))
    assert found["responses"] == 50
    assert found["headline"]["top_percent"] == 98.0 and found["headline"]["top_answer"] == 5
    overall = next(item for item in found["items"] if item["id"] == "overall")
    assert [entry["count"] for entry in overall["distribution"]] == [0, 0, 0, 1, 49]
    assert overall["mean"] == 4.98
    topics = next(item for item in found["items"] if item["id"] == "topics")
    assert {entry["answer"]: entry["percent"] for entry in topics["distribution"]}["stress"] == 100.0
