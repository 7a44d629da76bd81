"""The HTTP SMS channel against a real HTTP server on 127.0.0.1."""

import datetime

import pytest
from django.utils import timezone

from notify import delivery
from notify import services as notify
from notify.models import OutboxMessage, Status
from notify.tests.conftest import free_port

pytestmark = pytest.mark.django_db


def send_now(capture, body: str = "Социальный работник придёт завтра с 10 до 12.") -> OutboxMessage:
    with capture(execute=True):
        message = notify.send(channel="sms", recipient="+79161234567", body=body)
    message.refresh_from_db()
    return message


def test_gateway_answering_200_marks_the_message_sent_with_the_gateways_id(
    sms_gateway, django_capture_on_commit_callbacks
):
    sms_gateway.answer(200, {"id": "sms-777", "status": "queued"})
    message = send_now(django_capture_on_commit_callbacks)
    assert message.status == Status.SENT
    assert message.provider_message_id == "sms-777"
    assert message.sent_at is not None
    [request] = sms_gateway.requests
    assert request["path"] == "/v1/sms"
    assert request["json"] == {
        "to": "+79161234567",
        "text": "Социальный работник придёт завтра с 10 до 12.",
        "id": message.pk,
    }
    assert request["headers"]["Authorization"] == "Bearer gateway-secret"
    assert request["headers"]["Idempotency-Key"] == f"opora-outbox-{message.pk}"


def test_server_errors_are_retried_with_growing_delays_until_the_gateway_accepts(
    sms_gateway, django_capture_on_commit_callbacks, time_machine
):
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    sms_gateway.answer(500, {"error": "maintenance"})
    sms_gateway.answer(503, {"error": "maintenance"})
    sms_gateway.answer(200, {"id": "sms-3"})

    message = send_now(django_capture_on_commit_callbacks)
    assert (message.status, message.attempts) == (Status.PENDING, 1)
    assert "HTTP 500" in message.last_error
    first_delay = message.next_attempt_at - start

    assert delivery.deliver_due() == {}, "not due yet: nothing is sent before the back-off ends"

    time_machine.move_to(message.next_attempt_at, tick=False)
    assert delivery.deliver_due() == {"retry": 1}
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.PENDING, 2)
    second_delay = message.next_attempt_at - timezone.now()
    assert second_delay > first_delay > datetime.timedelta(seconds=20)

    time_machine.move_to(message.next_attempt_at + datetime.timedelta(seconds=1), tick=False)
    assert delivery.deliver_due() == {"sent": 1}
    message.refresh_from_db()
    assert (message.status, message.attempts, message.provider_message_id) == (Status.SENT, 3, "sms-3")
    assert message.last_error == ""
    assert len(sms_gateway.requests) == 3


def test_gateway_refusing_with_400_fails_the_message_at_once(sms_gateway, django_capture_on_commit_callbacks):
    sms_gateway.answer(400, {"error": "invalid destination"})
    message = send_now(django_capture_on_commit_callbacks)
    assert (message.status, message.attempts) == (Status.FAILED, 1)
    assert "HTTP 400" in message.last_error and "invalid destination" in message.last_error
    assert delivery.deliver_due() == {}


def test_too_many_requests_is_retried_not_failed(sms_gateway, django_capture_on_commit_callbacks):
    sms_gateway.answer(429, {"error": "slow down"})
    message = send_now(django_capture_on_commit_callbacks)
    assert message.status == Status.PENDING
    assert "HTTP 429" in message.last_error


def test_connection_refused_schedules_a_retry(settings, django_capture_on_commit_callbacks):
    settings.OPORA_SMS_CHANNEL = "http"
    settings.OPORA_SMS_GATEWAY_URL = f"http://127.0.0.1:{free_port()}/sms"  # nobody listens there
    before = timezone.now()
    message = send_now(django_capture_on_commit_callbacks)
    assert (message.status, message.attempts) == (Status.PENDING, 1)
    assert "unreachable" in message.last_error
    assert message.next_attempt_at > before + datetime.timedelta(seconds=20)


def test_a_gateway_that_does_not_answer_in_time_is_retried(sms_gateway, settings, django_capture_on_commit_callbacks):
    settings.OPORA_SMS_GATEWAY_TIMEOUT = 0.3
    sms_gateway.answer(200, {"id": "too-late"}, delay=1.0)
    message = send_now(django_capture_on_commit_callbacks)
    assert message.status == Status.PENDING
    assert message.provider_message_id == ""
    assert "timed out" in message.last_error


def test_an_http_channel_without_a_gateway_address_retries_and_says_why(settings, django_capture_on_commit_callbacks):
    settings.OPORA_SMS_CHANNEL = "http"
    settings.OPORA_SMS_GATEWAY_URL = ""
    message = send_now(django_capture_on_commit_callbacks)
    assert message.status == Status.PENDING
    assert "OPORA_SMS_GATEWAY_URL" in message.last_error
