"""The Idempotency-Key header of creating writes: a retry gets the first answer, never a second record.

How the key and the write stay together is told in intake/adapters/idempotency.py; here the request is
checked against what the store holds and the answer is kept for the retries.
"""
import json
import logging
import re
import time
from functools import wraps

from flask import after_this_request, current_app, request

from domain.errors import Invalid, Reason
from intake.adapters.idempotency import AlreadyRecorded, Claim, Recorded, claim_for, claiming
from intake.api.blueprint import ApiBlueprint
from intake.api.writes import POSITION_HEADER
from intake.auth import current_actor
from intake.problems import handle_domain_error, refusal_problem
from intake.running import senim

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
# Visible ASCII (a UUID is the usual choice), at most 255 characters.
_KEY = re.compile(r"[\x21-\x7e]{1,255}")
# A duplicate arriving while the first request is between its commit and its answer waits this long
# for that answer; after it, the answer is rebuilt from what the commit recorded.
ANSWER_WAIT_SECONDS = 3.0

PARAMETER = {
    "in": "header", "name": HEADER, "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7e]+$"},
    "description": (
        "Makes a retry safe. The same key with the same body answers the first response again (same id, "
        "same position, same X-Senim-Position) and records nothing new; the same key with another body "
        "is 422. Keys belong to the user who sent them and are kept at least 24 hours. Use a new random "
        "key (a UUID) for every new record, and the same one for every retry of it."),
}


def idempotent(*, status: int = 201, answer_from_commit: bool = True):
    """Accepts Idempotency-Key on a creating write (put it right above the view function).

    answer_from_commit: the answer is {"id", "position"} and can be rebuilt from the commit alone,
    should the process that committed have died before it answered."""
    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            key = request.headers.get(HEADER)
            if key is None:
                return view(*args, **kwargs)
            if not _KEY.fullmatch(key):
                return handle_domain_error(Invalid(HEADER, "idempotency.key_malformed"))
            store = senim().store
            claim = claim_for(store.idempotency_secret(), user_id=str(current_actor().user_id), key=key,
                              method=request.method, path=request.path, body=request.get_data())
            recorded = store.recorder.find_claim(claim.scope)
            if recorded is not None:
                return _replay(store, claim, recorded, status, answer_from_commit)
            try:
                with claiming(claim):
                    result = view(*args, **kwargs)
            except AlreadyRecorded as first:  # a duplicate of this request committed a moment earlier
                return _replay(store, claim, first.recorded, status, answer_from_commit)
            except Exception:
                if claim.position is not None and answer_from_commit:  # saved, then failed: retries need not wait
                    _keep_answer(store, claim, status, _rebuilt(claim.position, store.recorder.find_claim(claim.scope)))
                raise
            if claim.position is not None:
                after_this_request(_remember_answer(store, claim))
            return result

        return ApiBlueprint.doc(parameters=[PARAMETER])(wrapper)
    return decorate


def _remember_answer(store, claim: Claim):
    def remember(response):
        if response.status_code < 300:
            _keep_answer(store, claim, response.status_code, response.get_data(as_text=True))
        return response
    return remember


def _keep_answer(store, claim: Claim, status: int, body: str) -> None:
    try:
        store.recorder.answer_claim(claim.scope, status, body)
    except Exception:  # the write stands; a retry rebuilds the answer from the commit
        log.warning("could not keep the answer of an idempotent write", exc_info=True)


def _rebuilt(position: int, recorded: Recorded | None) -> str:
    """The answer of a write whose body is {"id", "position"}, from what its commit recorded."""
    return json.dumps({"id": recorded.aggregate_id if recorded else None, "position": position})


def _answered_position(body: str) -> int | None:
    """The position the first answer named: a write of several commits (a call with its referral) answers
    with its newest, while the key was recorded with the first."""
    try:
        answer = json.loads(body)
    except ValueError:
        return None
    position = answer.get("position") if isinstance(answer, dict) else None
    return position if isinstance(position, int) and not isinstance(position, bool) else None


def _replay(store, claim: Claim, recorded: Recorded, status: int, answer_from_commit: bool):
    if recorded.fingerprint != claim.fingerprint:
        return refusal_problem(422, Reason("idempotency.key_reused"), kind="idempotency-key-reused")
    deadline = time.monotonic() + ANSWER_WAIT_SECONDS
    while recorded.body is None and time.monotonic() < deadline:
        time.sleep(0.05)  # the first request committed and is about to keep its answer
        recorded = store.recorder.find_claim(claim.scope) or recorded
    if recorded.body is not None:
        answer_status, body = recorded.status, recorded.body
    elif answer_from_commit:
        answer_status, body = status, _rebuilt(recorded.position, recorded)
    else:
        return refusal_problem(409, Reason("idempotency.answer_lost", position=recorded.position), kind="conflict",
                               position=recorded.position)
    response = current_app.response_class(body, status=answer_status, mimetype="application/json")
    response.headers[POSITION_HEADER] = str(_answered_position(body) or recorded.position)
    response.headers[REPLAYED_HEADER] = "true"
    return response
