"""What a night on the line found raw or unfinished on the pages (issue 15, item 15), one test each;
the scan of every rendered page is tests/integration/test_rendered_pages_are_translated.py."""
from datetime import datetime, timedelta, timezone
from uuid import UUID

import pytest

from intake.services.staff import SignInRefused
from tests.helpers.web import csrf_token, pages_in, sign_in

russian = pages_in("ru")
NOW = datetime.now(timezone.utc)


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def a_call(**extra) -> dict:
    return {"service": "helpline", "channel": "phone", "contact_type": "counselling",
            "started_at": NOW - timedelta(minutes=20), "ended_at": NOW - timedelta(minutes=5),
            "caller": {"role": "victim"}, "consent": {"services": True}, **extra}


def test_a_contacts_history_says_in_words_that_a_case_was_opened_from_it(client, senim, consultant):
    contact = senim.contacts.record(a_call(), actor=consultant[0]).id
    case = senim.cases.open({"contact_id": str(contact)}, actor=consultant[0]).id
    sign_in(client, consultant[0].username)
    body = text(client.get(f"/contacts/{contact}"))
    assert f"Из этого обращения открыто дело {str(case)[:8]}." in body
    assert "Opened case" not in body and str(case) not in body


def test_the_saved_page_of_a_silent_call_shows_no_empty_cards(client, senim, consultant):
    contact = senim.contacts.record(a_call(contact_type="silent", caller={"role": "unknown"}), actor=consultant[0]).id
    sign_in(client, consultant[0].username)
    body = text(client.get(f"/contacts/{contact}/saved"))
    assert "saved-results" not in body
    assert "No checklist" not in body and "Чек-лист не заполнялся" not in body


def test_each_escalated_referral_links_to_its_page(client, senim, consultant, supervisor):
    referral = senim.referrals.make(
        {"source": "police", "target": "family_service", "urgency": "emergency", "subject_role": "victim",
         "reason": "Угроза жизни.", "consent": {"services": True}, "now": NOW - timedelta(hours=1)},
        actor=consultant[0]).id
    senim.projections.catch_up("referral_queue")
    assert referral and senim.escalation.escalate_overdue(datetime.now(timezone.utc))
    senim.projections.catch_up("referral_queue")
    sign_in(client, supervisor[0].username)
    body = text(client.get("/supervision/escalations"))
    assert f'href="/referrals/{referral}"' in body


def test_a_supervisor_unlocks_a_locked_out_consultant_as_the_sign_in_page_promises(app, senim, consultant, supervisor):
    for _ in range(6):
        with pytest.raises(SignInRefused):
            senim.staff.sign_in(consultant[0].username, "wrong password", remote_addr="10.0.0.7")
    user = senim.staff.get(UUID(consultant[0].user_id))
    assert user.locked_until(datetime.now(timezone.utc)) is not None
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ru"
    sign_in(client, supervisor[0].username)
    page = f"/admin/users/{consultant[0].user_id}"
    assert f"{page}/unlock" in text(client.get(page))
    assert client.post(f"{page}/unlock", data={"csrf_token": csrf_token(client, page)}).status_code == 302
    assert senim.staff.get(UUID(consultant[0].user_id)).locked_until(datetime.now(timezone.utc)) is None


def test_a_supervisors_menu_keeps_the_everyday_pages_and_puts_the_rest_under_more(client, supervisor):
    sign_in(client, supervisor[0].username)
    header = text(client.get("/supervision")).split("</header>")[0]
    everyday, _, more = header.partition('<li class="more">')
    for path in ("/supervision", "/cases", "/journals", "/audit/access", "/queue"):
        assert f'href="{path}"' in everyday
    for path in ("/contacts/new", "/reports/monthly", "/admin/users", "/admin/approvals", "/programme"):
        assert f'href="{path}"' in more and f'href="{path}"' not in everyday
