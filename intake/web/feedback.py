"""Feedback from people without an account: the staff page that hands out a link and its QR code, and
the public page where the person answers on their phone, in their language, without signing in.

The public page (blueprint web_feedback_public, /feedback/<token>):
- needs no session and sets no cookie: no CSRF token either (the token in the address is the only key:
  a forged submission needs the token, and whoever has it can answer anyway), no script, no storage;
  every answer is `Cache-Control: no-store` (intake/web/__init__.py) and the form asks the browser not
  to autocomplete;
- works without JavaScript: plain radio buttons, check boxes and a text area; errors come back in an
  error summary with the answers kept;
- is in the link's language, or the one chosen with ?lang= (links on the page), or the browser's;
- is rate-limited per client address (intake/adapters/rate_limit.py): 429 with Retry-After;
- a used or expired link is a 409 page that says which; an unknown token a 404 page.
"""
from uuid import UUID

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import force_locale, gettext as _, lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, validators

from domain import questionnaires
from domain.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from domain.questionnaire import LINK_HOURS_DEFAULT, LINK_HOURS_MAX
from intake.queries.questionnaires import qr_code
from intake.running import senim
from intake.web.forms import Form
from intake.web.i18n import LANGUAGES, language
from intake.web.own_writes import remember
from intake.web.refusals import say, say_all
from intake.web.session import current_actor, page

bp = Blueprint("web_feedback", __name__)
public = Blueprint("web_feedback_public", __name__)
LINK_ROLES = ("consultant", "psychologist", "supervisor")
STATE_NAMES = {"open": _l("Open for answers"), "used": _l("Already answered"), "expired": _l("Expired")}
TEXT_ROWS = 4


# The staff page: a link and its QR code -----------------------------------------------------------

def feedback_choices() -> list[tuple[str, str]]:
    lang = language()
    return [(q["code"], q["title"][lang]) for q in questionnaires.all_questionnaires()
            if q["kind"] in questionnaires.FEEDBACK_KINDS]


class LinkForm(Form):
    questionnaire = SelectField(_l("Questionnaire"), choices=[], validate_choice=False)
    language = SelectField(_l("Language of the page"), choices=[], validate_choice=False)
    single_use = BooleanField(_l("One answer only (the link closes after it)"), default=True)
    hours = IntegerField(_l("Open for (hours)"), default=LINK_HOURS_DEFAULT,
                         validators=[validators.InputRequired(message=_l("Fill in this field.")),
                                     validators.NumberRange(min=1, max=LINK_HOURS_MAX,
                                                            message=_l("Give whole hours from 1 to %(max)s.",
                                                                       max=LINK_HOURS_MAX))])


def _link_form(formdata=None) -> LinkForm:
    form = LinkForm(formdata=formdata) if formdata is not None else LinkForm(formdata=None)
    form.questionnaire.choices = feedback_choices()
    form.language.choices = list(LANGUAGES.items())
    if formdata is None:
        form.language.data = language()
    return form


@bp.route("/feedback-links/new", methods=["GET", "POST"])
@page(*LINK_ROLES)
def new_link():
    """Hand out a feedback link: choose the questionnaire, its first language, one answer or many, how long."""
    form = _link_form(request.form if request.method == "POST" else None)
    problem = None
    if request.method == "POST" and form.validate():
        try:
            written = senim().questionnaires.create_link({
                "questionnaire": form.questionnaire.data, "language": form.language.data,
                "single_use": bool(form.single_use.data), "expires_in_hours": form.hours.data}, actor=current_actor())
        except Invalid as refused:
            for field, messages in say_all(refused).items():
                target = {"expires_in_hours": "hours"}.get(field, field)
                if target in form:
                    form[target].errors = list(messages)
                else:
                    problem = messages[0]
        except DomainError as refused:
            problem = say(refused)
        else:
            remember(written.position)
            return redirect(url_for("web_feedback.link", link_id=written.id))
    status = 422 if form.errors or problem else 200
    return render_template("web/feedback/new_link.html", form=form, problem=problem), status


def _own_link(link_id: UUID):
    try:
        return senim().questionnaires.get_link(link_id, actor=current_actor())
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)


@bp.route("/feedback-links/<uuid:link_id>")
@page(*LINK_ROLES)
def link(link_id: UUID):
    """The link to hand out: its address, its QR code to show or print, its state."""
    found = _own_link(link_id)
    address = url_for("web_feedback_public.public_form", token=found.token, _external=True)
    title = questionnaires.get(found.questionnaire)["title"][language()]
    return render_template("web/feedback/link.html", link=found, address=address, title=title,
                           state=found.state(), state_name=str(STATE_NAMES[found.state()]))


@bp.route("/feedback-links/<uuid:link_id>/qr.<any(png, svg):kind>")
@page(*LINK_ROLES)
def link_qr(link_id: UUID, kind: str):
    found = _own_link(link_id)
    body, content_type = qr_code(url_for("web_feedback_public.public_form", token=found.token, _external=True), kind)
    headers = {"Content-Disposition": f'attachment; filename="feedback-qr.{kind}"'} if request.args.get("download") else {}
    return Response(body, content_type=content_type, headers=headers)


# The public page ---------------------------------------------------------------------------------

def _page_language(link_language: str | None) -> str:
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        return chosen
    if link_language in LANGUAGES:
        return link_language
    return request.accept_languages.best_match(LANGUAGES) or "ru"


def _limited() -> Response | None:
    wait = senim().feedback_limiter.hit(request.remote_addr or "-")
    if wait is None:
        return None
    lang = _page_language(None)
    with force_locale(lang):
        body = render_template("web/feedback/message.html", lang=lang, token=None, status=429,
                               title=_("Too many requests"),
                               text=_("Too many requests came from this address. Please wait a few minutes and try again."))
    return Response(body, status=429, headers={"Retry-After": str(wait)})


def _answers_from(spec: dict, form) -> dict:
    """The answers as the domain takes them: numbers for scales and numbers, lists for multiple choice;
    an unanswered item is left out, a number that is not one kept as typed (refused by the domain)."""
    answers: dict = {}
    for item in spec["items"]:
        key = item["id"]
        if item["type"] == "multiple":
            chosen = form.getlist(key)
            if chosen:
                answers[key] = chosen[:len(item["options"]) + 1]
            continue
        value = form.get(key, "").strip() if item["type"] != "text" else form.get(key, "")
        if value == "" or (item["type"] == "text" and not value.strip()):
            continue
        if item["type"] in ("scale", "number"):
            try:
                number = float(value.replace(",", "."))
                answers[key] = int(number) if number.is_integer() and (item["type"] == "scale" or item.get("integer"))\
                    else number
            except ValueError:
                answers[key] = value
        else:
            answers[key] = value
    return answers


def _render_public(token: str, spec: dict, lang: str, *, answers: dict | None = None,
                   errors: dict | None = None, status: int = 200):
    return render_template("web/feedback/public_form.html", token=token, spec=spec, lang=lang,
                           answers=answers or {}, errors=errors or {}, languages=LANGUAGES), status


def _state_page(token: str, lang: str, refused: DomainError, status: int):
    titles = {404: _("This link does not exist"), 409: _("This link is closed")}
    return render_template("web/feedback/message.html", lang=lang, token=token if status == 409 else None,
                           status=status, title=titles[status], text=say(refused)), status


@public.route("/feedback/<string:token>", methods=["GET", "POST"])
def public_form(token: str):
    """The questionnaire of a feedback link, answered without an account."""
    limited = _limited()
    if limited is not None:
        return limited
    service = senim().questionnaires
    try:
        found = service.open_link(token)
    except NotFound as refused:
        lang = _page_language(None)
        with force_locale(lang):
            return _state_page(token, lang, refused, 404)
    lang = _page_language(found.language)
    with force_locale(lang):
        spec = questionnaires.get(found.questionnaire, found.questionnaire_version)
        try:
            found.require_open()
        except Conflict as refused:
            return _state_page(token, lang, refused, 409)
        if request.method == "GET":
            return _render_public(token, spec, lang)
        answers = _answers_from(spec, request.form)
        try:
            service.answer_link(token, answers, language=lang)
        except Invalid as refused:
            errors = {field.removeprefix("answers."): messages for field, messages in say_all(refused).items()}
            return _render_public(token, spec, lang, answers=answers, errors=errors, status=422)
        except Conflict as refused:
            return _state_page(token, lang, refused, 409)
        return render_template("web/feedback/message.html", lang=lang, token=None, status=200,
                               title=_("Thank you!"),
                               text=_("Your answers were received. Nothing about you is kept on this device; you "
                                      "may close the page.")), 200
