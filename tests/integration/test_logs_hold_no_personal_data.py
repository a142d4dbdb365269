"""Logs are read by more people than case files: no summary, caller detail, token or password in them."""
import logging
import re
import traceback
from datetime import datetime, timedelta, timezone
from uuid import UUID

import pytest
import requests

from domain.actor import Actor
from tests.helpers.server import ServeProcess
from tests.helpers.workers import wait_until

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


def request_log_lines(records) -> list[str]:
    return [record.getMessage() for record in records if record.name == "senim.requests"]


def test_each_request_is_one_line_of_method_path_query_names_status_and_milliseconds(client, senim, every_log_record):
    admin = senim.staff.add_user(username="dana", role="admin", password="Admin-pass-2024", actor=Actor.system("tests"))
    token, _ = senim.staff.issue_token(admin.id, actor=Actor.system("tests"))
    client.get("/api/v1/users?role=consultant&search=Saule-K9", headers={"Authorization": f"Bearer {token}"})
    client.get("/api/v1/contacts/Saule-K9", headers={"Authorization": f"Bearer {token}"})
    client.get("/healthz?Aruzhan=1")

    lines = request_log_lines(every_log_record.records)
    assert len(lines) == 3
    assert re.fullmatch(r"GET /api/v1/users\?role=&search= \d+ \d+ ms", lines[0]), lines[0]
    assert re.fullmatch(r"GET /api/v1/contacts/… 40\d \d+ ms", lines[1]), lines[1]
    assert re.fullmatch(r"GET /healthz\?…= 200 \d+ ms", lines[2]), lines[2]
    assert not any(secret in line for line in lines for secret in NOT_TO_BE_LOGGED)


def test_senim_serve_prints_the_request_log_on_its_output(tmp_path):
    server = ServeProcess(tmp_path, f"sqlite:///{tmp_path / 'senim.sqlite3'}", secret_key="k" * 32)
    try:
        assert requests.get(server.url + "/healthz?name=Saule-K9", timeout=5).status_code == 200
        wait_until(lambda: "GET /healthz?name= 200" in server.log_tail(), timeout=10,
                   what="the request line in senim serve's output", pause=0.1, explain=server.log_tail)
        assert "Saule-K9" not in server.log_path.read_text()
        line = next(line for line in server.log_tail().splitlines() if "GET /healthz" in line)
        assert line.endswith(" ms")
    finally:
        server.stop()
