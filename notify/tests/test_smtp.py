"""The SMTP e-mail channel against a real SMTP server (aiosmtpd) on 127.0.0.1."""

import pytest

from notify import services as notify
from notify.models import Status
from notify.tests.conftest import free_port

pytestmark = pytest.mark.django_db


def test_email_reaches_the_smtp_server_with_the_right_recipient_and_cyrillic_text(
    smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = notify.send(
            channel="email",
            recipient="ivanova@example.ru",
            subject="Ваша заявка № 42",
            body="Здравствуйте, Мария Петровна! Продукты привезут завтра до 12:00.",
        )
    message.refresh_from_db()
    assert message.status == Status.SENT
    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == ["ivanova@example.ru"]
    assert envelope.mail_from == "opora@mos.example"
    [received] = smtp_server.messages()
    assert received["Subject"] == "Ваша заявка № 42"
    assert received["X-Opora-Outbox-Id"] == str(message.pk)
    assert received.get_content().strip() == "Здравствуйте, Мария Петровна! Продукты привезут завтра до 12:00."
    assert message.provider_message_id == received["Message-ID"]


def test_email_without_a_subject_gets_a_russian_one(smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify.send(channel="email", recipient="ivanova@example.ru", body="Текст")
    [received] = smtp_server.messages()
    assert received["Subject"]


def test_smtp_server_down_schedules_a_retry(settings, django_capture_on_commit_callbacks):
    settings.OPORA_EMAIL_CHANNEL = "smtp"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    settings.EMAIL_TIMEOUT = 2
    with django_capture_on_commit_callbacks(execute=True):
        message = notify.send(channel="email", recipient="ivanova@example.ru", body="Текст")
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.PENDING, 1)
    assert "SMTP" in message.last_error
