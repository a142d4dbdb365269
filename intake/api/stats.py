"""Statistics for funders and ministries, from pre-aggregated projections."""
from flask import current_app
from intake.api.blueprint import ApiBlueprint
from marshmallow import Schema, ValidationError, fields, validate, validates
from webargs.fields import DelimitedList

from intake.api.fields import Code
from intake.api.reads import DateRangeQuery, await_projection
from intake.auth import requires
from projections.contact_stats import DIMENSIONS, count_contacts
from projections.programme_stats import DIMENSIONS as PROGRAMME_DIMENSIONS, count_participations
from projections.referral_stats import DIMENSIONS as REFERRAL_DIMENSIONS, count_referrals

blp = ApiBlueprint("stats", __name__, url_prefix="/api/v1/stats", description="Counts by dimension.")


class ContactStatsQuery(DateRangeQuery):
    group_by = DelimitedList(fields.String(validate=validate.OneOf(DIMENSIONS)), load_default=[],
                             metadata={"description": f"Up to three of: {', '.join(DIMENSIONS)}."})
    consented_only = fields.Boolean(load_default=False,
                                    metadata={"description": "Count only contacts who consented to reporting."})
    service = Code("services", load_default=None)

    @validates("group_by")
    def at_most_three(self, value, **kwargs):
        if len(value) > 3:
            raise ValidationError("Group by at most three dimensions at once.")
        if len(set(value)) != len(value):
            raise ValidationError("A dimension is named twice.")


class StatsOut(Schema):
    total = fields.Integer()
    rows = fields.List(fields.Dict(), metadata={"description": "One object per group: the dimensions and count."})


@blp.route("/contacts", methods=["GET"])
@requires("supervisor")
@blp.arguments(ContactStatsQuery(), location="query")
@blp.response(200, StatsOut)
def contact_stats(query):
    """Contacts counted by up to three dimensions over a date range (the contact's local start date)."""
    await_projection("contact_stats", query["min_position"])
    with current_app.extensions["senim"].views.transaction(write=False) as tx:
        return count_contacts(tx, date_from=query["date_from"], date_to=query["date_to"],
                              group_by=query["group_by"], consented_only=query["consented_only"],
                              service=query["service"])


class ReferralStatsQuery(DateRangeQuery):
    group_by = DelimitedList(fields.String(validate=validate.OneOf(REFERRAL_DIMENSIONS)), load_default=[],
                             metadata={"description": f"Up to three of: {', '.join(REFERRAL_DIMENSIONS)}."})

    @validates("group_by")
    def at_most_three(self, value, **kwargs):
        if len(value) > 3:
            raise ValidationError("Group by at most three dimensions at once.")
        if len(set(value)) != len(value):
            raise ValidationError("A dimension is named twice.")


@blp.route("/referrals", methods=["GET"])
@requires("supervisor")
@blp.arguments(ReferralStatsQuery(), location="query")
@blp.response(200, StatsOut)
def referral_stats(query):
    """Referrals counted by up to three dimensions over a date range (the referral's local made date),
    each under its current status."""
    await_projection("referral_stats", query["min_position"])
    with current_app.extensions["senim"].views.transaction(write=False) as tx:
        return count_referrals(tx, date_from=query["date_from"], date_to=query["date_to"],
                               group_by=query["group_by"])


class ProgrammeStatsQuery(DateRangeQuery):
    group_by = DelimitedList(fields.String(validate=validate.OneOf(PROGRAMME_DIMENSIONS)), load_default=[],
                             metadata={"description": f"Any of: {', '.join(PROGRAMME_DIMENSIONS)}."})

    @validates("group_by")
    def once_each(self, value, **kwargs):
        if len(set(value)) != len(value):
            raise ValidationError("A dimension is named twice.")


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
    await_projection("programme_stats", query["min_position"])
    with current_app.extensions["senim"].views.transaction(write=False) as tx:
        return count_participations(tx, date_from=query["date_from"], date_to=query["date_to"],
                                    group_by=query["group_by"])
