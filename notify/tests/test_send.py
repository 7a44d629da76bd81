"""notify.send: a row in the caller's transaction, delivered after the commit, never twice per event."""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from notify import delivery, tasks
from notify import services as notify
from notify.models import OutboxMessage, Status
from notify.tests.conftest import read_log


@pytest.mark.django_db(transaction=True)
def test_message_is_written_and_delivered_only_after_the_transaction_commits(outbox_log):
    with transaction.atomic():
        message = notify.send(channel="sms", recipient="8 (916) 123-45-67", body="Заявка № 42 принята.", person_id=7)
        assert OutboxMessage.objects.get(pk=message.pk).status == Status.PENDING
        assert read_log(outbox_log) == [], "nothing may leave before the business change is committed"
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert message.recipient == "+79161234567"
    assert message.attempts == 1
    [line] = read_log(outbox_log)
    assert line["id"] == message.pk
    assert line["to"] == "+79161234567"
    assert line["text"] == "Заявка № 42 принята."
    assert line["person_id"] == 7


@pytest.mark.django_db(transaction=True)
def test_rolled_back_transaction_leaves_no_message_and_sends_nothing(outbox_log):
    with pytest.raises(RuntimeError), transaction.atomic():
        notify.send(channel="sms", recipient="+79161234567", body="Заявка № 43 принята.")
        raise RuntimeError("the business change failed")
    assert OutboxMessage.objects.count() == 0
    assert read_log(outbox_log) == []


@pytest.mark.django_db
def test_log_channel_writes_the_message_as_one_json_line_in_readable_cyrillic(
    outbox_log, django_capture_on_commit_callbacks, caplog, make_user
):
    related = make_user("operator")
    with django_capture_on_commit_callbacks(execute=True), caplog.at_level("INFO", logger="opora.notify"):
        message = notify.send(
            channel="email",
            recipient="ivanova@example.ru",
            subject="Напоминание",
            body="Завтра в 10:00 приём у онколога.",
            related=related,
        )
    text = outbox_log.read_text(encoding="utf-8")
    assert "Завтра в 10:00 приём у онколога." in text  # not \u-escaped
    [line] = read_log(outbox_log)
    assert line["subject"] == "Напоминание"
    assert line["related"] == f"auth.user:{related.pk}"
    assert oct(outbox_log.stat().st_mode & 0o777) == "0o600"
    logged = [r.getMessage() for r in caplog.records if r.name == "opora.notify"]
    assert any(f"outbox message {message.pk}" in m and "i***@example.ru" in m for m in logged)
    assert not any("ivanova@example.ru" in m or "онколога" in m for m in logged), "logs carry no personal data"


@pytest.mark.django_db
def test_the_same_dedup_key_returns_the_first_message_and_queues_one_row(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = notify.send(
            channel="sms", recipient="+79161234567", body="Волонтёр едет.", dedup_key="request-42-en-route"
        )
        second = notify.send(
            channel="sms", recipient="+79161234567", body="Волонтёр едет.", dedup_key="request-42-en-route"
        )
    assert second.pk == first.pk
    assert OutboxMessage.objects.filter(dedup_key="request-42-en-route").count() == 1
    assert len(callbacks) == 1, "the duplicate queues no second delivery"


@pytest.mark.django_db
def test_related_record_is_stored_by_type_and_id(make_user):
    user = make_user("operator")
    message = notify.send(channel="log", recipient="duty-desk", body="Проверка", related=user)
    assert (message.related_type, message.related_id) == ("auth.user", str(user.pk))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("channel", "recipient"),
    [("sms", "12345"), ("sms", ""), ("email", "not-an-address"), ("log", "  ")],
)
def test_an_unusable_recipient_is_refused_before_anything_is_written(channel, recipient):
    with pytest.raises(ValidationError):
        notify.send(channel=channel, recipient=recipient, body="Текст")
    assert OutboxMessage.objects.count() == 0


@pytest.mark.django_db
def test_an_unknown_channel_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown notification channel"):
        notify.send(channel="pigeon", recipient="+79161234567", body="Текст")


@pytest.mark.django_db
def test_a_lost_enqueue_leaves_the_message_pending_for_the_sweep(
    outbox_log, django_capture_on_commit_callbacks, monkeypatch
):
    def broken_enqueue(*args, **kwargs):
        raise ConnectionError("queue is down")

    monkeypatch.setattr(type(tasks.deliver_message), "enqueue", broken_enqueue)
    with django_capture_on_commit_callbacks(execute=True):
        message = notify.send(channel="sms", recipient="+79161234567", body="Заявка принята.")
    message.refresh_from_db()
    assert message.status == Status.PENDING
    monkeypatch.undo()
    assert delivery.deliver_due() == {"sent": 1}
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert len(read_log(outbox_log)) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises all writers; needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_transactions_queueing_the_same_event_at_once_make_one_message(outbox_log):
    start = threading.Barrier(2)
    ids: list[int] = []

    def caller(delay_before: float, hold: float) -> None:
        try:
            start.wait(timeout=10)
            time.sleep(delay_before)
            with transaction.atomic():
                ids.append(
                    notify.send(channel="sms", recipient="+79161234567", body="Волонтёр едет.", dedup_key="req-7").pk
                )
                time.sleep(hold)  # the first caller's row is not committed yet when the second looks
        finally:
            connection.close()

    threads = [threading.Thread(target=caller, args=args) for args in ((0.0, 0.5), (0.1, 0.0))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(ids) == 2 and ids[0] == ids[1]
    assert OutboxMessage.objects.filter(dedup_key="req-7").count() == 1
    assert len(read_log(outbox_log)) == 1
