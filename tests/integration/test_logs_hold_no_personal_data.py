"""Logs are read by more people than case files: no summary, caller detail, token or password in them."""
import logging
import traceback
from datetime import datetime, timedelta, timezone
from uuid import UUID

import pytest

from domain.actor import Actor

SUMMARY = "Saule-K9 says her brother-in-law beats her; Әпкесінің күйеуі ұрады."
AMENDED_SUMMARY = "Saule-K9 also fears for her daughter Aruzhan."
REASON = "Saule-K9 called back with more"
PASSWORD = "Zhetisu-kokteu-77"
NOW = datetime.now(timezone.utc)
NOT_TO_BE_LOGGED = (SUMMARY, AMENDED_SUMMARY, "Saule-K9", "Aruzhan", REASON, PASSWORD, "jetisu")


@pytest.fixture
def every_log_record(caplog):
    """Every logger at DEBUG, and made to propagate, so caplog.records sees whatever any of them writes."""
    caplog.set_level(logging.DEBUG)
    loggers = [logger for logger in logging.root.manager.loggerDict.values() if isinstance(logger, logging.Logger)]
    for logger in loggers:
        caplog.set_level(logging.DEBUG, logger=logger.name)
    private = [logger for logger in loggers if not logger.propagate]
    for logger in private:
        logger.propagate = True
    yield caplog
    for logger in private:
        logger.propagate = False


def logged_text(record: logging.LogRecord) -> str:
    """Everything a log handler could write out for this record."""
    parts = [record.getMessage(), repr(record.args), repr(record.msg)]
    if record.exc_info and record.exc_info[1] is not None:
        parts.append("".join(traceback.format_exception(record.exc_info[1])))
    if record.exc_text:
        parts.append(record.exc_text)
    return "\n".join(parts)


def test_recording_amending_and_reading_a_contact_logs_no_personal_data(client, senim, every_log_record):
    admin = senim.staff.add_user(username="dana", role="admin", password="Admin-pass-2024", actor=Actor.system("tests"))
    admin_token, _ = senim.staff.issue_token(admin.id, actor=Actor.system("tests"))
    as_admin = {"Authorization": f"Bearer {admin_token}"}

    created_user = client.post("/api/v1/users", json={"username": "saltanat", "role": "consultant",
                                                      "password": PASSWORD}, headers=as_admin)
    assert created_user.status_code == 201
    assert client.post("/api/v1/users", json={"username": "no spaces allowed", "role": "consultant",
                                              "password": PASSWORD}, headers=as_admin).status_code == 422
    assert senim.staff.verify_password("saltanat", PASSWORD) is not None
    assert senim.staff.verify_password("saltanat", PASSWORD + "?") is None
    token, _ = senim.staff.issue_token(UUID(created_user.json["id"]), actor=Actor.system("tests"))
    headers = {"Authorization": f"Bearer {token}"}

    call = {
        "service": "helpline", "channel": "phone", "started_at": (NOW - timedelta(minutes=25)).isoformat(),
        "contact_type": "counselling",
        "caller": {"role": "victim", "gender": "female", "age": 36, "language": "kk", "region": "jetisu"},
        "categories": ["physical_assault"], "risk": ["children_at_risk"], "summary": SUMMARY,
        "consent": {"services": True, "reporting": True},
    }
    created = client.post("/api/v1/contacts", json=call, headers=headers)
    assert created.status_code == 201
    contact = f"/api/v1/contacts/{created.json['id']}"
    amended = client.post(f"{contact}/amendments", json={"changes": {"summary": AMENDED_SUMMARY}, "reason": REASON},
                          headers=headers)
    assert amended.status_code == 201
    position = amended.headers["X-Senim-Position"]

    # Refused requests carrying the same data: a bad field, broken JSON, a bad or mangled token.
    assert client.post(f"{contact}/amendments", json={"changes": {"summary": SUMMARY, "channel": "pigeon"},
                                                      "reason": REASON}, headers=headers).status_code == 422
    assert client.post("/api/v1/contacts", data='{"summary": "' + SUMMARY + '", ', headers=headers,
                       content_type="application/json").status_code == 400
    assert client.get(contact, headers={"Authorization": f"Bearer {token}x"}).status_code == 401
    assert client.get(contact, headers={"Authorization": token}).status_code == 401

    assert client.get(contact, headers=headers).json["summary"] == AMENDED_SUMMARY
    assert client.get(f"{contact}/history", headers=headers).status_code == 200
    assert client.get(f"/api/v1/journals/helpline?min_position={position}", headers=headers).status_code == 200

    records = every_log_record.records
    assert any(record.name == "senim.requests" for record in records), "the log capture saw nothing"
    secrets = (*NOT_TO_BE_LOGGED, token, token.split("_", 2)[2], admin_token)
    leaks = [(record.name, secret) for record in records for secret in secrets if secret in logged_text(record)]
    assert leaks == []
