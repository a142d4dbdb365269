"""Checks a set of answers against one instrument version before anything is scored."""

MISSING = "Every item needs an answer; answer 'unknown' when it is not known."
LONGEST_ECHO = 40  # an error repeats a bad answer, but never a whole pasted paragraph


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= LONGEST_ECHO else text[:LONGEST_ECHO] + "…"


def answer_errors(code: str, version, answers) -> dict[str, list[str]]:
    """Every problem at once, each under `answers.<item_id>`, so a form can mark them all."""
    if not isinstance(answers, dict):
        return {"answers": ["Give an object of item ids and their answers."]}
    allowed = {item["id"]: tuple(item.get("answers", version["answers"])) for item in version["items"]}
    errors: dict[str, list[str]] = {}
    for item_id, answer in answers.items():
        field = f"answers.{item_id}"
        if item_id not in allowed:
            errors[field] = [f"No such item in {code} version {version['version']}."]
        elif not isinstance(answer, str) or answer not in allowed[item_id]:
            errors[field] = [f"Not an allowed answer: {_shown(answer)}; allowed: {', '.join(allowed[item_id])}."]
    for item_id in allowed:
        if item_id not in answers:
            errors[f"answers.{item_id}"] = [MISSING]
    return errors
