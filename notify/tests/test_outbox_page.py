"""The outbox page: supervisors and administrators only, phones masked, filters and counts; the texts
for supervisors only."""

import json
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from notify.models import OutboxMessage, Status

pytestmark = pytest.mark.django_db

URL = "/notify/outbox/"


@pytest.fixture
def messages_in_outbox():
    sent = OutboxMessage.objects.create(
        channel="sms", recipient="+79161234567", body="Заявка № 42 выполнена.", status=Status.SENT, attempts=1
    )
    failed = OutboxMessage.objects.create(
        channel="email",
        recipient="ivanova@example.ru",
        body="Письмо не дошло.",
        status=Status.FAILED,
        attempts=8,
        last_error="SMTP: connection refused",
    )
    waiting = OutboxMessage.objects.create(channel="sms", recipient="+79035550011", body="Ждёт отправки.")
    return {"sent": sent, "failed": failed, "waiting": waiting}


def test_outbox_url_name():
    assert reverse("notify:outbox") == URL


@pytest.mark.parametrize("role", ["supervisor", "administrator"])
def test_supervisor_and_administrator_see_the_outbox_with_phones_masked(client, make_user, messages_in_outbox, role):
    client.force_login(make_user(role))
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "+7 *** ***-45-67" in html
    assert "+79161234567" not in html and "9161234567" not in html
    assert "i***@example.ru" in html and "ivanova@" not in html
    assert "SMTP: connection refused" in html
    assert '<div class="table-scroll">' in html


def test_supervisor_reads_the_texts(client, make_user, messages_in_outbox):
    client.force_login(make_user("supervisor"))
    html = client.get(URL).content.decode()
    assert "Заявка № 42 выполнена." in html and "Ждёт отправки." in html
    assert 'data-testid="texts-hidden"' not in html


def test_administrator_sees_the_delivery_but_not_the_texts(client, make_user, messages_in_outbox):
    OutboxMessage.objects.create(channel="email", recipient="petrova@example.ru", subject="Ваша заявка", body="Текст")
    client.force_login(make_user("administrator"))
    response = client.get(URL, headers={"Accept-Language": "en"})
    html = response.content.decode()
    for text in ("Заявка № 42 выполнена.", "Письмо не дошло.", "Ждёт отправки.", "Ваша заявка"):
        assert text not in html
    assert 'data-testid="texts-hidden"' in html
    assert ">Text<" not in html
    assert "not delivered" in html and "SMTP: connection refused" in html and "p***@example.ru" in html


def test_the_administrators_page_does_not_even_read_the_texts(client, make_user, messages_in_outbox):
    client.force_login(make_user("administrator"))
    page = list(client.get(URL).context["page"])
    assert all({"subject", "body"} <= m.get_deferred_fields() for m in page)
    client.force_login(make_user("supervisor"))
    page = list(client.get(URL).context["page"])
    assert not any(m.get_deferred_fields() for m in page)


@pytest.mark.parametrize("role", ["supervisor", "administrator"])
def test_a_provider_quoting_the_address_does_not_show_it(client, make_user, role):
    OutboxMessage.objects.create(
        channel="email",
        recipient="ivanova@example.ru",
        body="Письмо.",
        status=Status.FAILED,
        last_error="SMTP: SMTPRecipientsRefused: {'ivanova@example.ru': (550, b'5.1.1 mailbox unavailable')}",
    )
    OutboxMessage.objects.create(
        channel="sms", recipient="+79161234567", body="СМС.", last_error="HTTP 400: bad number 79161234567"
    )
    client.force_login(make_user(role))
    html = client.get(URL).content.decode()
    assert "ivanova@" not in html and "9161234567" not in html
    assert "i***@example.ru" in html and "+7 *** ***-45-67" in html and "mailbox unavailable" in html


def test_a_provider_quoting_the_text_shows_it_to_the_supervisor_only(client, make_user):
    OutboxMessage.objects.create(
        channel="sms",
        recipient="+79035550011",
        body="Соцработник Марина придёт\nзавтра с 10 до 12.",
        status=Status.FAILED,
        last_error='HTTP 400: {"error": "forbidden words in: Соцработник Марина придёт завтра с 10 до 12."}',
    )
    client.force_login(make_user("administrator"))
    html = client.get(URL, headers={"Accept-Language": "en"}).content.decode()
    assert "Марина" not in html
    assert "forbidden words in: [message text]" in html
    client.force_login(make_user("supervisor"))
    assert client.get(URL).content.decode().count("Соцработник Марина придёт") == 2  # the text and the error


def test_the_outbox_is_not_in_django_admin(client, make_user):
    """Django admin would show the texts to the administrator; nothing registers the outbox there."""
    from django.contrib import admin

    assert OutboxMessage not in admin.site._registry
    client.force_login(make_user("administrator", is_staff=True))
    assert client.get("/admin/notify/outboxmessage/").status_code == 404


@pytest.mark.parametrize(
    "role", ["operator", "volunteer", "dispatcher", "social_worker", "coordinator", "psychologist", "navigator"]
)
def test_other_roles_are_refused_the_outbox(client, make_user, role):
    client.force_login(make_user(role))
    assert client.get(URL).status_code == 403


def test_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response.url


def test_outbox_is_newest_first_and_counts_every_status(client, make_user, messages_in_outbox):
    client.force_login(make_user("supervisor"))
    response = client.get(URL)
    page = list(response.context["page"])
    assert [m.pk for m in page] == [
        messages_in_outbox["waiting"].pk,
        messages_in_outbox["failed"].pk,
        messages_in_outbox["sent"].pk,
    ]
    counts = {value: count for value, _label, count in response.context["counts"]}
    assert counts == {"pending": 1, "sending": 0, "sent": 1, "failed": 1}


def test_outbox_filters_by_status_and_channel(client, make_user, messages_in_outbox):
    client.force_login(make_user("supervisor"))
    failed = client.get(URL, {"status": "failed"}).context["page"]
    assert [m.pk for m in failed] == [messages_in_outbox["failed"].pk]
    sms = client.get(URL, {"channel": "sms"}).context["page"]
    assert {m.pk for m in sms} == {messages_in_outbox["sent"].pk, messages_in_outbox["waiting"].pk}
    ignored = client.get(URL, {"status": "bogus", "channel": "pigeon"}).context["page"]
    assert len(ignored) == 3


def test_outbox_pages_by_fifty_and_keeps_the_filters_in_the_links(client, make_user):
    OutboxMessage.objects.bulk_create(
        OutboxMessage(channel="sms", recipient="+79161234567", body=f"Сообщение {n}") for n in range(120)
    )
    client.force_login(make_user("supervisor"))
    response = client.get(URL, {"status": "pending", "page": 2})
    assert len(response.context["page"]) == 50
    assert response.context["page"].paginator.num_pages == 3
    html = response.content.decode()
    assert "?status=pending&amp;page=3" in html and "?status=pending&amp;page=1" in html


def test_outbox_template_has_no_inline_script_or_style():
    template = Path(__file__).resolve().parent.parent / "templates" / "notify" / "outbox.html"
    text = template.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text)
    assert not re.search(r"<style\b|\sstyle=\"|\son[a-z]+=\"", text)


# --- what a provider's error may show -------------------------------------------------------------------
def test_redact_error_masks_the_recipient_in_any_form():
    from notify.selectors import redact_error

    assert redact_error("refused +79161234567 (79161234567, 9161234567)", recipient="+79161234567") == (
        "refused +7 *** ***-45-67 (+7 *** ***-45-67, +7 *** ***-45-67)"
    )
    assert redact_error("550 ivan123456@example.ru", recipient="ivan123456@example.ru") == "550 i***@example.ru"
    assert redact_error("queue 123456 full", recipient="ivan123456@example.ru") == "queue 123456 full"


def test_redact_error_cuts_out_the_texts_as_sent_collapsed_or_json_escaped():
    from notify.selectors import redact_error

    text = "Заявка № 42\nвыполнена."
    for quoted in (text, "Заявка № 42 выполнена.", json.dumps(text)[1:-1], json.dumps(text, ensure_ascii=False)[1:-1]):
        with translation.override("en"):
            assert redact_error(f"error: {quoted}", recipient="+79161234567", texts=[text]) == "error: [message text]"
    assert redact_error("error: ok", recipient="+79161234567", texts=["ok"]) == "error: ok"  # too short to tell
