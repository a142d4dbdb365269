"""The domain's refusals (written in English for the API) in the page's language, for the
psychologist's pages: each known sentence is recognised by its shape and said again through
gettext with its facts (names, times, codes) in place. A sentence not known here is shown as is,
so a new rule in the domain is never hidden, only untranslated until it is added below.
"""
import re
from datetime import datetime

from flask_babel import format_datetime, format_time, gettext as _
from flask_login import current_user

from domain import instruments
from domain.clock import SERVICE_TIMEZONE
from domain.programme import STATUSES as PROGRAMME_STATUSES
from domain.referral import OUTCOME_CODES, STATUSES
from intake.web.domain_messages import COMMON, recognised, table
from intake.web.i18n import label, language

WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MOMENT = r"(\d{4}-\d\d-\d\d \d\d:\d\d)"


def moment_text(text: str) -> str:
    """'2026-11-23 10:00' (local time, as the domain writes it) in the page's date format."""
    try:
        moment = datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=SERVICE_TIMEZONE)
    except ValueError:
        return text
    return format_datetime(moment, "short")


def clock_text(text: str) -> str:
    try:
        moment = datetime.strptime(text, "%H:%M").replace(year=2000, tzinfo=SERVICE_TIMEZONE)
    except ValueError:
        return text
    return format_time(moment, "short")


def status_name(code: str) -> str:
    for status in (*STATUSES, *PROGRAMME_STATUSES):
        if status.code == code:
            return status.label(language())
    return code


def weekday_name(english: str) -> str:
    from babel.dates import get_day_names
    if english not in WEEKDAYS_EN:
        return english
    return get_day_names("wide", locale=language())[WEEKDAYS_EN.index(english)]


def hours_text(described: str) -> str:
    if described == "a day off":
        return _("a day off")
    return ", ".join("–".join(clock_text(part) for part in shift.split("–")) for shift in described.split(", "))


def is_me(username: str) -> bool:
    return getattr(current_user, "username", None) == username


def item_names(ids: str, instrument: str = "aggressor_status") -> str:
    """Item ids (as the domain lists them) as their wording in the page's language."""
    try:
        items = {item["id"]: item for item in instruments.get(instrument)["items"]}
    except Exception:  # noqa: BLE001 - an unknown instrument: the ids are still better than nothing
        items = {}
    names = []
    for item_id in (part.strip() for part in ids.split(",")):
        item = items.get(item_id)
        names.append(item.get(language(), item["en"]) if item else item_id)
    return "; ".join(names)


def _not_working(m: re.Match) -> str:
    who, start, end, day, hours = m.groups()
    facts = {"time": moment_text(start), "end": clock_text(end), "day": weekday_name(day),
             "hours": hours_text(hours)}
    if is_me(who):
        return _("You do not work at %(time)s–%(end)s; your working hours on %(day)s: %(hours)s.", **facts)
    return _("%(name)s does not work at %(time)s–%(end)s; their working hours on %(day)s: %(hours)s.",
             name=who, **facts)


def _busy(m: re.Match) -> str:
    who, start, end = m.groups()
    if is_me(who):
        return _("You already have an appointment at %(time)s–%(end)s.", time=moment_text(start), end=clock_text(end))
    return _("%(name)s already has an appointment at %(time)s–%(end)s.", name=who, time=moment_text(start),
             end=clock_text(end))


def _no_hours(m: re.Match) -> str:
    if is_me(m.group(1)):
        return _("You have no working hours on record yet; set them on the working hours page first.")
    return _("%(name)s has no working hours on record yet; they (or a supervisor) set them first.", name=m.group(1))


def _cannot(m: re.Match) -> str:
    return _("This cannot be done now: the referral is at the stage “%(status)s”.", status=status_name(m.group(2)))


def _outcome_needs_attendance(m: re.Match) -> str:
    code = OUTCOME_CODES.get(m.group(1))
    return _("The outcome “%(outcome)s” needs an attended appointment; none was recorded.",
             outcome=code.label(language()) if code else m.group(1))


def _not_eligible(m: re.Match) -> str:
    return _("Not eligible for the programme: contraindications (%(items)s). Suggested referral: %(service)s.",
             items=item_names(m.group(1)), service=label("referral_targets", m.group(2)))


def _undecided(m: re.Match) -> str:
    return _("Eligibility is undecided: contraindications unknown (%(items)s). Find out and record a new "
             "aggressor-status assessment.", items=item_names(m.group(1)))


# (pattern, what to say), after the ones every area shares; the first pattern that matches the whole
# sentence wins.
KNOWN = COMMON + table(
    # reasons, choices, ids
    (r"Give a reason in words\.", lambda m: _("Give the reason in words.")),
    (r"Not a valid id\.", lambda m: _("This is not a valid record number.")),
    (r"Say whether the person came \(true or false\)\.", lambda m: _("Say whether the person came.")),
    # claims and the state machine
    (r"The referral is already claimed by (.+)\.",
     lambda m: _("Someone else claimed this referral first: %(name)s.", name=m.group(1))),
    (r"Cannot (.+) a referral that is (\w+)\..*", _cannot),
    (r"Cannot (.+) a participation that is (\w+)\.",
     lambda m: _("This cannot be done now: the participation is “%(status)s”.", status=status_name(m.group(2)))),
    (r"The record was changed by someone else at the same moment; try again\.",
     lambda m: _("Someone changed this record at the same moment. Check it and try again.")),
    # appointments
    (r"The appointment at " + MOMENT + r" \(local time\) has not begun yet; record attendance once it has\.",
     lambda m: _("The appointment at %(time)s has not begun yet; record attendance once it has.",
                 time=moment_text(m.group(1)))),
    (r"The time " + MOMENT + r" \(local time\) is in the past; an appointment is booked ahead\.",
     lambda m: _("%(time)s is in the past; an appointment is booked ahead.", time=moment_text(m.group(1)))),
    (r"The time " + MOMENT + r" is more than a year ahead; check the year\.",
     lambda m: _("%(time)s is more than a year ahead; check the year.", time=moment_text(m.group(1)))),
    (r"(.+) does not work at " + MOMENT + r"–(\d\d:\d\d) \(local time\); working hours on (\w+): (.+)\.",
     _not_working),
    (r"(.+) already has an appointment at " + MOMENT + r"–(\d\d:\d\d) \(local time\)\.", _busy),
    (r"No working hours are on record for (.+)\.", _no_hours),
    (r"Give the appointment's date and time\.", lambda m: _("Give the date and the time.")),
    (r"An appointment lasts a positive whole number of minutes\.",
     lambda m: _("Give the duration as a whole number of minutes.")),
    (r"An appointment lasts at most (\d+) hours\.",
     lambda m: _("An appointment lasts at most %(hours)s hours.", hours=m.group(1))),
    (r"Unknown format .*", lambda m: _("Choose in person or online.")),
    (r"The pair colleague is someone other than the claimant\.",
     lambda m: _("The pair colleague must be someone other than the psychologist who claimed the referral.")),
    (r"(.+) is not a psychologist\.", lambda m: _("%(name)s is not a psychologist.", name=m.group(1))),
    (r"No member of staff is called '?(.+?)'?\.",
     lambda m: _("No member of staff is called %(name)s.", name=m.group(1))),
    (r"(.+) is disabled\.", lambda m: _("The account of %(name)s is disabled.", name=m.group(1))),
    # endings
    (r"Unknown outcome .*", lambda m: _("Choose an outcome from the list.")),
    (r"The outcome '(.+)' needs an attended appointment; none was\.", _outcome_needs_attendance),
    # assessments
    (r"Every item needs an answer; answer 'unknown' when it is not known\.",
     lambda m: _("Answer this item; choose “unknown” when it is not known.")),
    (r"Not an allowed answer: .*", lambda m: _("Choose yes, no or unknown.")),
    (r"No such item in .*", lambda m: _("This questionnaire has no such item.")),
    (r"No contact with id .*", lambda m: _("No contact with this number exists.")),
    (r"Unknown instrument: .*", lambda m: _("There is no such questionnaire.")),
    (r"An override needs a reason\.", lambda m: _("Give the reason in words.")),
    (r"The assessment is already at this level\.", lambda m: _("The assessment is already at this level.")),
    (r"Lowering a level takes a supervisor\.", lambda m: _("Only a supervisor can lower the level.")),
    (r"Unknown level .*", lambda m: _("Choose one of the offered options.")),
    # the programme
    (r"Not eligible: contraindications \((.*)\)\. Suggested referral: (\w+) services\.", _not_eligible),
    (r"Eligibility undecided: contraindications unknown \((.*)\)\. .*", _undecided),
    (r"Enrolment needs an aggressor_status assessment; .*",
     lambda m: _("Enrolment needs an aggressor-status assessment.")),
    (r"A newer aggressor-status assessment of this case exists .*",
     lambda m: _("A newer aggressor-status assessment of this case exists; enrol on the latest one.")),
    (r"No assessment with id .*", lambda m: _("No assessment with this number exists.")),
    (r"No referral with id .*", lambda m: _("No referral with this number exists.")),
    (r"The assessment was made in another case\.", lambda m: _("The assessment was made in another case.")),
    (r"Give the session's date and time\.", lambda m: _("Give the date and the time.")),
    (r"The session is in the future; record it once it has taken place\.",
     lambda m: _("The session is in the future; record it once it has taken place.")),
    (r"A note is text of at most (\d+) characters\.",
     lambda m: _("Use at most %(max)s characters.", max=m.group(1))),
    (r"Cannot complete the programme before the person has attended a session\.",
     lambda m: _("The programme can be completed only after the person has attended a session.")),
    # the consultation, recorded as a contact
    (r"The start is in the future\.", lambda m: _("The start is in the future.")),
    (r"The end is in the future\.", lambda m: _("The end is in the future.")),
    (r"A contact cannot last longer than 24 hours\.", lambda m: _("A consultation cannot last longer than 24 hours.")),
    # working hours
    (r"The start (\d\d:\d\d) must be before the end (\d\d:\d\d)\.",
     lambda m: _("The start %(start)s must be before the end %(end)s.", start=m.group(1), end=m.group(2))),
    (r"Overlaps the shift (\d\d:\d\d)–(\d\d:\d\d) \(number (\d+) of the day\)\.",
     lambda m: _("Overlaps the shift %(start)s–%(end)s.", start=m.group(1), end=m.group(2))),
    (r"Not a time: .*", lambda m: _("Give the time as HH:MM.")),
)


def say(message: str) -> str:
    """One domain sentence in the page's language (as is when it is not known here)."""
    text = str(message).strip()
    return recognised(KNOWN, text) or text


def say_all(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    return {field: [say(message) for message in messages] for field, messages in errors.items()}
