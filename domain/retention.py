"""Retention periods: how long personal data is kept after a case was closed or a non-data contact happened.

A period is a whole number of days, months or years ("90d", "6m", "5y"), or off. Months and years
are calendar months and years: 6 months before 31 August is 28 (or 29) February, not 184 days.
The period is applied when the retention job runs, to the moment the rule counts from (a case's
closing, a contact's start), so a changed configuration applies to what was recorded before it too.
"""
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.errors import Invalid

UNITS = {"d": "day", "m": "month", "y": "year"}
OFF = "off"
LONGEST_YEARS = 200  # far beyond any law's period; a typo such as 5000y is refused, not overflowed
_PERIOD = re.compile(r"(\d+)\s*([dmy])")


@dataclass(frozen=True)
class Period:
    amount: int
    unit: str  # d, m or y

    def __str__(self) -> str:
        """"90 days", "1 year": for the erasure's reason, which stays readable."""
        name = UNITS[self.unit]
        return f"{self.amount} {name}{'' if self.amount == 1 else 's'}"

    @property
    def code(self) -> str:
        return f"{self.amount}{self.unit}"

    def before(self, moment: datetime) -> datetime:
        """The moment this period before `moment`; a day missing from the earlier month is its last day."""
        if self.unit == "d":
            return moment - timedelta(days=self.amount)
        months = self.amount * (12 if self.unit == "y" else 1)
        year, month = divmod(moment.year * 12 + (moment.month - 1) - months, 12)
        month += 1
        return moment.replace(year=year, month=month, day=min(moment.day, _days_in(year, month)))


def _days_in(year: int, month: int) -> int:
    following = datetime(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


def parse_period(raw: str) -> Period | None:
    """"90d", "6m", "5y" → a Period; "off" → None (the rule is disabled); anything else is Invalid."""
    text = (raw or "").strip().lower()
    if text == OFF:
        return None
    match = _PERIOD.fullmatch(text)
    if not match:
        raise Invalid("period", "retention.period_unreadable", raw=raw)
    amount, unit = int(match[1]), match[2]
    if amount <= 0:
        raise Invalid("period", "retention.period_not_positive")
    if amount * {"d": 1 / 365, "m": 1 / 12, "y": 1}[unit] > LONGEST_YEARS:
        raise Invalid("period", "retention.period_too_long", years=LONGEST_YEARS)
    return Period(amount, unit)


# The rules, their defaults and what the audited reason says (never who the person is).
CLOSED_CASES = "closed_cases"
NON_DATA_CONTACTS = "non_data_contacts"
DEFAULTS = {CLOSED_CASES: Period(5, "y"), NON_DATA_CONTACTS: Period(90, "d")}


def reason(rule: str, period: Period) -> str:
    if rule == CLOSED_CASES:
        return f"retention: case closed more than {period} ago"
    if rule == NON_DATA_CONTACTS:
        return f"retention: non-data contact (silent, prank, wrong number…) started more than {period} ago"
    raise ValueError(f"unknown retention rule {rule!r}")
