"""Questionnaires as versioned data, like the risk instruments: feedback after a consultation, tests
before and after a training or course (scored on the server, with the right answers), course
evaluations.

Each definition lives in its own module as plain data: its kind, its title and items in kk/ru/en,
each item's type and what it allows. A published version is a record: never edit one, add a new
version below it. This package checks them once at load, and is the only way the rest of the
system reads them, checks answers against them, or scores them.

Item types and their answers:
- `scale`: a whole number from `min` to `max` (1–5); its top answer is `max`;
- `single`: one option code; `multiple`: a list of distinct option codes (maybe empty);
- `yes_no`: "yes", "no" or "unknown"; its top answer is "yes";
- `number`: a number from `min` to `max` (whole when `integer`);
- `text`: free text of at most `max_length` characters: personal, sealed, read by supervisors only.
An item is required unless it says `"required": False` (free text never is). A test's items name
their right answer (`correct`: an option code, a list of codes, or "yes"/"no"): the score is the
number of items answered right, out of the items that have one.
"""
import math
import re

from domain.errors import Invalid, Reason
from domain.instruments.registry import fingerprint_of, freeze, thaw
from domain.questionnaires import consultation_feedback, course_evaluation, parent_course_test

KINDS = ("consultation_feedback", "pre_post_test", "course_evaluation")
FEEDBACK_KINDS = ("consultation_feedback", "course_evaluation")  # may be handed out as a public link
ITEM_TYPES = ("scale", "single", "multiple", "yes_no", "number", "text")
YES_NO = ("yes", "no", "unknown")
LANGUAGES = ("kk", "ru", "en")
TEXT_MAX = 2_000
LONGEST_ECHO = 40
# What a person typed may not hold C0 control characters (but tab and newlines) nor half a surrogate pair.
UNWRITABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
ITEM_ID = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")


def _labels(where: str, record) -> None:
    for language in LANGUAGES:
        text = record.get(language) if record is not None else None
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{where}: no {language} wording")


def _check_item(where: str, item, scored: bool) -> None:
    kind = item.get("type")
    if kind not in ITEM_TYPES:
        raise ValueError(f"{where}: unknown type {kind!r}")
    _labels(where, item)
    if kind in ("single", "multiple"):
        codes = [option["code"] for option in item["options"]]
        if len(codes) < 2 or len(set(codes)) != len(codes):
            raise ValueError(f"{where}: options missing or repeated")
        for option in item["options"]:
            _labels(f"{where} option {option['code']}", option)
    if kind in ("scale", "number") and not item["min"] < item["max"]:
        raise ValueError(f"{where}: min must be below max")
    if "correct" in item:
        if not scored:
            raise ValueError(f"{where}: only a test has right answers")
        correct = item["correct"]
        allowed = {"single": lambda: correct in codes, "yes_no": lambda: correct in ("yes", "no"),
                   "multiple": lambda: set(correct) <= set(codes)}.get(kind)
        if allowed is None or not allowed():
            raise ValueError(f"{where}: its right answer is not one it allows")


def _check(record) -> None:
    code = record["code"]
    if record["kind"] not in KINDS:
        raise ValueError(f"{code}: unknown kind {record['kind']!r}")
    _labels(f"{code} title", record["title"])
    numbers = [version["version"] for version in record["versions"]]
    if not numbers or len(set(numbers)) != len(numbers):
        raise ValueError(f"{code}: versions missing or numbered twice")
    for version in record["versions"]:
        ids = [item["id"] for item in version["items"]]
        if len(set(ids)) != len(ids):
            raise ValueError(f"{code} {version['version']}: repeated item ids")
        for item in version["items"]:
            _check_item(f"{code} {version['version']} item {item['id']}", item, record["kind"] == "pre_post_test")
        if record["kind"] == "pre_post_test" and not any("correct" in item for item in version["items"]):
            raise ValueError(f"{code}: a test needs items with right answers")


class Registry:
    """Every questionnaire by code; the last version listed is the current one."""

    def __init__(self, records):
        self._records: dict = {}
        for record in records:
            if record["code"] in self._records:
                raise ValueError(f"questionnaire {record['code']!r} registered twice")
            _check(record)
            self._records[record["code"]] = freeze(record)

    def codes(self) -> tuple[str, ...]:
        return tuple(self._records)

    def record(self, code):
        if not isinstance(code, str) or code not in self._records:
            raise Invalid("questionnaire", "questionnaire.unknown", questionnaire=str(code)[:LONGEST_ECHO],
                          known=tuple(self._records))
        return self._records[code]

    def version(self, code: str, version: str | None = None):
        versions = self.record(code)["versions"]
        if version is None:
            return versions[-1]
        for candidate in versions:
            if candidate["version"] == version:
                return candidate
        raise Invalid("version", "questionnaire.version_unknown", version=str(version)[:LONGEST_ECHO],
                      questionnaire=code, published=tuple(candidate["version"] for candidate in versions))

    def get(self, code: str, version: str | None = None) -> dict:
        """One version as plain data, with the questionnaire's code, kind, title and fingerprint."""
        record, chosen = self.record(code), self.version(code, version)
        return {"code": code, "kind": record["kind"], "title": thaw(record["title"]), **thaw(chosen),
                "fingerprint": fingerprint_of(code, chosen)}

    def all(self) -> list[dict]:
        return [{"code": code, "kind": record["kind"], "title": thaw(record["title"]),
                 "current_version": record["versions"][-1]["version"],
                 "versions": [{**thaw(version), "fingerprint": fingerprint_of(code, version)}
                              for version in record["versions"]]}
                for code, record in self._records.items()]


REGISTRY = Registry([consultation_feedback.QUESTIONNAIRE, parent_course_test.QUESTIONNAIRE,
                     course_evaluation.QUESTIONNAIRE])


def all_questionnaires() -> list[dict]:
    return REGISTRY.all()


def get(code: str, version: str | None = None) -> dict:
    return REGISTRY.get(code, version)


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= LONGEST_ECHO else text[:LONGEST_ECHO] + "…"


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _item_error(item: dict, answer) -> Reason | None:
    """Why one answer does not fit its item, or None."""
    kind = item["type"]
    if kind == "scale":
        if not isinstance(answer, int) or isinstance(answer, bool) or not item["min"] <= answer <= item["max"]:
            return Reason("questionnaire.scale", answer=_shown(answer), min=item["min"], max=item["max"])
    elif kind == "single":
        codes = tuple(option["code"] for option in item["options"])
        if answer not in codes:
            return Reason("questionnaire.not_an_option", answer=_shown(answer), allowed=codes)
    elif kind == "multiple":
        codes = tuple(option["code"] for option in item["options"])
        if not isinstance(answer, list) or any(not isinstance(code, str) or code not in codes for code in answer):
            return Reason("questionnaire.not_an_option", answer=_shown(answer), allowed=codes)
        if len(set(answer)) != len(answer):
            return Reason("questionnaire.option_repeated")
    elif kind == "yes_no":
        if answer not in YES_NO:
            return Reason("questionnaire.not_an_option", answer=_shown(answer), allowed=YES_NO)
    elif kind == "number":
        if not _is_number(answer) or (item.get("integer") and not float(answer).is_integer()):
            return Reason("questionnaire.not_a_number", answer=_shown(answer))
        if not item["min"] <= answer <= item["max"]:
            return Reason("questionnaire.out_of_range", min=item["min"], max=item["max"])
    elif kind == "text":
        if not isinstance(answer, str) or UNWRITABLE.search(answer):
            return Reason("text.not_text")
        if len(answer) > item.get("max_length", TEXT_MAX):
            return Reason("text.longer_than", max=item.get("max_length", TEXT_MAX))
    return None


def is_required(item: dict) -> bool:
    return item["type"] != "text" and item.get("required", True)


def answer_errors(code: str, answers, version: str | None = None) -> dict[str, list[Reason]]:
    """Every problem at once, each under `answers.<item_id>`; Invalid for an unknown questionnaire or version.

    A blank text or an absent optional item is simply not answered (null counts as absent)."""
    chosen = REGISTRY.version(code, version)
    if not isinstance(answers, dict):
        return {"answers": [Reason("answers.not_object")]}
    items = {item["id"]: item for item in chosen["items"]}
    errors: dict[str, list[Reason]] = {}
    for item_id, answer in answers.items():
        # An unknown key is named only when it is plain (never echo a paragraph or a broken character).
        field = f"answers.{item_id}" if isinstance(item_id, str) and ITEM_ID.match(item_id) else "answers"
        if item_id not in items:
            errors[field] = [Reason("questionnaire.item_unknown", questionnaire=code, version=chosen["version"])]
        elif answer is not None:
            problem = _item_error(items[item_id], answer)
            if problem is not None:
                errors[field] = [problem]
    for item_id, item in items.items():
        if is_required(item) and answers.get(item_id) is None:
            errors[f"answers.{item_id}"] = [Reason("questionnaire.answer_missing")]
    return errors


def split_answers(code: str, answers: dict, version: str | None = None) -> tuple[dict, dict]:
    """(answers to the closed items, free texts): texts are personal and sealed apart; blanks dropped."""
    items = {item["id"]: item for item in REGISTRY.version(code, version)["items"]}
    closed, texts = {}, {}
    for item_id, answer in answers.items():
        if answer is None:
            continue
        if items[item_id]["type"] == "text":
            if answer.strip():
                texts[item_id] = answer.strip()
        else:
            closed[item_id] = answer
    return closed, texts


def _right(item: dict, answer) -> bool:
    if item["type"] == "multiple":
        return isinstance(answer, list) and set(answer) == set(item["correct"])
    return answer == item["correct"]


def score(code: str, answers: dict, version: str | None = None) -> dict | None:
    """A test's score: right answers out of the items that have one, and its percentage; None for other kinds."""
    if REGISTRY.record(code)["kind"] != "pre_post_test":
        return None
    scored = [item for item in REGISTRY.version(code, version)["items"] if "correct" in item]
    points = sum(1 for item in scored if _right(item, answers.get(item["id"])))
    return {"score": points, "max_score": len(scored), "percent": round(100 * points / len(scored), 1)}


def check(code: str, answers, version: str | None = None) -> None:
    errors = answer_errors(code, answers, version)
    if errors:
        raise Invalid.many(errors)
