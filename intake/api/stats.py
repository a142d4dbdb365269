"""Statistics for funders and ministries, from pre-aggregated projections."""
from marshmallow import Schema, ValidationError, fields, validate
from webargs.fields import DelimitedList

from domain import instruments
from intake.api.blueprint import ApiBlueprint
from intake.api.fields import Code
from intake.api.reads import DateRangeQuery, await_projection
from intake.auth import requires
from intake.queries import statistics
from intake.queries.statistics import (
    ASSESSMENT_DIMENSIONS,
    CONTACT_DIMENSIONS as DIMENSIONS,
    PROGRAMME_DIMENSIONS,
    REFERRAL_DIMENSIONS,
)
from intake.running import senim

blp = ApiBlueprint("stats", __name__, url_prefix="/api/v1/stats", description="Counts by dimension.")


def group_by_field(dimensions, at_most: int | None = None) -> DelimitedList:
    """?group_by=a,b: known dimensions, each named once, at most `at_most` of them."""
    def check(value):
        if at_most and len(value) > at_most:
            raise ValidationError(f"Group by at most {at_most} dimensions at once.")
        if len(set(value)) != len(value):
            raise ValidationError("A dimension is named twice.")

    limit = f"Up to {at_most} of" if at_most else "Any of"
    return DelimitedList(fields.String(validate=validate.OneOf(dimensions)), load_default=[], validate=check,
                         metadata={"description": f"{limit}: {', '.join(dimensions)}."})


def counted(projection: str, count, query: dict, *filters: str) -> dict:
    """A count over the query's date range by its group_by (and filters, named as in the query), once the
    projection has caught up with ?min_position=N."""
    await_projection(projection, query["min_position"])
    with statistics.reading(senim()) as tx:
        return count(tx, date_from=query["date_from"], date_to=query["date_to"], group_by=query["group_by"],
                     **{name: query[name] for name in filters})


class ContactStatsQuery(DateRangeQuery):
    group_by = group_by_field(DIMENSIONS, at_most=3)
    consented_only = fields.Boolean(load_default=False,
                                    metadata={"description": "Count only contacts who consented to reporting."})
    service = Code("services", load_default=None)


class StatsOut(Schema):
    total = fields.Integer()
    rows = fields.List(fields.Dict(), metadata={"description": "One object per group: the dimensions and count."})


@blp.route("/contacts", methods=["GET"])
@requires("supervisor")
@blp.arguments(ContactStatsQuery(), location="query")
@blp.response(200, StatsOut)
def contact_stats(query):
    """Contacts counted by up to three dimensions over a date range (the contact's local start date)."""
    return counted("contact_stats", statistics.contacts, query, "consented_only", "service")


class ReferralStatsQuery(DateRangeQuery):
    group_by = group_by_field(REFERRAL_DIMENSIONS, at_most=3)


@blp.route("/referrals", methods=["GET"])
@requires("supervisor")
@blp.arguments(ReferralStatsQuery(), location="query")
@blp.response(200, StatsOut)
def referral_stats(query):
    """Referrals counted by up to three dimensions over a date range (the referral's local made date),
    each under its current status."""
    return counted("referral_stats", statistics.referrals, query)


class ProgrammeStatsQuery(DateRangeQuery):
    group_by = group_by_field(PROGRAMME_DIMENSIONS)


class ProgrammeStatsOut(StatsOut):
    sessions_attended = fields.Integer()
    sessions_missed = fields.Integer()


@blp.route("/programme", methods=["GET"])
@requires("supervisor")
@blp.arguments(ProgrammeStatsQuery(), location="query")
@blp.response(200, ProgrammeStatsOut)
def programme_stats(query):
    """Correctional programme participations counted by status and month of enrolment (local day) over a
    date range, each under its current status; with the sessions attended and missed, in total and per row."""
    return counted("programme_stats", statistics.participations, query)


class AssessmentStatsQuery(DateRangeQuery):
    group_by = group_by_field(ASSESSMENT_DIMENSIONS, at_most=3)
    instrument = fields.String(load_default=None, validate=validate.OneOf([i["code"] for i in instruments.all_instruments()]),
                               metadata={"description": "Only this instrument (see GET /api/v1/instruments)."})


@blp.route("/assessments", methods=["GET"])
@requires("supervisor")
@blp.arguments(AssessmentStatsQuery(), location="query")
@blp.response(200, StatsOut)
def assessment_stats(query):
    """Assessments counted by instrument, level, month, day or subject role over a date range (the local day
    they were made), each under its current level (after any override): the risk levels of a report."""
    return counted("assessment_stats", statistics.assessments, query, "instrument")
