"""Scoring rules, chosen by each version's `scoring.method`.

An `unknown` answer never counts as `no`. Each rule maps the set of items answered yes to a
score and a level; the reported level counts only the yes answers, and the same rule run with
every unknown taken as yes gives the highest level the unknowns could reach. The two differ
exactly when the unknowns could change the level, which is what `complete: false` means.
"""
from types import MappingProxyType

LEVEL_LABELS = ("code", "min", "max", "kk", "ru", "en")


def _count_yes(version, yes: set[str]) -> tuple[int, int, MappingProxyType]:
    """Score = number of yes; the level is the band the score falls in."""
    points = sum(1 for item in version["items"] if item["id"] in yes)
    level = next(level for level in version["scoring"]["levels"] if level["min"] <= points <= level["max"])
    return points, len(version["items"]), level


def _status(version, yes: set[str]) -> tuple[int, int, MappingProxyType]:
    """Committed violence confirms; otherwise a risk sign makes the status potential."""
    scoring = version["scoring"]
    groups = (scoring["confirmed_if_any_yes"], scoring["potential_if_any_yes"])
    scored = [item for item in version["items"] if item.get("group") in groups]
    answered_yes = {item.get("group") for item in scored if item["id"] in yes}
    if scoring["confirmed_if_any_yes"] in answered_yes:
        code = "confirmed"
    elif scoring["potential_if_any_yes"] in answered_yes:
        code = "potential"
    else:
        code = "not_established"
    level = next(level for level in scoring["levels"] if level["code"] == code)
    return sum(1 for item in scored if item["id"] in yes), len(scored), level


def _risk_count(version, yes: set[str]) -> tuple[int, int, MappingProxyType]:
    """family_needs: the care-loss risk items answered yes, banded; the sides are reported beside it."""
    scoring = version["scoring"]
    risk = [item for item in version["items"] if item.get("group") == scoring["risk_group"]]
    points = sum(1 for item in risk if item["id"] in yes)
    level = next(level for level in scoring["levels"] if level["min"] <= points <= level["max"])
    return points, len(risk), level


METHODS = {"count_yes": _count_yes, "status": _status, "sides": _risk_count}


def _sides(version, answers: dict, points: int, max_score: int, level, highest) -> dict:
    """Each side's needs present (yes) and unknown, and the care-loss risk with its level."""
    scoring = version["scoring"]
    if scoring["method"] != "sides":
        return {}
    sides = {}
    for side in scoring["sides"]:
        ids = [item["id"] for item in version["items"] if item.get("group") == side]
        sides[side] = {"score": sum(1 for item_id in ids if answers[item_id] == "yes"), "max_score": len(ids),
                       "unknown_count": sum(1 for item_id in ids if answers[item_id] == "unknown")}
    return {"sides": sides, "care_loss_risk": {
        "score": points, "max_score": max_score, "level": level["code"],
        "complete": highest["code"] == level["code"], "highest_possible_level": highest["code"]}}


def _level_facts(level) -> dict:
    """What a level says beyond its name: a bin's bounds and e.g. its recidivism rate."""
    facts = {key: value for key, value in level.items() if key not in LEVEL_LABELS}
    if "min" in level:
        facts["bin"] = {"min": level["min"], "max": level["max"]}
    return facts


def _eligibility(version, answers: dict) -> dict:
    """Any contraindication present rules the programme out; an unknown one leaves it open."""
    contraindications = [item["id"] for item in version["items"] if item.get("contraindication")]
    if not contraindications:
        return {}
    present = [item_id for item_id in contraindications if answers[item_id] == "yes"]
    unknown = [item_id for item_id in contraindications if answers[item_id] == "unknown"]
    eligible = False if present else (None if unknown else True)
    return {
        "programme_eligible": eligible,
        "contraindications": present,
        "unknown_contraindications": unknown,
        "suggested_referral": version["scoring"].get("ineligible_referral") if present else None,
    }


def score(version, answers: dict) -> dict:
    """The result of checked answers, as plain JSON-able data."""
    rule = METHODS[version["scoring"]["method"]]
    yes = {item_id for item_id, answer in answers.items() if answer == "yes"}
    unknown = {item_id for item_id, answer in answers.items() if answer == "unknown"}
    points, max_score, level = rule(version, yes)
    _, _, highest = rule(version, yes | unknown)
    return {
        "score": points,
        "max_score": max_score,
        "level": level["code"],
        **_level_facts(level),
        "unknown_count": len(unknown),
        "complete": highest["code"] == level["code"],
        "highest_possible_level": highest["code"],
        **_eligibility(version, answers),
        **_sides(version, answers, points, max_score, level, highest),
    }
