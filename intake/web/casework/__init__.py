"""Casework pages: a worker's caseload and the case page that keeps a family's work over months
(the agreement, needs assessments, the development plan and its reviews, safety plans and safe
contact, conferences, closure and follow-up).

The case page is made of sections. Each part of casework keeps its section in a module of its own
that registers it with `@section(...)` (a loader that returns what its template needs) and adds its
own routes to this blueprint; intake/web/__init__.py imports those modules so that they register.
They import this package, never the other way round. Pages call the application services as the
signed-in member of staff, so the API's permission rules apply unchanged.
"""
from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l

from domain.actor import CASEWORK_ROLES, Actor
from domain.case import Case
from intake.running import senim
from intake.services.cases import persons_for
from intake.web.event_text import person_label, short_id
from intake.web.session import current_actor, page

bp = Blueprint("web_casework", __name__, url_prefix="/casework")


@dataclass(frozen=True)
class Section:
    """A part of the case page: its template, where it stands, and what it needs to render."""
    name: str
    template: str
    order: int
    load: Callable[[Case, Actor], dict]


SECTIONS: dict[str, Section] = {}
STATUS_NAMES = {"open": _l("In progress"), "closed": _l("Closed"), "reopened": _l("Reopened")}


def section(name: str, template: str, order: int):
    """Registers a loader `(case, actor) -> dict` as a section of the case page."""
    def register(load: Callable[[Case, Actor], dict]):
        SECTIONS[name] = Section(name, template, order, load)
        return load
    return register


@bp.context_processor
def words():
    """What every casework template may use to say ids, persons and states in the page's language."""
    return {"person_label": person_label, "short_id": short_id,
            "status_name": lambda status: str(STATUS_NAMES.get(status, status))}


def case_sections(case: Case, actor: Actor) -> list[tuple[Section, dict]]:
    return [(part, part.load(case, actor)) for part in sorted(SECTIONS.values(), key=lambda part: part.order)]


@bp.route("/cases/<uuid:case_id>")
@page(*CASEWORK_ROLES)
def case_page(case_id: UUID):
    """The case as its workers see it: persons as the role may see them, then every section."""
    actor = current_actor()
    case = senim().cases.get(case_id, actor=actor)
    return render_template("web/casework/case.html", case=case, persons=persons_for(actor, case),
                           sections=case_sections(case, actor))
