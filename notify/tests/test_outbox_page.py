"""The outbox page: supervisors and administrators only, phones masked, filters and counts."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

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
    assert "Заявка № 42 выполнена." in html
    assert "SMTP: connection refused" in html
    assert '<div class="table-scroll">' in html


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
