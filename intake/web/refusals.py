"""Refusals in the page's language: one message per code, for every page (the one gettext catalogue).

The domain refuses with a code and parameters (domain/errors.py); the API says it in English
(domain/messages.py), the pages say it here. A parameter is shown by its name, in the page's
language: moments and clock times in the page's format, weekdays, statuses, outcomes and services
by their labels, questionnaire items by their wording. A refusal that names the signed-in member
of staff (`name`) speaks to them. A code not known here is said with one general sentence, never in
English; tests check that every code the domain raises is known here, in Kazakh and Russian too.
"""
from collections.abc import Callable
from datetime import datetime, time

from babel.dates import format_time as format_clock, get_day_names
from flask_babel import format_datetime, format_time, gettext as _, lazy_gettext as _l
from flask_login import current_user

from domain import instruments
from domain.errors import DomainError, Invalid, Reason
from domain.programme import STATUSES as PROGRAMME_STATUSES
from domain.referral import OUTCOME_CODES, STATUSES as REFERRAL_STATUSES
from domain.schedule import WEEKDAYS
from intake.web.i18n import label, language

# What a page says for a code it does not know, and for a value refused for a reason no page needs.
FALLBACK = _l("This value was not accepted; check it.")

MESSAGES = {
    # Values of any form
    "value.refused": FALLBACK,
    "field.required": _l("Fill in this field."),
    "code.unknown": _l("Choose one of the offered options."),
    "id.invalid": _l("This is not a valid record number."),
    "text.blank": _l("Fill in this field."),
    "text.not_text": FALLBACK,
    "text.longer_than": _l("Use at most %(max)d characters."),
    "reason.blank": _l("Give the reason in words."),
    "range.to_before_from": _l("The end is before the start."),
    "record.changed_concurrently": _l("Someone changed this record at the same moment. Check it and try again."),
    "role.forbidden": _l("Your role may not do this."),
    # Contacts and their callers
    "caller.field_unknown": _l("This field is not part of a contact."),
    "caller.text_too_long": _l("Use at most %(max)d characters."),
    "caller.age_outside_group": _l("The age %(age)s is not in the chosen age group; correct one of them or leave "
                                   "the age group empty."),
    "phone.characters": _l("Use digits, spaces, +, - and parentheses only."),
    "phone.digits": _l("A phone number has %(low)s to %(high)s digits."),
    "phone.handle": _l("A chat handle is @ and %(low)s to %(high)s Latin letters, digits, dots or underscores."),
    "consent.kind_unknown": _l("This field is not part of a contact."),
    "contact.start_in_future": _l("The start is in the future. Check the date and the time."),
    "contact.start_too_early": _l("The start is too far in the past. Check the date."),
    "contact.end_before_start": _l("The end is before the start."),
    "contact.too_long": _l("A contact cannot last longer than 24 hours. Check the start date."),
    "contact.end_in_future": _l("The end is in the future. Check the date and the time."),
    "contact.already_completed": _l("The call was already marked as ended; correct its end with a correction if "
                                    "needed."),
    "contact.read_forbidden": _l("This contact was recorded by someone else."),
    # Names of staff as the pages show them
    "display_name.forbidden": _l("Only an admin names members of staff."),
    "display_name.not_names": FALLBACK,
    "display_name.language_unknown": FALLBACK,
    "amendment.reason_missing": _l("Say why the contact is corrected."),
    "amendment.field_fixed": _l("This field cannot be corrected."),
    "amendment.changes_nothing": _l("The correction changes nothing: change at least one field."),
    # Cases and their persons
    "case.open_forbidden": _l("Your role may not open cases."),
    "case.role_forbidden": _l("Your role may not work on cases."),
    "case.read_forbidden": _l("Your role may not read case files."),
    "case.not_a_worker": _l("You do not work on this case."),
    "case.audit_forbidden": _l("Only a supervisor audits a case's history."),
    "case.contact_not_own": _l("A case is opened from your own contacts; this one was recorded by someone else."),
    "case.owner_role": _l("A case is owned by a consultant, a psychologist or a supervisor."),
    "case.worker_role": _l("Only consultants, psychologists and supervisors work on cases."),
    "case.closed": _l("The case is closed; reopen it first."),
    "case.not_responsible": _l("Only the case's owner or a supervisor may do this."),
    "case.assign_forbidden": _l("Only a supervisor assigns a case to someone."),
    "case.already_owner": _l("%(name)s already owns this case."),
    "case.already_worker": _l("%(name)s already works on this case."),
    "case.already_closed": _l("The case is already closed."),
    "case.not_closed": _l("Only a closed case can be reopened."),
    # Casework over months: agreement, safe contact, safety plans, closure and follow-up
    "date.invalid": _l("Give a date such as 2025-03-01."),
    "time.invalid": _l("Give a date and a time."),
    "time.in_future": _l("This is in the future; record it once it has happened."),
    "codes.not_a_list": _l("Choose from the list."),
    "case.term_months": _l("The agreement's term is %(min)s to %(max)s months."),
    "case.child_outcome_shape": _l("Give the outcomes of each child."),
    "case.not_a_child": _l("This is not a child of this case."),
    "case.child_outcome_twice": _l("This child's outcomes are given twice."),
    "case.child_outcome_unknown": _l("Unknown outcome."),
    "case.follow_up_unknown": _l("No such follow-up after the case's latest closure."),
    "case.follow_up_not_closed": _l("A follow-up is recorded once the case is closed."),
    "case.follow_up_not_due": _l("Follow-ups are due %(months)s months after the closure."),
    "case.follow_up_before_closure": _l("The follow-up took place before the case was closed."),
    "safety_plan.hidden": _l("A victim's or child's safety plan is not shown to psychologists, nor written by them."),
    "safety_plan.empty": _l("Choose at least one step or write one."),
    "safety_plan.too_many_steps": _l("At most %(max)s own steps."),
    "safety_plan.review_before_agreed": _l("The review is before the plan was agreed."),
    "safety_plan.exists": _l("This person already has a safety plan in this case; revise it instead."),
    "person.role_unknown": _l("Choose one of the offered options."),
    "person.role_required": _l("A person always has a role."),
    "person.not_found": _l("No person with this number exists in this case."),
    "person.changes_nothing": _l("The change changes nothing: change at least one field."),
    "person.details_hidden": _l("A psychologist may not give or change the name, phone or address of a victim or "
                                "a child."),
    "person.protected_role": _l("A psychologist may not change the role of a victim or a child."),
    "link.forbidden": _l("This record is not yours to see, so nothing can be linked to it."),
    "link.case_forbidden": _l("You do not work on this case, so nothing can be linked to it. Ask the case's owner "
                              "or a supervisor to add you to the case."),
    # Referrals, consent and appointments
    "referral.make_forbidden": _l("Your role may not make referrals."),
    "referral.read_forbidden": _l("This referral was made by someone else, to a service you do not work for."),
    "referral.queue_forbidden": _l("Psychologists see the queue of their own service; supervisors see every "
                                   "queue."),
    "referral.reason_blank": _l("Write the reason for the referral."),
    "referral.wrong_state": _l("This cannot be done now: the referral is at the stage “%(status)s”."),
    "referral.not_responsible": _l("Only the psychologist who claimed this referral, or a supervisor, may do "
                                   "this."),
    "referral.claim_forbidden": _l("Only a psychologist or a supervisor may claim a referral."),
    "referral.already_claimed": _l("Someone else claimed this referral first: %(name)s."),
    "referral.decline_forbidden": _l("Only a psychologist or a supervisor may decline a referral."),
    "referral.cancel_forbidden": _l("Only whoever made the referral, its claimant or a supervisor may cancel it."),
    "referral.escalate_forbidden": _l("Escalations are recorded by the system or a supervisor."),
    "referral.outcome_needs_attendance": _l("The outcome “%(outcome)s” needs an attended appointment; none was "
                                            "recorded."),
    "outcome.unknown": _l("Choose an outcome from the list."),
    "consent.services_missing": _l("Say whether the person agreed to be referred."),
    "consent.field_unknown": _l("This field is not part of a contact."),
    "consent.override_not_text": _l("Give the reason for the override in words."),
    "consent.nothing_to_override": _l("Nothing to override: the person consented. Leave the override reason "
                                      "empty."),
    "consent.refused": _l("A referral needs the person's consent to be referred. Ask them, or leave the referral "
                          "out."),
    "consent.override_forbidden": _l("Only a supervisor may override a refusal of consent."),
    "attended.missing": _l("Say whether the person came."),
    "appointment.format_unknown": _l("Choose in person or online."),
    "appointment.colleague_not_psychologist": _l("%(name)s is not a psychologist."),
    "appointment.colleague_is_claimant": _l("The pair colleague must be someone other than the psychologist who "
                                            "claimed the referral."),
    "appointment.time_missing": _l("Give the date and the time."),
    "appointment.no_working_hours": _l("%(name)s has no working hours on record yet; they (or a supervisor) set "
                                       "them first."),
    "appointment.not_begun": _l("The appointment at %(at)s has not begun yet; record attendance once it has."),
    "appointment.in_past": _l("%(at)s is in the past; an appointment is booked ahead."),
    "appointment.too_far_ahead": _l("%(at)s is more than a year ahead; check the year."),
    "appointment.outside_hours": _l("%(name)s does not work at %(at)s–%(until)s; their working hours on "
                                    "%(weekday)s: %(shifts)s."),
    "appointment.day_off": _l("%(name)s does not work at %(at)s–%(until)s; their working hours on %(weekday)s: "
                              "%(shifts)s."),
    "appointment.clash": _l("%(name)s already has an appointment at %(at)s–%(until)s."),
    "appointment.duration_invalid": _l("Give the duration as a whole number of minutes."),
    "appointment.duration_too_long": _l("An appointment lasts at most %(hours)s hours."),
    "appointments.others_forbidden": _l("A psychologist sees their own appointments; supervisors see anyone's."),
    # Working hours
    "hours.forbidden": _l("Only an admin, a supervisor or the psychologist themself may set working hours."),
    "hours.not_a_time": _l("Give the time as HH:MM."),
    "schedule.weekday_unknown": _l("Choose one of the offered options."),
    "schedule.not_a_time": _l("Give the time as HH:MM."),
    "schedule.start_after_end": _l("The start %(start)s must be before the end %(end)s."),
    "schedule.overlap": _l("Overlaps the shift %(start)s–%(end)s."),
    # Assessments and instruments
    "instrument.unknown": _l("There is no such questionnaire."),
    "instrument.version_unknown": _l("There is no such version of this questionnaire."),
    "answers.item_unknown": _l("This questionnaire has no such item."),
    "answers.not_allowed": _l("Choose yes, no or unknown."),
    "answers.missing": _l("Answer this item; choose “unknown” when it is not known."),
    "assessment.subject_role": _l("This questionnaire is not for a person in this role."),
    "assessment.read_forbidden": _l("This assessment was made by someone else."),
    "assessment.override_forbidden": _l("Only the assessor or a supervisor may override this level; record a new "
                                        "assessment instead."),
    "override.reason_missing": _l("Give the reason in words."),
    "level.unknown": _l("Choose one of the offered options."),
    "level.unchanged": _l("The assessment is already at this level."),
    "level.lowering_forbidden": _l("Only a supervisor can lower the level."),
    # The correctional programme
    "programme.forbidden": _l("Only a psychologist or a supervisor may act on the correctional programme."),
    "programme.enrol_forbidden": _l("Only a psychologist or a supervisor may enrol a person in the programme."),
    "programme.read_forbidden": _l("Only psychologists and supervisors see the correctional programme."),
    "programme.not_runner": _l("Only the psychologist who runs this participation, or a supervisor, may change "
                               "it."),
    "programme.needs_aggressor_status": _l("Enrolment needs an aggressor-status assessment."),
    "programme.not_eligible": _l("Not eligible for the programme: contraindications (%(items)s). Suggested "
                                 "referral: %(target)s."),
    "programme.eligibility_undecided": _l("Eligibility is undecided: contraindications unknown (%(items)s). Find "
                                          "out and record a new aggressor-status assessment."),
    "programme.newer_assessment": _l("A newer aggressor-status assessment of this case exists; enrol on the latest "
                                     "one."),
    "programme.other_case": _l("The assessment was made in another case."),
    "programme.wrong_state": _l("This cannot be done now: the participation is “%(status)s”."),
    "programme.nothing_attended": _l("The programme can be completed only after the person has attended a "
                                     "session."),
    "session.time_missing": _l("Give the date and the time."),
    "session.in_future": _l("The session is in the future; record it once it has taken place."),
    "session.note_too_long": _l("Use at most %(max)d characters."),
    # Case conferences
    "conference.schedule_forbidden": _l("Only psychologists and supervisors schedule case conferences."),
    "conference.read_forbidden": _l("Your role does not see case conferences."),
    "conference.not_attending": _l("You neither attend this conference nor work on any case on its agenda."),
    "conference.day_invalid": _l("Give a date, for example 2025-03-01."),
    "conference.day_too_early": _l("Give a date from %(earliest)s on."),
    "conference.too_far_ahead": _l("A conference is scheduled at most a year ahead."),
    "conference.before_previous": _l("The previous meeting of the series was held on %(previous)s; this one "
                                     "cannot be earlier."),
    "conference.too_many": _l("At most %(max)s."),
    "conference.attendee_role": _l("Conferences are attended by consultants, psychologists and supervisors."),
    "conference.agency_twice": _l("This agency is named twice."),
    "conference.agency_unknown": _l("This agency is not one of the conference's agencies."),
    "conference.case_on_agenda": _l("The case is already on the agenda."),
    "conference.case_not_on_agenda": _l("The case is not on the agenda; add it first."),
    "conference.not_held": _l("The conference is held on %(held_on)s; record its decisions from that day on."),
    "conference.due_before_meeting": _l("An action is due on or after the conference's day, %(held_on)s."),
    "conference.due_too_far": _l("An action is due at most three years after the conference."),
    "conference.owner_kind": _l("Choose who carries the action out: a member of staff or an agency."),
    "conference.owner_role": _l("An action is carried out by a consultant, a psychologist or a supervisor."),
    "conference.action_done": _l("The action is already marked as done."),
    "conference.action_carried": _l("The action was carried over to the next meeting; mark it done there."),
    "conference.done_in_future": _l("This moment is in the future; record the action once it is done."),
    "conference.done_before_meeting": _l("The action was agreed at the conference of %(held_on)s; it cannot be done "
                                         "before."),
    # Staff, tokens, two-person changes
    "username.invalid": _l("Use 2 to 63 characters: latin letters, digits, dot, underscore or hyphen, starting "
                           "with a letter or a digit."),
    "username.taken": _l("This username is taken; choose another one."),
    "role.unknown": _l("Choose one of the offered roles."),
    "language.unknown": _l("Choose one of the offered languages."),
    "password.too_short": _l("Use at least %(count)d characters."),
    "password.too_long": _l("Use at most %(max)d characters."),
    "user.unknown_name": _l("No member of staff is called %(username)s."),
    "user.already_has_role": _l("%(name)s already has this role."),
    "user.already_disabled": _l("%(name)s was already disabled."),
    "user.already_active": _l("%(name)s was already active."),
    "user.disabled": _l("The account of %(name)s is disabled."),
    "user.not_locked": _l("%(name)s was not locked out."),
    "token.already_revoked": _l("The token was already revoked."),
    "staff.unknown_name": _l("No member of staff is called %(username)s."),
    "staff.disabled": _l("The account of %(name)s is disabled."),
    "staff_change.decider_role": _l("Only a supervisor or an admin decides on a staff change."),
    "staff_change.own_request": _l("Someone other than the requester (and other than the account's holder) decides "
                                   "on this request."),
    "staff_change.own_account": _l("Someone other than the requester (and other than the account's holder) decides "
                                   "on this request."),
    "staff_change.decided": _l("The request was already decided."),
    "staff_change.expired": _l("The request has expired and changed nothing; ask again if it is still needed."),
    "staff_change.reason": _l("Give a reason of at most %(max)d characters."),
    # Personal data
    "erasure.forbidden": _l("Only a supervisor erases personal data."),
    "erasure.reason_missing": _l("Give the reason in words."),
    "subject.already_erased": _l("This person's personal data was erased already."),
    "subject.erased": _l("The personal data of this person was erased; no personal data can be added to it."),
    # The development plan of a case and its reviews
    "assessment.case_required": _l("A family needs assessment belongs to a case: start it from the case page."),
    "plan.case_closed": _l("The case is closed; reopen it before changing its plan."),
    "plan.goal_not_found": _l("There is no such goal in this plan."),
    "plan.activity_not_found": _l("There is no such activity in this plan."),
    "plan.goal_achieved": _l("The goal is already closed as achieved."),
    "plan.goal_dropped": _l("The goal was dropped; set a new goal instead."),
    "plan.activity_done": _l("The activity is already done."),
    "plan.activity_dropped": _l("The activity was dropped; add a new one instead."),
    "plan.changes_nothing": _l("The change changes nothing."),
    "plan.day_missing": _l("Give a date."),
    "plan.day_invalid": _l("This is not a date."),
    "plan.day_out_of_range": _l("Give a date from %(earliest)s to %(latest)s."),
    "plan.time_invalid": _l("This is not a date."),
    "plan.time_in_future": _l("This date is in the future; record it once it has happened."),
    "plan.time_too_early": _l("This date is implausibly far in the past."),
    "plan.responsible_kind": _l("Say who is responsible."),
    "plan.responsible_staff": _l("Choose a member of staff who works on cases."),
    "plan.goal_twice": _l("This goal's progress is given twice."),
    "plan.next_review_not_after": _l("The next review comes after this one (%(held)s)."),
    "plan.next_review_too_late": _l("The next review is due within %(months)s months: by %(latest)s at the latest."),
    "plan.escalate_forbidden": _l("Overdue items are escalated by the system or a supervisor."),
    # Group programmes and trainings
    "group.forbidden": _l("Only psychologists and supervisors run groups."),
    "group.define_forbidden": _l("Only a supervisor defines or revises programmes."),
    "group.read_forbidden": _l("Your role does not see groups."),
    "group.not_facilitating": _l("You neither facilitate nor planned this group."),
    "group.number_outside": _l("Give a number from %(low)s to %(high)s."),
    "group.day_invalid": _l("Give a date, for example 2025-03-01."),
    "group.day_in_future": _l("The date is in the future."),
    "group.time_invalid": _l("Give the date and time of the session."),
    "group.rule_missing": _l("Give the completion rule: hours, sessions or both."),
    "group.rule_above_plan": _l("The completion rule asks for more than the %(planned)s planned."),
    "group.too_many": _l("At most %(max)s."),
    "group.outside_hours": _l("%(name)s does not work at %(at)s."),
    "group.facilitator_role": _l("Groups are facilitated by psychologists and supervisors."),
    "group.place_missing": _l("Give a place or an online link."),
    "group.finished": _l("The group is finished."),
    "group.full": _l("The group is full: %(capacity)s places are taken."),
    "group.already_enrolled": _l("This person is already in the group."),
    "group.participant_state": _l("The participant has already completed the programme or left it."),
    "group.session_unknown": _l("The timetable has sessions 1 to %(sessions)s."),
    "group.session_held": _l("Session %(number)s was already held."),
    "group.session_not_held": _l("Session %(number)s has not been held yet; record it as held first."),
    "group.not_a_facilitator": _l("Not a facilitator of this group."),
    "group.participant_unknown": _l("Not a participant of this group."),
    "group.not_completed": _l("A certificate is for participants who completed the programme."),
    "group.name_erased": _l("The participant's name was erased; no certificate can name them."),
    "group.person_not_in_case": _l("No such person in this case."),
    "training.forbidden": _l("Only psychologists and supervisors record trainings."),
}
# Refusals only the API can meet (the shape of a request no page sends, its settings, its reads):
# a page that ever met one would say the general sentence.
MESSAGES.update(dict.fromkeys((
    "amendment.keys_expected", "person.field_unknown", "appointments.me_without_id", "appointments.person_invalid",
    "hours.not_object", "hours.day_not_list", "hours.shift_not_object", "schedule.not_weekly", "schedule.seven_days",
    "schedule.day_not_list", "schedule.shift_not_pair", "answers.not_object", "staff_change.kind_unknown",
    "erasure.kind_unknown", "retention.period_unreadable", "retention.period_not_positive",
    "retention.period_too_long", "journal.service_unknown", "projection.unknown", "read.position_unwritten",
    "idempotency.key_malformed", "idempotency.key_reused", "idempotency.answer_lost",
    "plan.changes_expected", "plan.change_unknown", "plan.progress_not_list",
), FALLBACK))

# When `name` is the signed-in member of staff, the refusal is said to them.
TO_YOU = {
    "appointment.no_working_hours": _l("You have no working hours on record yet; set them on the working hours page "
                                       "first."),
    "appointment.outside_hours": _l("You do not work at %(at)s–%(until)s; your working hours on %(weekday)s: "
                                    "%(shifts)s."),
    "appointment.day_off": _l("You do not work at %(at)s–%(until)s; your working hours on %(weekday)s: "
                              "%(shifts)s."),
    "appointment.clash": _l("You already have an appointment at %(at)s–%(until)s."),
}
# A record that is not there, by its kind (`what`): each kind has its own sentence in Kazakh and Russian.
NOT_FOUND = {
    "contact": _l("No contact with this number exists."),
    "case": _l("No case with this number exists."),
    "referral": _l("No referral with this number exists."),
    "assessment": _l("No assessment with this number exists."),
    "participation": _l("No programme participation with this number exists."),
    "user": _l("No member of staff with this number exists."),
    "conference": _l("No case conference with this number exists."),
    "action": _l("No action with this number exists at this conference."),
    "programme": _l("No programme with this number exists."),
    "group": _l("No group with this number exists."),
    "participant": _l("No participant with this number exists in this group."),
    "training": _l("No training with this number exists."),
}
MESSAGES["record.not_found"] = _l("Nothing with this number exists.")
# Questionnaires, their responses and feedback links (the public feedback page says these to anyone).
MESSAGES.update({
    "questionnaire.unknown": _l("There is no such questionnaire."),
    "questionnaire.version_unknown": _l("There is no such version of this questionnaire."),
    "questionnaire.item_unknown": _l("This question is not part of the questionnaire."),
    "questionnaire.answer_missing": _l("Please answer this question."),
    "questionnaire.scale": _l("Choose a value from %(min)s to %(max)s."),
    "questionnaire.not_an_option": _l("Choose one of the offered answers."),
    "questionnaire.option_repeated": _l("An answer is chosen twice."),
    "questionnaire.not_a_number": _l("Write a whole number."),
    "questionnaire.out_of_range": _l("Write a number from %(min)s to %(max)s."),
    "questionnaire.about_kind": _l("Choose what the questionnaire evaluates."),
    "questionnaire.about_id_for_none": _l("An anonymous questionnaire names no record."),
    "questionnaire.code_format": _l("Use a short code of Latin letters and digits, never a name."),
    "questionnaire.phase_required": _l("Say whether this is the test before or after the course."),
    "questionnaire.phase_only_for_tests": _l("Only a test is taken before or after a course."),
    "questionnaire.answered_in_future": _l("The date is in the future."),
    "questionnaire.answered_too_early": _l("The date is too far in the past."),
    "questionnaire.write_forbidden": _l("Your role may not record questionnaires."),
    "questionnaire.read_forbidden": _l("Only supervisors read questionnaire answers."),
    "feedback_link.forbidden": _l("Your role may not hand out feedback links."),
    "feedback_link.not_feedback": _l("A link can be handed out for a feedback questionnaire only."),
    "feedback_link.hours": _l("Give whole hours from 1 to %(max)s."),
    "feedback_link.used": _l("This questionnaire has already been answered through this link. Thank you!"),
    "feedback_link.expired": _l("This link has expired. Ask the specialist for a new one if you would like to answer."),
    "feedback_link.other_questionnaire": _l("This answer is to another questionnaire than the link's."),
    "feedback_link.read_forbidden": _l("Only the one who made the link, or a supervisor, may open it."),
})
NOT_FOUND["questionnaire_response"] = _l("No questionnaire response with this number exists.")
NOT_FOUND["feedback_link"] = _l("This feedback link does not exist. Check the address.")


# How each parameter is shown, by its name --------------------------------------------------------

def _moment(value: datetime, code: str) -> str:
    return format_datetime(value, "short")


def _until(value: datetime, code: str) -> str:
    return format_time(value, "short")


def _clock(value: time, code: str) -> str:
    """A wall-clock time of working hours: no time zone to convert."""
    return format_clock(value, "short", locale=language())


def _weekday(value: str, code: str) -> str:
    return get_day_names("wide", locale=language())[WEEKDAYS.index(value)]


def _shifts(value, code: str) -> str:
    if not value:
        return _("a day off")
    return ", ".join(f"{_clock(shift.start, code)}–{_clock(shift.end, code)}" for shift in value)


def _status(value: str, code: str) -> str:
    statuses = PROGRAMME_STATUSES if code.startswith("programme.") else REFERRAL_STATUSES
    return next((status.label(language()) for status in statuses if status.code == value), value)


def _outcome(value: str, code: str) -> str:
    outcome = OUTCOME_CODES.get(value)
    return outcome.label(language()) if outcome else value


def _items(value, code: str) -> str:
    """Questionnaire items (their ids) by their wording in the page's language."""
    try:
        items = instruments.get("aggressor_status")["items"]
        wording = {item["id"]: item.get(language(), item["en"]) for item in items}
    except Exception:  # noqa: BLE001 - the ids are still better than nothing
        wording = {}
    return "; ".join(wording.get(item_id, item_id) for item_id in value)


def _target(value: str, code: str) -> str:
    return label("referral_targets", value)


def _months(value, code: str) -> str:
    return ", ".join(str(month) for month in value) if isinstance(value, (list, tuple)) else str(value)


SHOWN: dict[str, Callable[[object, str], str]] = {
    "at": _moment, "until": _until, "start": _clock, "end": _clock, "weekday": _weekday, "shifts": _shifts,
    "status": _status, "outcome": _outcome, "items": _items, "target": _target, "months": _months,
}


def _shown(params: dict, code: str) -> dict:
    return {name: SHOWN[name](value, code) if name in SHOWN and value is not None else value
            for name, value in params.items()}


def _is_you(params: dict) -> bool:
    name = params.get("name")
    return name is not None and name == getattr(current_user, "username", None)


def message(code: str, params: dict):
    """The catalogue's message for a code, before its parameters are filled in."""
    if code in TO_YOU and _is_you(params):
        return TO_YOU[code]
    if code == "record.not_found" and params.get("what") in NOT_FOUND:
        return NOT_FOUND[params["what"]]
    return MESSAGES.get(code, FALLBACK)


def say(refusal: DomainError | Reason | str) -> str:
    """One refusal (an error, or one field's reason) in the page's language."""
    reason = refusal.reason if isinstance(refusal, DomainError) else refusal
    code, params = getattr(reason, "code", None), getattr(reason, "params", {})
    if code is None:
        return str(FALLBACK)
    try:
        return str(message(code, params)) % _shown(params, code)
    except (KeyError, TypeError, ValueError):  # a parameter missing or unshowable (tests keep this from happening)
        return str(FALLBACK)


def say_all(refused: Invalid) -> dict[str, list[str]]:
    """Every field's refusals, by the domain's field path, in the page's language."""
    return {field: [say(reason) for reason in reasons] for field, reasons in refused.reasons.items()}
