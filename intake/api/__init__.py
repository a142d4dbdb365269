"""The JSON API under /api/v1, documented as OpenAPI 3 from its marshmallow schemas."""
from flask import Flask
from flask_smorest import Api

from intake import problems
from intake.api.schemas import ProblemSchema

API_PREFIX = "/api/v1"


class SenimApi(Api):
    """flask-smorest, with errors answered as problem+json by intake.problems.

    The OpenAPI document depends on the code alone (the blueprints and their schemas), so it is built
    once per process: an app built later (the tests build one per test) serves the same document and
    only registers its routes.
    """

    ERROR_SCHEMA = ProblemSchema
    _built_spec = None  # the document of the first app of this process, once complete

    @property
    def spec_is_shared(self) -> bool:
        return self.spec is SenimApi._built_spec

    def use_built_spec(self) -> bool:
        """Takes the process's finished document, if there is one; False when this app must build it."""
        if SenimApi._built_spec is None:
            return False
        self.spec = SenimApi._built_spec
        return True

    def keep_spec(self) -> None:
        SenimApi._built_spec = self.spec

    def register_blueprint(self, blp, *, parameters=None, **options):
        if not self.spec_is_shared:
            return super().register_blueprint(blp, parameters=parameters, **options)
        # The document already describes this blueprint: register its routes only.
        self._app.extensions["flask-smorest"]["blp_name_to_api"][options.get("name", blp.name)] = self
        self._app.register_blueprint(blp, **options)

    def handle_http_exception(self, error):
        return problems.handle_http_exception(error)


def init_api(app: Flask) -> SenimApi:
    app.config.update(
        API_TITLE="Senim",
        API_VERSION="1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=API_PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
    )
    api = SenimApi(app, spec_kwargs={"info": {"description": (
        "Intake API of a 24/7 trust line and a domestic-violence crisis centre. "
        "Errors are application/problem+json (RFC 9457); a refusal by a rule also carries a stable `code` "
        "(and, for refused input, `codes` by field beside `errors`). Every write answers with "
        "X-Senim-Position; reads accept ?min_position=N to see their own writes.")}})
    building = not api.use_built_spec()
    if building:
        api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})

    from intake.api import (
        appointments,
        assessments,
        audit,
        callers,
        calls,
        case_plan,
        case_work,
        caseload,
        cases,
        conferences,
        contacts,
        escalations,
        groups,
        journals,
        persons,
        programme,
        projections,
        questionnaires,
        reference,
        referrals,
        stats,
        users,
    )
    from intake.api.reads import not_ready_problem
    from intake.queries.freshness import ProjectionNotReady
    for module in (reference, contacts, referrals, assessments, journals, stats, projections, users, escalations,
                   appointments, programme, audit, cases, case_work):
        api.register_blueprint(module.blp)
    for module in (persons, callers, calls, questionnaires):
        api.register_blueprint(module.blp)
    for module in (conferences, groups):
        api.register_blueprint(module.blp)
    api.register_blueprint(caseload.blp)  # issue 12: caseloads and case statistics
    api.register_blueprint(case_plan.blp)  # the development plan of a case, its reviews, needs (issue 12)
    app.register_error_handler(ProjectionNotReady, not_ready_problem)
    if building:
        api.keep_spec()
    return api
