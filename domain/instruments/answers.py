"""Checks a set of answers against one instrument version before anything is scored."""
from domain.errors import Reason

LONGEST_ECHO = 40  # an error repeats a bad answer, but never a whole pasted paragraph


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= LONGEST_ECHO else text[:LONGEST_ECHO] + "…"


def answer_errors(code: str, version, answers) -> dict[str, list[Reason]]:
    """Every problem at once, each under `answers.<item_id>`, so a form can mark them all."""
    if not isinstance(answers, dict):
        return {"answers": [Reason("answers.not_object")]}
    allowed = {item["id"]: tuple(item.get("answers", version["answers"])) for item in version["items"]}
    errors: dict[str, list[Reason]] = {}
    for item_id, answer in answers.items():
        field = f"answers.{item_id}"
        if item_id not in allowed:
            errors[field] = [Reason("answers.item_unknown", instrument=code, version=version["version"])]
        elif not isinstance(answer, str) or answer not in allowed[item_id]:
            errors[field] = [Reason("answers.not_allowed", answer=_shown(answer), allowed=allowed[item_id])]
    for item_id in allowed:
        if item_id not in answers:
            errors[f"answers.{item_id}"] = [Reason("answers.missing")]
    return errors
