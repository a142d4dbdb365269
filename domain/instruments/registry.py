"""The registry of instruments: published versions checked once at load, then frozen.

An assessment names an instrument version and is scored by it for ever after, so a published
version must never change: the registry keeps read-only copies, hands out fresh plain copies,
refuses a second version with a number already published, and fingerprints each version so a
test can pin what was published.
"""
import hashlib
import json
from datetime import date
from types import MappingProxyType

from domain.errors import Invalid

LANGUAGES = ("kk", "ru", "en")
METHODS = ("count_yes", "status", "sides")
ANSWERS = ("yes", "no", "unknown")
STATUS_LEVELS = ("not_established", "potential", "confirmed")


def first_version(items: tuple, scoring: dict) -> dict:
    """Version 1 of an instrument as the service first published them all, answered yes, no or unknown."""
    return {"version": "1", "published": "2025-06-01", "answers": ANSWERS, "items": items, "scoring": scoring}


def freeze(value):
    """A read-only deep copy: mappings become proxies, lists and tuples become tuples."""
    if isinstance(value, dict | MappingProxyType):
        return MappingProxyType({key: freeze(item) for key, item in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze(item) for item in value)
    return value


def thaw(value):
    """A plain JSON-able deep copy that callers may change without touching the registry."""
    if isinstance(value, dict | MappingProxyType):
        return {key: thaw(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [thaw(item) for item in value]
    return value


def fingerprint_of(code: str, version) -> str:
    canonical = json.dumps({"code": code, **thaw(version)}, sort_keys=True, ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def _check_labels(where: str, record) -> None:
    for language in LANGUAGES:
        text = record.get(language)
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{where}: no {language} wording")


def _check_levels(where: str, version) -> None:
    scoring, items = version["scoring"], version["items"]
    if scoring["method"] not in METHODS:
        raise ValueError(f"{where}: unknown scoring method {scoring['method']!r}")
    codes = [level["code"] for level in scoring["levels"]]
    if not codes or len(set(codes)) != len(codes):
        raise ValueError(f"{where}: levels missing or repeated")
    for level in scoring["levels"]:
        _check_labels(f"{where} level {level['code']}", level)
    if scoring["method"] in ("count_yes", "sides"):
        # The bands must cover every possible score once, in order, from 0 to all (risk) items yes.
        if scoring["method"] == "sides":
            groups = {item.get("group") for item in items}
            for group in (*scoring["sides"], scoring["risk_group"]):
                if group not in groups:
                    raise ValueError(f"{where}: no item of group {group!r}")
            items = tuple(item for item in items if item.get("group") == scoring["risk_group"])
        expected = 0
        for level in scoring["levels"]:
            if level["min"] != expected or level["max"] < level["min"]:
                raise ValueError(f"{where}: level {level['code']} does not start at {expected}")
            expected = level["max"] + 1
        if expected != len(items) + 1:
            raise ValueError(f"{where}: levels end at {expected - 1}, not at {len(items)}")
    else:
        if tuple(codes) != STATUS_LEVELS:
            raise ValueError(f"{where}: a status rule has the levels {STATUS_LEVELS}, in that order")
        groups = {item.get("group") for item in items}
        for key in ("confirmed_if_any_yes", "potential_if_any_yes"):
            if scoring[key] not in groups:
                raise ValueError(f"{where}: no item of group {scoring[key]!r}")


def _check_version(code: str, version) -> None:
    where = f"{code} version {version['version']}"
    date.fromisoformat(version["published"])
    ids = [item["id"] for item in version["items"]]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{where}: repeated item ids")
    for item in version["items"]:
        _check_labels(f"{where} item {item['id']}", item)
        allowed = item.get("answers", version["answers"])
        if not allowed or set(allowed) - set(ANSWERS):
            raise ValueError(f"{where} item {item['id']}: answers must be among {ANSWERS}")
    _check_levels(where, version)


def _check_instrument(record) -> None:
    code = record["code"]
    _check_labels(f"{code} title", record["title"])
    numbers = [version["version"] for version in record["versions"]]
    if not numbers:
        raise ValueError(f"{code}: no published version")
    if len(set(numbers)) != len(numbers):
        raise ValueError(f"{code}: two versions numbered the same; publish a new number instead")
    dates = [version["published"] for version in record["versions"]]
    if dates != sorted(dates):
        raise ValueError(f"{code}: versions must be listed in the order they were published")
    for version in record["versions"]:
        _check_version(code, version)


class Registry:
    """Every instrument by code; the last version listed is the current one."""

    def __init__(self, records):
        self._instruments: dict[str, dict] = {}
        for record in records:
            if record["code"] in self._instruments:
                raise ValueError(f"instrument {record['code']!r} registered twice")
            _check_instrument(record)
            self._instruments[record["code"]] = freeze(record)

    def codes(self) -> tuple[str, ...]:
        return tuple(self._instruments)

    def instrument(self, code):
        if not isinstance(code, str) or code not in self._instruments:
            raise Invalid("instrument", "instrument.unknown", instrument=code, known=tuple(self._instruments))
        return self._instruments[code]

    def current_version(self, code: str) -> str:
        return self.instrument(code)["versions"][-1]["version"]

    def version(self, code: str, version: str | None = None):
        """The frozen record of one version (the current one when none is named)."""
        versions = self.instrument(code)["versions"]
        if version is None:
            return versions[-1]
        for candidate in versions:
            if candidate["version"] == version:
                return candidate
        raise Invalid("version", "instrument.version_unknown", version=version, instrument=code,
                      published=tuple(candidate["version"] for candidate in versions))

    def get(self, code: str, version: str | None = None) -> dict:
        """One version as plain data, with the instrument's code and title."""
        instrument = self.instrument(code)
        return {"code": code, "title": thaw(instrument["title"]),
                "subject_roles": thaw(instrument["subject_roles"]),
                "needs_case": bool(instrument.get("needs_case", False)),
                **self._version_json(code, self.version(code, version))}

    def all_instruments(self) -> list[dict]:
        """Every instrument with every version, as `GET /api/v1/instruments` serves them."""
        return [
            {
                "code": code,
                "title": thaw(record["title"]),
                "subject_roles": thaw(record["subject_roles"]),
                "needs_case": bool(record.get("needs_case", False)),
                "current_version": self.current_version(code),
                "versions": [self._version_json(code, version) for version in record["versions"]],
            }
            for code, record in self._instruments.items()
        ]

    def fingerprint(self, code: str, version: str | None = None) -> str:
        return fingerprint_of(code, self.version(code, version))

    def level_codes(self, code: str, version: str | None = None) -> tuple[str, ...]:
        """The version's levels from lowest to highest risk."""
        return tuple(level["code"] for level in self.version(code, version)["scoring"]["levels"])

    @staticmethod
    def _version_json(code: str, version) -> dict:
        data = thaw(version)
        for item in data["items"]:
            item["answers"] = item.get("answers", data["answers"])
        data["fingerprint"] = fingerprint_of(code, version)
        return data
