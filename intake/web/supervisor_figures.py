"""The supervisors' figures: the statistics queries (intake/queries/statistics.py, the same functions
the API calls), shaped into tables and server-drawn bar charts. Every chart carries its numbers as a table.

Each count keeps its code (`Bar.key`) beside its label, so a page can be checked against the
statistics API cell by cell (`data-cell="<chart>:<key>"`, `data-count="n"`).
"""
import math
from dataclasses import dataclass, field
from datetime import date, timedelta

from babel.dates import format_skeleton, get_day_names
from flask_babel import format_number, format_percent, get_locale, gettext as _, lazy_gettext as _l

from domain import instruments
from domain.clock import local, utc_now
from intake.queries import caseload, statistics
from intake.web.i18n import label, language, options

# Ranges up to this many days are charted day by day; longer ones month by month.
DAILY_UP_TO_DAYS = 62
ROW = 46  # height of one horizontal bar with its label, in SVG units

REFERRAL_STATUSES = {
    "open": _l("Waiting to be claimed"),
    "claimed": _l("Claimed by a psychologist"),
    "scheduled": _l("Consultation scheduled"),
    "attended": _l("Consultation attended"),
    "missed": _l("Consultation missed"),
    "completed": _l("Work completed"),
    "declined": _l("Declined by the service"),
    "cancelled": _l("Referral cancelled"),
}
PROGRAMME_STATUSES = {
    "enrolled": _l("Still in the programme"),
    "completed": _l("Completed the programme"),
    "dropped_out": _l("Dropped out of the programme"),
}
CODE_LISTS = {"channel": "channels", "category": "categories", "caller_role": "caller_roles", "region": "regions",
              "gender": "genders", "age_group": "age_groups", "service": "services", "source": "referral_sources",
              "target": "referral_targets", "subject_role": "caller_roles", "contact_type": "contact_types"}


@dataclass(frozen=True)
class Scope:
    """The period and filters of a page; referral and assessment counts use only the period."""
    date_from: date
    date_to: date
    service: str | None = None
    channel: str | None = None
    consented_only: bool = False

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1


def utc_today() -> date:
    """The service's local day now."""
    return local(utc_now()).date()


def number(value) -> str:
    return format_number(value)


def percent(share: float | None) -> str:
    return "" if share is None else format_percent(share, "#,##0.0%")


def locale():
    return get_locale() or "ru"


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def month_name(month: str) -> str:
    """'2026-05' → 'May 2026' in the page's language."""
    year, month_number = (int(part) for part in month.split("-"))
    return capitalised(format_skeleton("yMMMM", date(year, month_number, 1), locale=locale()))


def code_label(dimension: str, code) -> str:
    """A dimension's value as people read it; a value nobody recorded says so."""
    if code in (None, ""):
        return _("Not recorded")
    if dimension in CODE_LISTS:
        return label(CODE_LISTS[dimension], code)
    if dimension == "status":
        return str(REFERRAL_STATUSES.get(code, code))
    if dimension == "weekday":
        return capitalised(get_day_names("wide", locale=locale())[int(code) - 1])
    if dimension == "hour":
        return f"{int(code):02d}:00–{int(code):02d}:59"
    if dimension == "month":
        return month_name(code)
    return str(code)


# -- charts ----------------------------------------------------------------------------------------
@dataclass
class FigureRow:
    """One count under its code and label: a row of the monthly report, or a bar of a chart."""
    key: str  # the code counted ("" when not recorded): what the API's row holds
    label: str
    count: int

    @property
    def text(self) -> str:
        return number(self.count)


@dataclass
class Bar(FigureRow):
    share: float | None = None
    axis: str = ""  # the short label under a column

    count_text = FigureRow.text  # what the chart templates call it

    @property
    def share_text(self) -> str:
        return percent(self.share)


@dataclass
class Chart:
    """Bars of one count, drawn as horizontal bars ("bars") or as columns over time ("columns")."""
    id: str
    title: str
    bars: list[Bar]
    total: int  # the base of the shares: contacts, referrals…
    key_heading: str
    count_heading: str
    kind: str = "bars"
    note: str = ""

    @property
    def width(self) -> int:
        return 640 if self.kind == "bars" else 1080

    def __post_init__(self):
        for bar in self.bars:
            bar.share = bar.count / self.total if self.total else None

    @property
    def total_text(self) -> str:
        return number(self.total)

    @property
    def empty(self) -> bool:
        return not any(bar.count for bar in self.bars)

    @property
    def description(self) -> str:
        return _("%(title)s: bar chart; the same numbers are in the table next to it.", title=self.title)

    @property
    def height(self) -> int:
        return len(self.bars) * ROW + 6 if self.kind == "bars" else 220

    def shapes(self) -> list[dict]:
        """Where each bar, its label and its value go (SVG user units)."""
        highest = max([bar.count for bar in self.bars] + [1])
        return self._rows(highest) if self.kind == "bars" else self._columns(highest)

    def _rows(self, highest: int) -> list[dict]:
        room = self.width - 90
        shapes = []
        for index, bar in enumerate(self.bars):
            top = index * ROW
            length = 0 if not bar.count else max(2.0, bar.count / highest * room)
            shapes.append({"bar": bar, "x": 0, "y": top + 22, "w": round(length, 1), "h": 16,
                           "label_x": 0, "label_y": top + 16, "label_anchor": "start", "label": bar.label,
                           "value_x": round(length + 6, 1), "value_y": top + 35, "value_anchor": "start",
                           "value": bar.count_text, "title": self._title(bar)})
        return shapes

    def _columns(self, highest: int) -> list[dict]:
        top, bottom = 18, 24
        plot = self.height - top - bottom
        step = self.width / max(len(self.bars), 1)
        every = math.ceil(len(self.bars) / 31)  # at most 31 axis labels fit
        shapes = []
        for index, bar in enumerate(self.bars):
            size = 0 if not bar.count else max(1.5, bar.count / highest * plot)
            width = step * 0.7
            x = index * step + (step - width) / 2
            shapes.append({"bar": bar, "x": round(x, 1), "y": round(top + plot - size, 1), "w": round(width, 1),
                           "h": round(size, 1), "label_x": round(x + width / 2, 1), "label_y": self.height - 6,
                           "label_anchor": "middle", "label": bar.axis if index % every == 0 else "",
                           "value_x": round(x + width / 2, 1), "value_y": round(top + plot - size - 4, 1),
                           "value_anchor": "middle", "value": bar.count_text if bar.count and every == 1 else "",
                           "title": self._title(bar)})
        return shapes

    @property
    def baseline(self) -> int:
        return self.height - 24

    def _title(self, bar: Bar) -> str:
        if bar.share is None:
            return f"{bar.label}: {bar.count_text}"
        return f"{bar.label}: {bar.count_text} ({bar.share_text})"


def text_key(value) -> str:
    """A value as a cell's key: "" for none, as the API's null."""
    return "" if value is None else str(value)


def bars(rows: list[dict], dimension: str, *, keys=None) -> list[Bar]:
    """API rows of one dimension as bars, in the API's order (largest first); with `keys`, every key in
    that order, zeros included (hours, weekdays, levels)."""
    counts = {text_key(row[dimension]): row["count"] for row in rows}
    if keys is None:
        return [Bar(key=key, label=code_label(dimension, key), count=n) for key, n in counts.items()]
    keys = [str(key) for key in keys]
    extra = [key for key in counts if key not in keys]
    return [Bar(key=key, label=code_label(dimension, key), count=counts.get(key, 0)) for key in keys + extra]


# -- contacts --------------------------------------------------------------------------------------
def contact_stats(tx, scope: Scope, group_by: list[str], *, date_from=None, date_to=None) -> dict:
    """The contacts of the scope (or of a part of its period) as /api/v1/stats/contacts counts them."""
    return statistics.contacts(tx, date_from=date_from or scope.date_from, date_to=date_to or scope.date_to,
                               group_by=group_by, consented_only=scope.consented_only, service=scope.service,
                               channel=scope.channel)


def days_of(scope: Scope) -> list[date]:
    return [scope.date_from + timedelta(days=n) for n in range(scope.days)]


def months_of(scope: Scope) -> list[str]:
    months, day = [], scope.date_from.replace(day=1)
    while day <= scope.date_to:
        months.append(day.isoformat()[:7])
        day = (day + timedelta(days=32)).replace(day=1)
    return months


def contacts_over_time(tx, scope: Scope, total: int) -> Chart:
    """Day by day for a range of up to two months (each day counted as the API counts ?from=d&to=d),
    month by month beyond that."""
    if scope.days <= DAILY_UP_TO_DAYS:
        day_bars = []
        for day in days_of(scope):
            count = contact_stats(tx, scope, [], date_from=day, date_to=day)["total"]
            day_bars.append(Bar(key=day.isoformat(), label=capitalised(format_skeleton("yMMMEd", day, locale=locale())),
                                count=count, axis=str(day.day)))
        return Chart("by-day", _("Contacts by day"), day_bars, total, _("Day"), _("Contacts"), kind="columns")
    rows = contact_stats(tx, scope, ["month"])["rows"]
    month_bars = bars(rows, "month", keys=months_of(scope))
    for bar in month_bars:
        year, month = (int(part) for part in bar.key.split("-"))
        bar.axis = format_skeleton("MMM", date(year, month, 1), locale=locale())
    return Chart("by-month", _("Contacts by month"), month_bars, total, _("Month"), _("Contacts"), kind="columns")


def contact_chart(tx, scope: Scope, total: int, dimension: str, chart_id: str, title: str, heading: str,
                  **options) -> Chart:
    rows = contact_stats(tx, scope, [dimension])["rows"]
    keys = options.pop("keys", None)
    return Chart(chart_id, title, bars(rows, dimension, keys=keys), total, heading, _("Contacts"), **options)


def hour_chart(tx, scope: Scope, total: int) -> Chart:
    chart = contact_chart(tx, scope, total, "hour", "by-hour", _("Contacts by hour of the day"), _("Hour"),
                          keys=range(24), kind="columns",
                          note=_("Local time (Astana) of the start of each contact, for planning shifts."))
    for bar in chart.bars:
        bar.axis = bar.key
    return chart


def contact_charts(tx, scope: Scope) -> tuple[int, list[Chart]]:
    total = contact_stats(tx, scope, [])["total"]
    charts = [
        contacts_over_time(tx, scope, total),
        contact_chart(tx, scope, total, "channel", "by-channel", _("Contacts by channel"), _("Channel")),
        contact_chart(tx, scope, total, "category", "by-category", _("Contacts by category"), _("Category"),
                      note=_("A contact about several matters counts under each of them, so together the shares "
                             "come to more than the whole.")),
        contact_chart(tx, scope, total, "caller_role", "by-caller-role", _("Contacts by caller role"),
                      _("Who contacted us")),
        contact_chart(tx, scope, total, "region", "by-region", _("Contacts by region"), _("Region")),
        hour_chart(tx, scope, total),
        contact_chart(tx, scope, total, "weekday", "by-weekday", _("Contacts by day of the week"),
                      _("Day of the week"), keys=range(1, 8)),
    ]
    return total, charts


# -- referrals, assessments, escalations -----------------------------------------------------------
def referral_stats(tx, scope: Scope, group_by: list[str]) -> dict:
    """The referrals of the scope's period as /api/v1/stats/referrals counts them."""
    return statistics.referrals(tx, date_from=scope.date_from, date_to=scope.date_to, group_by=group_by)


def referral_charts(tx, scope: Scope) -> tuple[int, list[Chart]]:
    total = referral_stats(tx, scope, [])["total"]
    by_source = bars(referral_stats(tx, scope, ["source"])["rows"], "source")
    by_status = bars(referral_stats(tx, scope, ["status"])["rows"], "status")
    return total, [
        Chart("referrals-by-source", _("Referrals by source"), by_source, total, _("Who referred"), _("Referrals")),
        Chart("referrals-by-status", _("Referrals by current status"), by_status, total, _("Status"),
              _("Referrals")),
    ]


def instrument_title(code: str) -> str:
    return instruments.get(code)["title"].get(language()) or code


def level_bars(rows: list[dict], instrument: str) -> list[Bar]:
    """One bar per level of the instrument, lowest risk first, zeros included; a level of an older
    version that the current one lacks comes last, by its code."""
    levels = instruments.get(instrument)["scoring"]["levels"]
    counts = {row["level"]: row["count"] for row in rows if row["instrument"] == instrument}
    result = [Bar(key=level["code"], label=level.get(language()) or level["en"], count=counts.pop(level["code"], 0))
              for level in levels]
    return result + [Bar(key=code, label=code, count=n) for code, n in sorted(counts.items())]


def assessment_charts(tx, scope: Scope, codes=("victim_risk", "aggressor_status")) -> tuple[int, list[Chart]]:
    result = statistics.assessments(tx, date_from=scope.date_from, date_to=scope.date_to,
                                    group_by=["instrument", "level"])
    charts = []
    for code in codes:
        level_rows = level_bars(result["rows"], code)
        charts.append(Chart(f"risk-{code}", instrument_title(code), level_rows, sum(bar.count for bar in level_rows),
                            _("Level"), _("Assessments")))
    return result["total"], charts


def escalations(tx, deadlines) -> list[dict]:
    """Referrals the escalation job flagged that still wait to be claimed, most overdue first (the
    rows of /api/v1/escalations), with their times as datetimes."""
    return statistics.escalations_with_times(tx, deadlines)


def casework_escalations(tx) -> list[dict]:
    """Overdue reviews and plan activities the sweep escalated, still not done (the `casework` rows of
    /api/v1/escalations), most overdue first."""
    return caseload.escalated_items(tx, utc_today())


@dataclass
class Dashboard:
    scope: Scope
    contacts_total: int
    contact_charts: list[Chart]
    referrals_total: int
    referral_charts: list[Chart]
    assessments_total: int
    risk_charts: list[Chart]
    escalated: int


def dashboard(tx, scope: Scope, deadlines) -> Dashboard:
    contacts_total, contact_list = contact_charts(tx, scope)
    referrals_total, referral_list = referral_charts(tx, scope)
    assessments_total, risk_list = assessment_charts(tx, scope)
    return Dashboard(scope, contacts_total, contact_list, referrals_total, referral_list, assessments_total,
                     risk_list, len(escalations(tx, deadlines)))


# -- the monthly report's tables --------------------------------------------------------------------
@dataclass
class Cell:
    count: int | None
    key: str = ""  # data-cell key when the count is one the API returns

    @property
    def text(self) -> str:
        return "" if self.count is None else number(self.count)


@dataclass
class CrossTable:
    """Counts by two dimensions: rows × columns, with totals (only for single-valued dimensions)."""
    id: str
    caption: str
    corner: str
    columns: list[tuple[str, str]]  # (key, heading)
    rows: list[tuple[str, str, list[Cell], int]] = field(default_factory=list)  # key, label, cells, total
    column_totals: list[int] = field(default_factory=list)
    total: int = 0


def cross_table(table_id: str, caption: str, corner: str, rows: list[dict], row_dim: str, column_dim: str,
                *, row_keys=None, column_keys=None) -> CrossTable:
    counts: dict[tuple[str, str], int] = {}
    for row in rows:
        key = (text_key(row[row_dim]), text_key(row[column_dim]))
        counts[key] = counts.get(key, 0) + row["count"]
    seen_rows = list(dict.fromkeys(key[0] for key in counts))
    seen_columns = list(dict.fromkeys(key[1] for key in counts))
    row_keys = [k for k in (row_keys or []) if k in seen_rows] + [k for k in seen_rows if k not in (row_keys or [])]
    column_keys = [k for k in (column_keys or []) if k in seen_columns] + \
        [k for k in seen_columns if k not in (column_keys or [])]
    table = CrossTable(table_id, caption, corner, [(key, code_label(column_dim, key)) for key in column_keys])
    for row_key in row_keys:
        cells = [Cell(counts.get((row_key, column_key), 0), f"{row_key}|{column_key}") for column_key in column_keys]
        table.rows.append((row_key, code_label(row_dim, row_key), cells, sum(cell.count for cell in cells)))
    table.column_totals = [sum(counts.get((row_key, column_key), 0) for row_key in row_keys)
                           for column_key in column_keys]
    table.total = sum(table.column_totals)
    return table


@dataclass
class MonthlyReport:
    scope: Scope
    contacts_total: int
    service_channel: CrossTable
    simple: dict[str, Chart]
    victims: CrossTable
    family_total: int
    family_in_person: int
    family_channels: Chart
    referrals_total: int
    aggressors_total: int
    target_status: CrossTable
    risk: list[Chart]
    programme: list[FigureRow]
    cases: list["CaseOutcome"] = field(default_factory=list)


def victims_by_gender_and_age(tx, scope: Scope) -> CrossTable:
    """Callers who are victims, by age group and gender: the API's group_by=caller_role,gender,age_group."""
    rows = [row for row in contact_stats(tx, scope, ["caller_role", "gender", "age_group"])["rows"]
            if row["caller_role"] == "victim"]
    return cross_table("victims-age-gender", _("Victims who contacted the services, by age group and gender"),
                       _("Age group"), rows, "age_group", "gender",
                       row_keys=[c for c, _label in options_of("age_groups")],
                       column_keys=[c for c, _label in options_of("genders")])


def options_of(list_name: str) -> list[tuple[str, str]]:
    return options(list_name)


def programme_figures(tx, scope: Scope) -> list[FigureRow]:
    """Participations enrolled in the period (each under its current status) and their sessions: the
    figures of /api/v1/stats/programme?group_by=status."""
    result = statistics.participations(tx, date_from=scope.date_from, date_to=scope.date_to, group_by=["status"])
    by_status = {row["status"]: row["count"] for row in result["rows"]}
    return [FigureRow("total", _("Enrolled in the programme"), result["total"]),
            *(FigureRow(status, str(name), by_status.get(status, 0)) for status, name in PROGRAMME_STATUSES.items()),
            FigureRow("sessions_attended", _("Sessions attended"), result["sessions_attended"]),
            FigureRow("sessions_missed", _("Sessions missed"), result["sessions_missed"])]


# -- casework outcomes (issue 12, the case-outcome table of the funders' reports) -------------------------
CASE_OUTCOMES = (
    # (figure of /api/v1/stats/cases, its label, the figure of its share or None)
    ("closed", _l("Families whose support ended"), None),
    ("self_sufficient", _l("of them closed because the family became self-sufficient"), "self_sufficient_share"),
    ("children_supported", _l("Children supported (in the cases open during the period)"), None),
    ("removal_prevented", _l("Children whose removal from the family (or abandonment) was prevented"),
     "removal_prevented_share"),
    ("returned_home", _l("Children returned from an institution to their family"), None),
    ("wellbeing_improved", _l("Children whose wellbeing improved"), "wellbeing_improved_share"),
)


@dataclass
class OutcomeCell:
    count: int
    share: float | None  # of the families closed (self-sufficient) or of the children supported

    @property
    def text(self) -> str:
        return number(self.count) if self.share is None else f"{number(self.count)} ({percent(self.share)})"


@dataclass
class CaseOutcome:
    key: str
    label: str
    cells: list[OutcomeCell]  # the month, then the year up to the month's end


def case_outcomes(tx, periods: list[tuple[date, date]]) -> list[CaseOutcome]:
    """The case-outcome table for each period, from the same query as /api/v1/stats/cases."""
    today = utc_today()
    results = [caseload.case_figures(tx, schedule=caseload.Schedule(), today=today, date_from=first, date_to=last,
                                     group_by=[])["figures"] for first, last in periods]
    return [CaseOutcome(key, str(title), [OutcomeCell(figures[key], figures[share] if share else None)
                                          for figures in results])
            for key, title, share in CASE_OUTCOMES]


def monthly_report(tx, scope: Scope) -> MonthlyReport:
    contacts_total = contact_stats(tx, scope, [])["total"]
    service_channel = cross_table(
        "contacts-service-channel", _("Contacts by service and channel"), _("Channel"),
        contact_stats(tx, scope, ["service", "channel"])["rows"], "channel", "service",
        row_keys=[c for c, _label in options_of("channels")], column_keys=[c for c, _label in options_of("services")])

    def simple(dimension, chart_id, title, heading):
        return contact_chart(tx, scope, contacts_total, dimension, chart_id, title, heading)

    family_scope = Scope(scope.date_from, scope.date_to, "family_service", None, scope.consented_only)
    family = contact_stats(tx, family_scope, ["channel"])
    family_in_person = next((row["count"] for row in family["rows"] if row["channel"] == "in_person"), 0)
    family_channels = Chart("family-service-channel", _("Contacts of the family service by channel"),
                            bars(family["rows"], "channel"), family["total"], _("Channel"), _("Contacts"))

    referrals_total = referral_stats(tx, scope, [])["total"]
    aggressor_rows = [row for row in referral_stats(tx, scope, ["target", "subject_role", "source"])["rows"]
                      if row["target"] == "family_service" and row["subject_role"] == "aggressor"]
    aggressors_total = sum(row["count"] for row in aggressor_rows)
    by_source = Chart("referrals-by-source", _("Referrals by source"),
                      bars(referral_stats(tx, scope, ["source"])["rows"], "source"), referrals_total,
                      _("Who referred"), _("Referrals"))
    aggressors = Chart("aggressors-family-service-by-source",
                       _("Aggressors referred to the family service, by source"),
                       bars(aggressor_rows, "source"), aggressors_total, _("Who referred"), _("Aggressors"))
    target_status = cross_table(
        "referrals-target-status", _("Referrals by target and current status"), _("Referred to"),
        referral_stats(tx, scope, ["target", "status"])["rows"], "target", "status",
        row_keys=[c for c, _label in options_of("referral_targets")], column_keys=list(REFERRAL_STATUSES))
    _assessed, risk = assessment_charts(tx, scope, ("victim_risk", "aggressor_status", "odara"))
    return MonthlyReport(
        scope=scope, contacts_total=contacts_total, service_channel=service_channel,
        simple={
            "caller_role": simple("caller_role", "contacts-caller-role", _("Contacts by caller role"),
                                  _("Who contacted us")),
            "category": simple("category", "contacts-category", _("Contacts by category"), _("Category")),
            "region": simple("region", "contacts-region", _("Contacts by region"), _("Region")),
            "referrals_by_source": by_source,
            "aggressors_by_source": aggressors,
        },
        victims=victims_by_gender_and_age(tx, scope), family_total=family["total"],
        family_in_person=family_in_person, family_channels=family_channels, referrals_total=referrals_total,
        aggressors_total=aggressors_total, target_status=target_status, risk=risk,
        programme=programme_figures(tx, scope),
        cases=case_outcomes(tx, [(scope.date_from, scope.date_to),
                                 (scope.date_from.replace(month=1, day=1), scope.date_to)]),
    )
