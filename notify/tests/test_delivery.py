"""Delivery mechanics: giving up, claiming, crashed workers, the sweep and its command."""

import ast
import datetime
import threading
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from notify import channels, delivery
from notify.models import OutboxMessage, Status


def due_message(**fields) -> OutboxMessage:
    return OutboxMessage.objects.create(channel="sms", recipient="+79161234567", body="Текст", **fields)


@pytest.mark.django_db
def test_message_fails_after_the_last_allowed_attempt(settings, counting_channel, time_machine):
    settings.OPORA_NOTIFY_MAX_ATTEMPTS = 3
    counting_channel.fail_with = channels.DeliveryError("gateway down")
    message = due_message()
    time_machine.move_to(timezone.now(), tick=False)
    outcomes = []
    for _ in range(5):
        outcomes.append(delivery.deliver(message.pk))
        message.refresh_from_db()
        time_machine.move_to(message.next_attempt_at)
    assert outcomes == ["retry", "retry", "failed", "skipped", "skipped"]
    assert (message.status, message.attempts, message.last_error) == (Status.FAILED, 3, "gateway down")
    assert len(counting_channel.calls) == 3


@pytest.mark.django_db
def test_an_unexpected_error_in_a_channel_is_retried_not_left_sending(counting_channel):
    counting_channel.fail_with = KeyError("bug")
    message = due_message()
    assert delivery.deliver(message.pk) == "retry"
    message.refresh_from_db()
    assert message.status == Status.PENDING
    assert "bug" in message.last_error


@pytest.mark.django_db
def test_a_retry_tells_the_caller_when_the_message_is_due_again(counting_channel):
    counting_channel.fail_with = channels.DeliveryError("gateway down")
    message = due_message()
    booked: list[datetime.datetime] = []
    assert delivery.deliver(message.pk, on_retry=booked.append) == "retry"
    message.refresh_from_db()
    assert booked == [message.next_attempt_at]


def test_imports_run_one_way_from_sending_through_tasks_to_delivery():
    def imported(module: str) -> set[str]:
        """Every notify module ``notify/<module>.py`` imports, at any depth (function-level too)."""
        tree = ast.parse((Path(settings.BASE_DIR) / "notify" / f"{module}.py").read_text())
        found = {
            f"{node.module}.{alias.name}"
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            for alias in node.names
        }
        found |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
        return found

    assert "notify.tasks" in imported("services")
    assert "notify.delivery" in imported("tasks") and "notify.services" not in imported("tasks")
    assert not {"notify.services", "notify.tasks"} & imported("delivery")


@pytest.mark.django_db
def test_delivering_the_same_message_twice_sends_it_once(counting_channel):
    message = due_message()
    assert delivery.deliver(message.pk) == "sent"
    assert delivery.deliver(message.pk) == "skipped"
    assert counting_channel.calls == [message.pk]
    message.refresh_from_db()
    assert (message.status, message.attempts, message.provider_message_id) == (Status.SENT, 1, f"counted-{message.pk}")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises all writers; needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_the_same_message_at_once_send_it_once(counting_channel):
    message = due_message()
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def worker() -> None:
        try:
            start.wait(timeout=10)
            outcomes.append(delivery.deliver(message.pk))
        finally:
            connection.close()

    counting_channel.pause = 0.3  # the first worker is still sending when the second tries to claim
    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["sent", "skipped"]
    assert counting_channel.calls == [message.pk]
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.SENT, 1)


@pytest.mark.django_db
def test_a_message_left_sending_by_a_dead_worker_is_sent_again_after_the_lease(counting_channel, time_machine):
    now = timezone.now()
    time_machine.move_to(now, tick=False)
    message = due_message(status=Status.SENDING, attempts=1, next_attempt_at=now + delivery.SENDING_LEASE)
    assert delivery.deliver_due() == {}, "a worker may still be sending it"
    time_machine.move_to(now + delivery.SENDING_LEASE, tick=False)
    assert delivery.deliver_due() == {"released": 1, "sent": 1}
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.SENT, 2)


@pytest.mark.django_db
def test_the_sweep_takes_the_oldest_due_first_and_stops_at_the_limit(counting_channel, time_machine):
    now = timezone.now()
    time_machine.move_to(now, tick=False)
    late = due_message(next_attempt_at=now - datetime.timedelta(minutes=1))
    early = due_message(next_attempt_at=now - datetime.timedelta(minutes=5))
    future = due_message(next_attempt_at=now + datetime.timedelta(minutes=5))
    assert delivery.deliver_due(limit=1) == {"sent": 1}
    assert counting_channel.calls == [early.pk]
    assert delivery.deliver_due() == {"sent": 1}
    assert counting_channel.calls == [early.pk, late.pk]
    future.refresh_from_db()
    assert future.status == Status.PENDING


@pytest.mark.django_db
def test_deliver_outbox_command_sends_the_due_messages_and_says_so(counting_channel):
    message = due_message()
    out = StringIO()
    call_command("deliver_outbox", stdout=out)
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert "sent 1" in out.getvalue()


def test_back_off_doubles_within_jitter_and_stops_at_the_cap(settings):
    settings.OPORA_NOTIFY_RETRY_BASE_SECONDS = 30
    settings.OPORA_NOTIFY_RETRY_MAX_SECONDS = 3600
    for attempts, nominal in [(1, 30), (2, 60), (3, 120), (5, 480)]:
        seconds = delivery.retry_delay(attempts).total_seconds()
        assert nominal * 0.8 <= seconds <= nominal * 1.2
    assert all(delivery.retry_delay(n).total_seconds() <= 3600 for n in (8, 20, 100))


def test_unknown_channel_setting_is_reported_by_the_system_check(settings):
    from notify.checks import check_notify_settings

    settings.OPORA_SMS_CHANNEL = "carrier-pigeon"
    settings.OPORA_EMAIL_CHANNEL = "smtp"
    assert [m.id for m in check_notify_settings()] == ["notify.E001"]
    settings.OPORA_SMS_CHANNEL = "http"
    settings.OPORA_SMS_GATEWAY_URL = ""
    assert [m.id for m in check_notify_settings()] == ["notify.E002"]
