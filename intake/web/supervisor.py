"""Supervisors' reporting: the statistics dashboard, the registration journals with their exports,
and the printable monthly report for funders and ministries.

Every figure comes from the statistics projections through the same query functions the API
calls (intake/web/supervisor_figures.py), so a page and /api/v1/stats/… agree for the same range.
The journals come from the same query functions too (intake/queries/journals.py). The filters are
GET forms: a page can be bookmarked, shared and reloaded. Cases and the access log of this area are
added to the same blueprint (intake/web/supervisor_blueprint.py) by intake/web/supervisor_audit.py.
"""
import re
from datetime import date, timedelta

from babel.dates import format_interval
from flask import Response, render_template, request, url_for
from flask_babel import format_date, format_datetime, gettext as _, lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, DateField, SelectField, StringField, validators

from domain import reference
from domain.clock import local, utc_now
from intake.queries import journals as journal_reads
from intake.running import senim
from intake.web import (
    supervisor_audit,  # noqa: F401 - its pages are on this area's blueprint
    supervisor_figures as figures,
)
from intake.web.forms import Form
from intake.web.i18n import label, language, options
from intake.web.own_writes import behind as projections_behind
from intake.web.session import current_actor, page
from intake.web.supervisor_blueprint import bp

LONGEST_RANGE_DAYS = 366  # a year at most, both ends included
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2100, 12, 31)
JOURNAL_PAGE_SIZE = 50
JOURNAL_COLUMNS = ("registration_number", "date", "time", "channel", "consultant", "caller_role", "categories",
                   "outcome")
WAIT_SECONDS = 3.0  # how long a page waits for the read models to reach the newest event
STATS_VIEWS = ("contact_stats", "referral_stats", "assessment_stats", "referral_queue")
REPORT_VIEWS = ("contact_stats", "referral_stats", "assessment_stats", "programme_stats", "casework")
MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def today() -> date:
    return local(utc_now()).date()


def fresh(*names: str) -> list[str]:
    """Waits a moment for these read models to reach the newest event; names those still behind."""
    return projections_behind(*names, seconds=min(WAIT_SECONDS, senim().settings.read_your_writes_timeout),
                              latest=True)


def period_text(date_from: date, date_to: date) -> str:
    if date_from == date_to:
        return format_date(date_from, "long")
    return format_interval(date_from, date_to, "yMMMd", locale=figures.locale())


# -- forms ---------------------------------------------------------------------------------------------
class DayField(DateField):
    """A date (the browser's date picker sends YYYY-MM-DD), with our own message when it is not one."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("render_kw", {"min": EARLIEST_DAY.isoformat(), "max": LATEST_DAY.isoformat()})
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_("Enter a date as day, month and year, for example %(example)s.",
                               example=format_date(today(), "short"))) from None

    def pre_validate(self, form):
        if self.data and not EARLIEST_DAY <= self.data <= LATEST_DAY:
            raise validators.StopValidation(_("Choose a date between %(first)s and %(last)s.",
                                              first=format_date(EARLIEST_DAY, "short"),
                                              last=format_date(LATEST_DAY, "short")))


def one_of(list_name: str, *, optional: bool):
    codes = list(reference.codes(list_name)) + ([""] if optional else [])
    return validators.AnyOf(codes, message=_l("Choose one of the offered values."))


class RangeForm(Form):
    """A period, both days included, of at most a year."""

    class Meta:
        csrf = False  # a GET form that changes nothing

    date_from = DayField(_l("Start of the period"), validators=[validators.InputRequired(_l("Fill in this field."))])
    date_to = DayField(_l("End of the period"), validators=[validators.InputRequired(_l("Fill in this field."))])

    def validate_date_to(self, field):
        if self.date_from.data and field.data:
            if field.data < self.date_from.data:
                raise validators.ValidationError(_("The end of the period is before its start."))
            if (field.data - self.date_from.data).days >= LONGEST_RANGE_DAYS:
                raise validators.ValidationError(
                    _("Choose a period of at most %(days)d days (a year).", days=LONGEST_RANGE_DAYS))


class StatsForm(RangeForm):
    service = SelectField(_l("Service"), choices=[], default="", validate_choice=False,
                          validators=[one_of("services", optional=True)])
    channel = SelectField(_l("Channel"), choices=[], default="", validate_choice=False,
                          validators=[one_of("channels", optional=True)])
    consented_only = BooleanField(_l("Only contacts who agreed to be counted in reports"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.service.choices = [("", _("All services"))] + options("services")
        self.channel.choices = [("", _("All channels"))] + options("channels")

    def scope(self) -> figures.Scope:
        return figures.Scope(self.date_from.data, self.date_to.data, self.service.data or None,
                             self.channel.data or None, bool(self.consented_only.data))


class JournalForm(RangeForm):
    service = SelectField(_l("Service"), choices=[], validate_choice=False,
                          validators=[one_of("services", optional=False)])
    channel = SelectField(_l("Channel"), choices=[], default="", validate_choice=False,
                          validators=[one_of("channels", optional=True)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.service.choices = options("services")
        self.channel.choices = [("", _("All channels"))] + options("channels")


class MonthForm(Form):
    class Meta:
        csrf = False

    month = StringField(_l("Month"), render_kw={"type": "month", "min": "2000-01"},
                        validators=[validators.InputRequired(_l("Fill in this field."))])
    consented_only = BooleanField(_l("Only contacts who agreed to be counted in reports"))

    def validate_month(self, field):
        match = MONTH.match((field.data or "").strip())
        if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < EARLIEST_DAY.year:
            raise validators.ValidationError(_("Choose a month, for example %(example)s.",
                                               example=last_month(today())))
        if self.first_day() > today():
            raise validators.ValidationError(_("This month has not begun yet."))

    def first_day(self) -> date:
        year, month = (int(part) for part in self.month.data.strip().split("-"))
        return date(year, month, 1)

    def scope(self) -> figures.Scope:
        first = self.first_day()
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        return figures.Scope(first, last, consented_only=bool(self.consented_only.data))


def last_month(day: date) -> str:
    return (day.replace(day=1) - timedelta(days=1)).isoformat()[:7]


def with_defaults(defaults: dict) -> MultiDict:
    """The query string, with a default for each field left out or empty."""
    values = MultiDict(request.args)
    for name, value in defaults.items():
        if not (values.get(name) or "").strip():
            values.setlist(name, [value])
    return values


def range_defaults() -> dict:
    """The current month so far."""
    end = today()
    return {"date_from": end.replace(day=1).isoformat(), "date_to": end.isoformat()}


# -- pages -----------------------------------------------------------------------------------------------
@bp.route("/supervision")
@page("supervisor")
def dashboard():
    form = StatsForm(formdata=with_defaults(range_defaults()))
    if not form.validate():
        return render_template("web/supervisor/dashboard.html", form=form, board=None, behind=[]), 422
    behind = fresh(*STATS_VIEWS)
    services = senim()
    with services.views.transaction(write=False) as tx:
        board = figures.dashboard(tx, form.scope(), services.referrals.deadlines)
    return render_template("web/supervisor/dashboard.html", form=form, board=board, behind=behind,
                           period=period_text(board.scope.date_from, board.scope.date_to),
                           filters=filter_summary(board.scope))


def filter_summary(scope: figures.Scope) -> list[str]:
    parts = [label("services", scope.service) if scope.service else _("All services"),
             label("channels", scope.channel) if scope.channel else _("All channels")]
    if scope.consented_only:
        parts.append(_("only contacts who agreed to be counted in reports"))
    return parts


@bp.route("/supervision/escalations")
@page("supervisor")
def escalations():
    behind = fresh("referral_queue", "casework")
    services = senim()
    with services.views.transaction(write=False) as tx:
        rows = figures.escalations(tx, services.referrals.deadlines)
        casework = figures.casework_escalations(tx)
    now = utc_now()
    return render_template("web/supervisor/escalations.html", rows=rows, now=now, behind=behind,
                           queue=url_for("web_psychologist.queue"), casework=casework)


def journal_page_rows(form: JournalForm) -> tuple[list[dict], list[str]]:
    """The journal as the API reads it for a supervisor (every row), noted in the access log."""
    behind = fresh(journal_reads.PROJECTION)
    rows = journal_reads.journal(senim(), service=form.service.data, date_from=form.date_from.data,
                                 date_to=form.date_to.data, channel=form.channel.data or None)
    # One entry per journal view or export, as the API notes it: the journal lists many contacts.
    senim().access.record(current_actor(), "journal", form.service.data, remote_addr=request.remote_addr)
    return rows, behind


def journal_defaults() -> dict:
    return {**range_defaults(), "service": "helpline"}


@bp.route("/journals")
@page("supervisor")
def journals():
    form = JournalForm(formdata=with_defaults(journal_defaults()))
    if not form.validate():
        return render_template("web/supervisor/journals.html", form=form, rows=None), 422
    rows, behind = journal_page_rows(form)
    pages = max(1, -(-len(rows) // JOURNAL_PAGE_SIZE))
    number = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    shown = [display_row(row) for row in rows[(number - 1) * JOURNAL_PAGE_SIZE:number * JOURNAL_PAGE_SIZE]]
    query = {name: form[name].data for name in ("service", "channel")}
    query |= {"date_from": form.date_from.data.isoformat(), "date_to": form.date_to.data.isoformat()}
    return render_template(
        "web/supervisor/journals.html", form=form, rows=shown, total=len(rows), page_number=number, pages=pages,
        first=(number - 1) * JOURNAL_PAGE_SIZE + 1, last=(number - 1) * JOURNAL_PAGE_SIZE + len(shown),
        query=query, behind=behind, headings=journal_headings(), columns=JOURNAL_COLUMNS,
        period=period_text(form.date_from.data, form.date_to.data))


def display_row(row: dict) -> dict:
    """A journal row (row_view) as the page shows it: labels and dates in the page's language."""
    def labels(list_name, codes):
        return ", ".join(label(list_name, code) for code in codes)

    day_format = "dd.MM.yyyy" if language() in ("kk", "ru") else "medium"  # as registers are kept there
    return {**row, "date_text": format_date(date.fromisoformat(row["date"]), day_format),
            "channel_text": label("channels", row["channel"]),
            "caller_role_text": label("caller_roles", row["caller_role"]),
            "categories_text": labels("categories", row["categories"]),
            "outcome_text": labels("outcomes", row["outcome"])}


def journal_headings() -> dict:
    """The same headings the CSV and XLSX files carry, in the page's language."""
    return journal_reads.headings(language())


@bp.route("/journals/export.<any(csv, xlsx):file_format>")
@page("supervisor")
def journal_export(file_format: str):
    form = JournalForm(formdata=with_defaults(journal_defaults()))
    if not form.validate():
        return render_template("web/supervisor/journals.html", form=form, rows=None), 422
    rows, _behind = journal_page_rows(form)
    file = journal_reads.export(rows, service=form.service.data, date_from=form.date_from.data,
                                date_to=form.date_to.data, file_format=file_format, lang=language())
    return Response(file.body, content_type=file.content_type,
                    headers={"Content-Disposition": f'attachment; filename="{file.filename}"'})


@bp.route("/reports/monthly")
@page("supervisor")
def monthly_report():
    form = MonthForm(formdata=with_defaults({"month": last_month(today())}))
    if not form.validate():
        return render_template("web/supervisor/report.html", form=form, report=None), 422
    behind = fresh(*REPORT_VIEWS)
    with senim().views.transaction(write=False) as tx:
        report = figures.monthly_report(tx, form.scope())
    scope = report.scope
    return render_template(
        "web/supervisor/report.html", form=form, report=report, behind=behind,
        month=figures.month_name(scope.date_from.isoformat()[:7]),
        period=period_text(scope.date_from, min(scope.date_to, max(today(), scope.date_from))),
        month_so_far=scope.date_to > today(),
        generated=format_datetime(utc_now(), "medium"))
