"""One end-to-end run with the real database task queue and its worker (manage.py db_worker)."""

import datetime
import signal

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from notify import services as notify
from notify.models import OutboxMessage, Status


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    # db_worker installs its own SIGINT/SIGTERM handlers; give pytest its own back afterwards.
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def run_worker() -> None:
    call_command("db_worker", batch=True, startup_delay=False, reload=False, interval=0, verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_db_worker_delivers_a_committed_message_and_its_retry(database_queue, sms_gateway, time_machine):
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    sms_gateway.answer(502, {"error": "upstream"})
    sms_gateway.answer(200, {"id": "sms-worker-1"})
    with transaction.atomic():
        message = notify.send(channel="sms", recipient="+79161234567", body="Волонтёр приедет в 15:00.")
    assert OutboxMessage.objects.get(pk=message.pk).status == Status.PENDING, "queued, not sent by the web process"
    assert DBTaskResult.objects.count() == 1

    run_worker()  # delivery fails with 502; the worker books the sweep for the retry time
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.PENDING, 1)
    sweep = DBTaskResult.objects.get(task_path="notify.tasks.deliver_due_messages")
    assert sweep.run_after == message.next_attempt_at

    time_machine.move_to(message.next_attempt_at + datetime.timedelta(seconds=1), tick=False)
    run_worker()  # the booked sweep is due now and delivers the retry
    message.refresh_from_db()
    assert (message.status, message.attempts, message.provider_message_id) == (Status.SENT, 2, "sms-worker-1")
    assert len(sms_gateway.requests) == 2
