"""The English of every refusal, by code: what the API says in problem+json `detail` and `errors`.

One template per code, with {name} placeholders for the refusal's parameters. Parameters are data
(codes, numbers, moments), never sentences: a parameter named in WORDS is a code spelled here in
English; a list or tuple is written as its items joined by commas; anything else as it is (format
specs such as {at:%H:%M} apply). The web says the same codes in Kazakh and Russian through its own
catalogue (intake/web/refusals.py); tests check that both know every code raised.
"""
import string

ENGLISH: dict[str, str] = {
    # Values of any form
    "value.refused": "{text}",  # a sentence given without a code (domain.errors.as_reason)
    "field.required": "Missing data for required field.",
    "code.unknown": "Unknown code: {code!r}.",
    "id.invalid": "Not a valid id.",
    "text.blank": "Give it in words.",
    "text.not_text": "Not a valid string.",
    "text.longer_than": "Longer than {max} characters.",
    "reason.blank": "Give a reason in words.",
    "range.to_before_from": "'to' is before 'from'.",
    "record.not_found": "No {what} with id {id}.",
    "record.changed_concurrently": "The record was changed by someone else at the same moment; try again.",
    "role.forbidden": "The role {role!r} may not do this; allowed: {roles}.",
    "read.position_unwritten": "No event has been written at position {position} yet.",
    # Contacts and their callers
    "caller.field_unknown": "Unknown field of a caller.",
    "caller.text_too_long": "Text of at most {max} characters.",
    "caller.age_outside_group": "Age {age} does not belong to age group {age_group!r}.",
    "phone.characters": "Use digits, spaces, +, - and parentheses only.",
    "phone.digits": "A phone number has {low} to {high} digits.",
    "phone.handle": "A chat handle is @ and {low} to {high} Latin letters, digits, dots or underscores.",
    "consent.kind_unknown": "Unknown consent kind.",
    "contact.start_in_future": "The start is in the future.",
    "contact.start_too_early": "The start is implausibly far in the past.",
    "contact.end_before_start": "The end is before the start.",
    "contact.too_long": "A contact cannot last longer than 24 hours.",
    "contact.end_in_future": "The end is in the future.",
    "contact.already_completed": "The contact is already completed; correct its end with an amendment.",
    "contact.read_forbidden": "This contact was recorded by someone else.",
    # Names of staff as the pages show them
    "display_name.forbidden": "Only an admin names members of staff.",
    "display_name.not_names": "Give the names as an object keyed by language: {languages}.",
    "display_name.language_unknown": "Names are given in: {languages}.",
    "amendment.reason_missing": "A correction needs a reason.",
    "amendment.field_fixed": "This field cannot be amended.",
    "amendment.keys_expected": "Give the keys to change (a key set to null clears it).",
    "amendment.changes_nothing": "The correction changes nothing.",
    # Cases and their persons
    "case.open_forbidden": "The role {role!r} may not open cases.",
    "case.role_forbidden": "The role {role!r} may not work on cases.",
    "case.read_forbidden": "The role {role!r} reads no case files.",
    "case.not_a_worker": "You do not work on this case.",
    "case.audit_forbidden": "Only a supervisor audits a case's history.",
    "case.contact_not_own": "The contact was recorded by someone else; a case is opened from your own contacts.",
    "case.owner_role": "A case is owned by a consultant, psychologist or supervisor, not {role!r}.",
    "case.worker_role": "A case is worked on by a consultant, psychologist or supervisor, not {role!r}.",
    "case.closed": "Cannot {action} a closed case; reopen it first.",
    "case.not_responsible": "Only the case's owner or a supervisor may {duty}.",
    "case.assign_forbidden": "Only a supervisor assigns a case to someone.",
    "case.already_owner": "The case is already owned by {name}.",
    "case.already_worker": "{name} already works on this case.",
    "case.already_closed": "The case is already closed.",
    "case.not_closed": "Only a closed case can be reopened; this one is {status}.",
    # Casework over months: agreement, safe contact, safety plans, closure and follow-up
    "date.invalid": "Not a valid date; give it as YYYY-MM-DD.",
    "time.invalid": "Not a valid date and time.",
    "time.in_future": "This is in the future; record it once it has happened.",
    "codes.not_a_list": "Give a list.",
    "case.term_months": "The agreement's term is {min} to {max} months.",
    "case.child_outcome_shape": "Give each child's outcomes as an object with person_id.",
    "case.not_a_child": "No child with id {person_id} in this case.",
    "case.child_outcome_twice": "This child's outcomes are given twice.",
    "case.child_outcome_unknown": "Unknown outcome; the outcomes are removal_prevented, returned_home and wellbeing_improved.",
    "case.follow_up_unknown": "No follow-up with this id after the case's latest closure.",
    "case.follow_up_not_closed": "A follow-up is recorded after the case is closed; this one is {status}.",
    "case.follow_up_not_due": "Follow-ups are due {months} months after the closure.",
    "case.follow_up_before_closure": "The follow-up took place before the case was closed.",
    "safety_plan.hidden": "A victim's or child's safety plan is not shown to, nor written by, psychologists.",
    "safety_plan.empty": "Give at least one step of the plan.",
    "safety_plan.too_many_steps": "At most {max} own steps.",
    "safety_plan.review_before_agreed": "The review is before the plan was agreed.",
    "safety_plan.exists": "This person already has a safety plan in this case; revise it instead.",
    "person.field_unknown": "Unknown field of a person.",
    "person.role_unknown": "Unknown role {role!r}; one of {roles}.",
    "person.role_required": "A person always has a role.",
    "person.not_found": "No person with id {person_id} in this case.",
    "person.changes_nothing": "The change changes nothing.",
    "person.details_hidden": ("A psychologist may not give or change the name, phone or address of a victim or a "
                              "child: those details are hidden from psychologists."),
    "person.protected_role": "A psychologist may not change the role of a victim or a child.",
    "link.forbidden": "You may not link to this {what}, because you may not see it.",
    "link.case_forbidden": ("You may not link to this {what}, because you may not see it. Ask the case's owner or "
                            "a supervisor to add you to the case."),
    # Referrals, consent and appointments
    "referral.make_forbidden": "The role {role!r} may not make referrals.",
    "referral.read_forbidden": "This referral was made by someone else, to a service you do not work for.",
    "referral.queue_forbidden": "Psychologists see the queue of {target}; supervisors see every queue.",
    "referral.reason_blank": "Give a reason in words.",  # the referral's own reason, not a step's
    "referral.wrong_state": "Cannot {action} a referral that is {status}.{hint}",
    "referral.not_responsible": "Only the psychologist who claimed this referral, or a supervisor, may {duty}.",
    "referral.claim_forbidden": "Only a psychologist or a supervisor may claim a referral.",
    "referral.already_claimed": "The referral is already claimed by {name}.",
    "referral.decline_forbidden": "Only a psychologist or a supervisor may decline a referral.",
    "referral.cancel_forbidden": "Only whoever made the referral, its claimant or a supervisor may cancel it.",
    "referral.escalate_forbidden": "Escalations are recorded by the system or a supervisor.",
    "referral.outcome_needs_attendance": "The outcome {outcome!r} needs an attended appointment; none was.",
    "outcome.unknown": "Unknown outcome {outcome!r}; one of {outcomes}.",
    "consent.services_missing": "Say whether the person agreed to be referred (true or false).",
    "consent.field_unknown": "Unknown consent field.",
    "consent.override_not_text": "Give the reason for the override in words.",
    "consent.nothing_to_override": "Nothing to override: the person consented.",
    "consent.refused": ("The person did not consent to be referred; only a supervisor may override that, "
                        "giving consent.override_reason."),
    "consent.override_forbidden": "Only a supervisor may override a refusal of consent.",
    "attended.missing": "Say whether the person came (true or false).",
    "appointment.format_unknown": "Unknown format {format!r}; one of {formats}.",
    "appointment.colleague_not_psychologist": "{name} is not a psychologist.",
    "appointment.colleague_is_claimant": "The pair colleague is someone other than the claimant.",
    "appointment.time_missing": "Give the appointment's date and time.",
    "appointment.no_working_hours": "No working hours are on record for {name}.",
    "appointment.not_begun": ("The appointment at {at:%Y-%m-%d %H:%M} (local time) has not begun yet; record "
                              "attendance once it has."),
    "appointment.in_past": "The time {at:%Y-%m-%d %H:%M} (local time) is in the past; an appointment is booked ahead.",
    "appointment.too_far_ahead": "The time {at:%Y-%m-%d %H:%M} is more than a year ahead; check the year.",
    "appointment.outside_hours": ("{name} does not work at {at:%Y-%m-%d %H:%M}–{until:%H:%M} (local time); working "
                                  "hours on {weekday}: {shifts}."),
    "appointment.day_off": ("{name} does not work at {at:%Y-%m-%d %H:%M}–{until:%H:%M} (local time); working "
                            "hours on {weekday}: a day off."),
    "appointment.clash": "{name} already has an appointment at {at:%Y-%m-%d %H:%M}–{until:%H:%M} (local time).",
    "appointment.duration_invalid": "An appointment lasts a positive whole number of minutes.",
    "appointment.duration_too_long": "An appointment lasts at most {hours} hours.",
    "appointments.me_without_id": "Name the psychologist by user id.",
    "appointments.person_invalid": "Give `me` or a user id.",
    "appointments.others_forbidden": "A psychologist sees their own appointments; supervisors see anyone's.",
    # Working hours
    "hours.forbidden": "Only an admin, a supervisor or the psychologist themself may set working hours.",
    "hours.not_object": 'Give the working hours per weekday: {{"monday": [{{"start": "09:00", "end": "13:00"}}], …}}.',
    "hours.day_not_list": "Give the day's shifts as a list of {{start, end}}.",
    "hours.shift_not_object": 'Give a shift as {{"start": "HH:MM", "end": "HH:MM"}}.',
    "hours.not_a_time": "Not a time: {value!r}; use HH:MM (00:00–23:59).",
    "schedule.not_weekly": "Give a weekly schedule.",
    "schedule.seven_days": "A weekly schedule has seven days, Monday first.",
    "schedule.weekday_unknown": "Unknown weekday {day!r}; use one of {weekdays}.",
    "schedule.day_not_list": "Give the day's shifts as a list of [start, end].",
    "schedule.shift_not_pair": "Give a shift as [start, end].",
    "schedule.not_a_time": "Not a time: {value!r}; use HH:MM.",
    "schedule.start_after_end": "The start {start:%H:%M} must be before the end {end:%H:%M}.",
    "schedule.overlap": "Overlaps the shift {start:%H:%M}–{end:%H:%M} (number {number} of the day).",
    # Assessments and instruments
    "instrument.unknown": "Unknown instrument: {instrument!r}; known: {known}.",
    "instrument.version_unknown": "Unknown version {version!r} of {instrument}; published: {published}.",
    "answers.not_object": "Give an object of item ids and their answers.",
    "answers.item_unknown": "No such item in {instrument} version {version}.",
    "answers.not_allowed": "Not an allowed answer: {answer}; allowed: {allowed}.",
    "answers.missing": "Every item needs an answer; answer 'unknown' when it is not known.",
    "assessment.subject_role": "{instrument} assesses: {roles}.",
    "assessment.read_forbidden": "This assessment was made by someone else.",
    "assessment.case_required": "{instrument} assesses a family: name its case (case_id).",
    "assessment.override_forbidden": ("Only the assessor or a supervisor may override this level; record a new "
                                      "assessment instead."),
    "override.reason_missing": "An override needs a reason.",
    "level.unknown": "Unknown level {level!r}; levels of {instrument}: {levels}.",
    "level.unchanged": "The assessment is already at this level.",
    "level.lowering_forbidden": "Lowering a level takes a supervisor.",
    # The correctional programme
    "programme.forbidden": "Only a psychologist or a supervisor may act on the correctional programme.",
    "programme.enrol_forbidden": "Only a psychologist or a supervisor may enrol a person in the programme.",
    "programme.read_forbidden": "Only psychologists and supervisors see the correctional programme.",
    "programme.not_runner": ("Only the psychologist who runs this participation (who enrolled the person or claimed "
                             "their referral) or a supervisor may change it."),
    "programme.needs_aggressor_status": "Enrolment needs an aggressor_status assessment; this one is {instrument}.",
    "programme.not_eligible": "Not eligible: contraindications ({items}). Suggested referral: {target} services.",
    "programme.eligibility_undecided": ("Eligibility undecided: contraindications unknown ({items}). Find out and "
                                        "record a new aggressor_status assessment."),
    "programme.newer_assessment": ("A newer aggressor-status assessment of this case exists ({assessment_id}); "
                                   "enrol on the latest one."),
    "programme.other_case": "The assessment was made in another case.",
    "programme.wrong_state": "Cannot {action} a participation that is {status}.",
    "programme.nothing_attended": "Cannot complete the programme before the person has attended a session.",
    "session.time_missing": "Give the session's date and time.",
    "session.in_future": "The session is in the future; record it once it has taken place.",
    "session.note_too_long": "A note is text of at most {max} characters.",
    # Case conferences (domain/conference.py)
    "conference.schedule_forbidden": "Only psychologists and supervisors schedule case conferences, not {role!r}.",
    "conference.read_forbidden": "The role {role!r} sees no case conferences.",
    "conference.not_attending": "You neither attend this conference nor work on any case on its agenda.",
    "conference.day_invalid": "Give a day as YYYY-MM-DD.",
    "conference.day_too_early": "Give a day from {earliest} on.",
    "conference.too_far_ahead": "A conference is scheduled at most a year ahead.",
    "conference.before_previous": "The previous meeting of the series was held on {previous}; this one cannot be earlier.",
    "conference.too_many": "At most {max}.",
    "conference.attendee_role": "A conference is attended by consultants, psychologists and supervisors, not {role!r}.",
    "conference.agency_twice": "The agency {agency!r} is named twice.",
    "conference.agency_unknown": "{agency!r} is not an agency of this conference.",
    "conference.case_on_agenda": "The case is already on the conference's agenda.",
    "conference.case_not_on_agenda": "The case is not on the conference's agenda; add it first.",
    "conference.not_held": "The conference is held on {held_on}; record its decisions from that day on.",
    "conference.due_before_meeting": "An action is due on or after the conference's day, {held_on}.",
    "conference.due_too_far": "An action is due at most three years after the conference.",
    "conference.owner_kind": "Give the owner's kind: staff (with user_id) or agency (with the agency's name).",
    "conference.owner_role": "An action is owned by a consultant, psychologist or supervisor, not {role!r}.",
    "conference.action_done": "The action is already done.",
    "conference.action_carried": "The action was carried over to the next meeting of the series; mark it done there.",
    "conference.done_in_future": "The action is done in the future; record it once it is done.",
    "conference.done_before_meeting": "The action was agreed at the conference of {held_on}; it cannot be done before.",
    # The development plan of a case and its reviews (domain/plan.py)
    "plan.case_closed": "The case is closed; reopen it before changing its plan.",
    "plan.goal_not_found": "No such goal in this case's plan.",
    "plan.activity_not_found": "No such activity in this case's plan.",
    "plan.goal_achieved": "The goal is already closed as achieved.",
    "plan.goal_dropped": "The goal was dropped; set a new goal instead.",
    "plan.activity_done": "The activity is already done.",
    "plan.activity_dropped": "The activity was dropped; add a new one instead.",
    "plan.changes_expected": "Give the fields to change: {keys}.",
    "plan.change_unknown": "A goal's changes are among {keys}.",
    "plan.changes_nothing": "The change changes nothing.",
    "plan.day_missing": "Give a date (YYYY-MM-DD).",
    "plan.day_invalid": "Not a date; use YYYY-MM-DD.",
    "plan.day_out_of_range": "Give a date from {earliest} to {latest}.",
    "plan.time_invalid": "Not a time; use ISO 8601.",
    "plan.time_in_future": "This is in the future; record it once it has happened.",
    "plan.time_too_early": "Implausibly far in the past.",
    "plan.responsible_kind": "Say who is responsible: kind one of {kinds}.",
    "plan.responsible_staff": "The responsible member of staff is a consultant, psychologist or supervisor.",
    "plan.progress_not_list": "Give the progress as a list of {{goal_id, progress, note}}.",
    "plan.goal_twice": "This goal's progress is given twice.",
    "plan.next_review_not_after": "The next review comes after this one ({held}).",
    "plan.next_review_too_late": "The next review is due within {months} months: by {latest}.",
    "plan.escalate_forbidden": "Overdue items are escalated by the system or a supervisor.",
    # Staff, tokens, two-person changes
    "username.invalid": "Use 2-63 characters: latin letters, digits, '.', '_' or '-'.",
    "username.taken": "The username {username!r} is taken.",
    "role.unknown": "Unknown role {role!r}; one of {roles}.",
    "language.unknown": "One of {languages}.",
    "password.too_short": "Use at least {count} characters.",
    "password.too_long": "Use at most {max} characters.",
    "user.unknown_name": "No user named {username!r}.",
    "user.already_has_role": "The user already has the role {role!r}.",
    "user.already_disabled": "The user is already disabled.",
    "user.already_active": "The user is already active.",
    "user.disabled": "The user is disabled.",
    "user.not_locked": "The account has no failed sign-ins to clear.",
    "token.already_revoked": "The token is already revoked.",
    "staff.unknown_name": "No member of staff is called {username!r}.",
    "staff.disabled": "{name} is disabled.",
    "staff_change.kind_unknown": "One of {kinds}.",
    "staff_change.decider_role": "Only a supervisor or an admin decides on a staff change.",
    "staff_change.own_request": "The person who asked for a change cannot approve or reject it: another one does.",
    "staff_change.own_account": "A change to your own account is decided by someone else.",
    "staff_change.decided": "The request is already {status}.",
    "staff_change.expired": "The request has expired; ask again.",
    "staff_change.reason": "Give a reason of at most {max} characters.",
    # Questionnaires, their responses and feedback links
    "questionnaire.unknown": "No questionnaire {questionnaire!r}; known: {known}.",
    "questionnaire.version_unknown": "No version {version!r} of {questionnaire}; published: {published}.",
    "questionnaire.item_unknown": "No such item in {questionnaire} version {version}.",
    "questionnaire.answer_missing": "This item needs an answer.",
    "questionnaire.scale": "Give a whole number from {min} to {max}, not {answer}.",
    "questionnaire.not_an_option": "Not an allowed answer: {answer}; allowed: {allowed}.",
    "questionnaire.option_repeated": "An option is chosen twice.",
    "questionnaire.not_a_number": "Not a number (or not a whole one where one is asked for): {answer}.",
    "questionnaire.out_of_range": "Give a number from {min} to {max}.",
    "questionnaire.about_kind": "Say what the response evaluates: one of {kinds}.",
    "questionnaire.about_id_for_none": "An anonymous response names no record.",
    "questionnaire.code_format": ("A short code of Latin letters, digits and . _ : - (at most 64 characters), "
                                  "never a name."),
    "questionnaire.phase_required": "A test's response says its phase: one of {phases}.",
    "questionnaire.phase_only_for_tests": "Only a test's response has a phase.",
    "questionnaire.answered_in_future": "The time of answering is in the future.",
    "questionnaire.answered_too_early": "The time of answering is implausibly far in the past.",
    "questionnaire.write_forbidden": "Only consultants, psychologists and supervisors record responses.",
    "questionnaire.read_forbidden": "Only supervisors read responses and their free text.",
    "feedback_link.forbidden": "Only consultants, psychologists and supervisors hand out feedback links.",
    "feedback_link.not_feedback": "A link is handed out for a feedback questionnaire only (kinds: {kinds}).",
    "feedback_link.hours": "Give whole hours from 1 to {max}.",
    "feedback_link.used": "This link was used already: it takes one answer.",
    "feedback_link.expired": "This link has expired.",
    "feedback_link.other_questionnaire": "The response is to another questionnaire than the link's.",
    "feedback_link.read_forbidden": "Only the one who made the link, or a supervisor, may read it.",
    # Personal data, retention, the rest
    "erasure.forbidden": "Only a supervisor erases personal data.",
    "erasure.kind_unknown": "Unknown kind of subject: {kind!r}.",
    "erasure.reason_missing": "An erasure needs a reason.",
    "subject.already_erased": "This subject's personal data was erased already.",
    "subject.erased": "The personal data of this person was erased; no personal data can be added to it.",
    "retention.period_unreadable": ("Write a whole number and a unit (d days, m months, y years), e.g. 90d, 6m or "
                                    "5y, or off; not {raw!r}."),
    "retention.period_not_positive": "A retention period must be positive; write off to disable the rule.",
    "retention.period_too_long": "A retention period longer than {years} years is a typo.",
    "journal.service_unknown": "No service {service!r}; one of {services}.",
    "idempotency.key_malformed": "Use 1 to 255 visible ASCII characters, e.g. a UUID.",
    "idempotency.key_reused": ("This Idempotency-Key was used for a different request (another body or address); "
                               "use a new key for a new record."),
    "idempotency.answer_lost": ("The first request with this key was saved, but its answer was lost; read the "
                                "record back with ?min_position={position}."),
    # Group programmes and trainings (domain/group.py, domain/training.py)
    "group.forbidden": "The role {role!r} does not run groups; psychologists and supervisors do.",
    "group.define_forbidden": "Only a supervisor defines or revises programmes, not {role!r}.",
    "group.read_forbidden": "The role {role!r} sees no groups.",
    "group.not_facilitating": "You neither facilitate nor planned this group.",
    "group.number_outside": "Give a number from {low} to {high}.",
    "group.day_invalid": "Give a day as YYYY-MM-DD.",
    "group.day_in_future": "The day is in the future.",
    "group.time_invalid": "Give the start as an ISO 8601 moment.",
    "group.rule_missing": "Give the completion rule: min_hours, min_sessions or both.",
    "group.rule_above_plan": "The completion rule asks for more than the {planned} planned.",
    "group.too_many": "At most {max}.",
    "group.outside_hours": "{name} does not work at {at:%Y-%m-%d %H:%M}.",
    "group.facilitator_role": "Groups are facilitated by psychologists and supervisors, not {role!r}.",
    "group.place_missing": "Give a place or an online link.",
    "group.finished": "The group is finished.",
    "group.full": "The group is full: {capacity} places are taken.",
    "group.already_enrolled": "This person is already in the group.",
    "group.participant_state": "The participant's status is {status}.",
    "group.session_unknown": "The timetable has sessions 1 to {sessions}.",
    "group.session_held": "Session {number} was already held.",
    "group.session_not_held": "Session {number} has not been held yet; record it as held first.",
    "group.not_a_facilitator": "Not a facilitator of this group.",
    "group.participant_unknown": "Not a participant of this group.",
    "group.not_completed": "A certificate is for participants who completed the programme; this one's status is {status}.",
    "group.name_erased": "The participant's name was erased; no certificate can name them.",
    "group.person_not_in_case": "No person with this id in the case.",
    "training.forbidden": "The role {role!r} does not record trainings; psychologists and supervisors do.",
    "projection.unknown": "No projection named {name!r}; known: {known}.",
}

# The kinds of record a refusal names (`what`), as the English calls them.
RECORDS = {
    "safety_plan": "safety plan",
    "record": "record", "contact": "contact", "case": "case", "referral": "referral",
    "assessment": "assessment", "participation": "programme participation", "user": "user", "token": "token",
    "staff_change": "staff change request", "erasure": "erasure of this subject", "subject": "data subject",
    "person": "person", "conference": "case conference", "action": "conference action",
    "questionnaire_response": "questionnaire response", "feedback_link": "feedback link",
    "plan": "development plan",
    "programme": "programme", "group": "group", "participant": "participant", "training": "training",
}
# Parameters that are codes, by name: how the English spells each code.
WORDS: dict[str, dict] = {
    "what": RECORDS,
    # What a command would have done, in "Cannot {action} a referral/participation/closed case".
    "action": {
        "claim": "claim", "release": "release", "decline": "decline", "cancel": "cancel", "complete": "complete",
        "schedule": "schedule an appointment for", "record_attendance": "record attendance for",
        "record_consultation": "record the consultation of",
        "record_session": "record a session of", "drop_out": "record a drop-out of",
        "add_person": "add a person to", "change_person": "change a person of", "add_note": "add a note to",
        "assign_owner": "assign", "add_worker": "add someone to",
        "take_on": "record an agreement for", "set_safe_contact": "set a person's safe contact in",
        "safety_plan": "change a safety plan of",
    },
    # What only the responsible person may do, in "… may {duty}."
    "duty": {
        "release": "give it back to the queue", "decline": "decline it",
        "schedule": "schedule an appointment for it", "record_attendance": "record attendance for it",
        "complete": "complete it", "add_worker": "add someone to it", "close": "close it", "reopen": "reopen it",
    },
    # What to do first, after "Cannot {action} a referral that is {status}."
    "hint": {
        None: "", "claim_first": " Claim it first.", "schedule_first": " Schedule an appointment first.",
        "schedule_again_first": " Schedule a new appointment first.",
        "schedule_follow_up_first": " Schedule a follow-up appointment first.",
        "record_attendance_first": " Record whether the appointment was attended first.",
        "record_then_complete": " Record the appointment, then complete the referral with its outcome.",
    },
    "weekday": {day: day.capitalize() for day in
                ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")},
}


class _English(string.Formatter):
    def get_value(self, key, args, kwargs):
        value = kwargs[key]
        if key not in WORDS:
            return value
        if value not in WORDS[key]:
            raise LookupError(f"No English word for the {key} {value!r} (domain/messages.py WORDS)")
        return WORDS[key][value]

    def format_field(self, value, format_spec):
        if isinstance(value, (list, tuple)) and not format_spec:
            return ", ".join(str(item) for item in value)
        return super().format_field(value, format_spec)


_FORMATTER = _English()


def english(code: str, params: dict) -> str:
    """The English sentence of a refusal; an unknown code or a missing parameter fails at once."""
    try:
        template = ENGLISH[code]
    except KeyError:
        raise LookupError(f"No English message for the refusal code {code!r} (domain/messages.py)") from None
    try:
        return _FORMATTER.format(template, **params)
    except KeyError as missing:
        raise LookupError(f"The refusal {code!r} needs the parameter {missing}") from None
