"""Risk-assessment instruments as versioned data, and the server-side scoring of answers.

Each instrument lives in its own module as plain data (items in kk/ru/en, allowed answers,
scoring rule and levels per published version); this package registers them and is the only
way the rest of the system reads or scores them.
"""
from domain.errors import Invalid, Reason
from domain.instruments import aggressor_status, family_needs, odara, victim_risk
from domain.instruments.answers import answer_errors as _answer_errors
from domain.instruments.registry import Registry
from domain.instruments.scoring import score as _score

REGISTRY = Registry([victim_risk.INSTRUMENT, odara.INSTRUMENT, aggressor_status.INSTRUMENT, family_needs.INSTRUMENT])


def all_instruments() -> list[dict]:
    return REGISTRY.all_instruments()


def get(code: str, version: str | None = None) -> dict:
    return REGISTRY.get(code, version)


def current_version(code: str) -> str:
    return REGISTRY.current_version(code)


def level_codes(code: str, version: str | None = None) -> tuple[str, ...]:
    return REGISTRY.level_codes(code, version)


def fingerprint(code: str, version: str | None = None) -> str:
    return REGISTRY.fingerprint(code, version)


def answer_errors(code: str, answers, version: str | None = None,
                  registry: Registry = REGISTRY) -> dict[str, list[Reason]]:
    """Every problem of a set of answers, by field; raises Invalid for an unknown instrument or version."""
    return _answer_errors(code, registry.version(code, version), answers)


def score(code: str, answers: dict, version: str | None = None, registry: Registry = REGISTRY) -> dict:
    """Checks the answers and scores them; raises Invalid naming every bad field."""
    errors = answer_errors(code, answers, version, registry)
    if errors:
        raise Invalid.many(errors)
    record = registry.version(code, version)
    return {"instrument": code, "version": record["version"], **_score(record, answers)}
