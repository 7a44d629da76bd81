"""Sending messages through the outbox. Other apps call :func:`send` and nothing else.

``send`` only writes a row, in the caller's transaction: if the business change rolls back, so does
the message (transactional outbox). After the commit a background task delivers it; a failed delivery
is retried with exponential back-off by the sweep (:func:`deliver_due`), which the delivery task
schedules itself, so retries need nothing but ``manage.py db_worker``.
"""

import logging
import random
from collections import Counter
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone

from core.validators import normalise_phone
from notify import channels
from notify.models import Channel, OutboxMessage, Status

logger = logging.getLogger("opora.notify")

# How long a worker may hold a message in "sending" before the sweep decides the worker died and puts
# the message back in the queue. Longer than any channel's time-outs (10 s by default).
SENDING_LEASE = timedelta(minutes=5)


def send(
    *,
    channel: str,
    recipient: str,
    body: str,
    subject: str = "",
    person_id: int | None = None,
    related: models.Model | None = None,
    dedup_key: str | None = None,
) -> OutboxMessage:
    """Queue one message in the caller's transaction; it is delivered after that transaction commits.

    ``recipient`` is a phone for sms (any common Russian way of writing it; stored as E.164) and an
    address for email. With ``dedup_key`` the same event never produces two messages: a second call
    with the same key returns the first message and queues nothing.
    """
    if channel not in Channel.values:
        raise ValueError(f"unknown notification channel {channel!r}; expected one of {Channel.values}")
    if not body.strip():
        raise ValueError("a notification needs a text")
    recipient = _normalise_recipient(channel, recipient)
    if dedup_key is not None:
        existing = OutboxMessage.objects.filter(dedup_key=dedup_key).first()
        if existing is not None:
            return existing
    fields = {
        "channel": channel,
        "recipient": recipient,
        "subject": subject[:255],
        "body": body,
        "person_id": person_id,
        "related_type": related._meta.label_lower if related is not None else "",
        "related_id": str(related.pk) if related is not None else "",
        "dedup_key": dedup_key,
    }
    try:
        with transaction.atomic():
            message = OutboxMessage.objects.create(**fields)
    except IntegrityError:
        # Another transaction queued the same event between our look-up and our insert.
        if dedup_key is None:
            raise
        return OutboxMessage.objects.get(dedup_key=dedup_key)
    transaction.on_commit(partial(_enqueue_delivery, message.pk), robust=True)
    return message


def _normalise_recipient(channel: str, recipient: str) -> str:
    recipient = (recipient or "").strip()
    if channel == Channel.SMS:
        return normalise_phone(recipient)
    if channel == Channel.EMAIL:
        validate_email(recipient)
        return recipient
    if not recipient:
        raise ValidationError("a notification needs a recipient", code="recipient_empty")
    return recipient


def _enqueue_delivery(message_id: int) -> None:
    from notify import tasks  # tasks import this module

    try:
        tasks.deliver_message.enqueue(message_id)
    except Exception:
        # The row is committed and pending: the sweep delivers it even if this enqueue is lost.
        logger.exception("could not enqueue delivery of outbox message %s; the sweep will pick it up", message_id)


def retry_delay(attempts: int) -> timedelta:
    """Back-off after the ``attempts``-th failed attempt: base x 2^(attempts - 1), capped, +-20 % jitter."""
    base = float(settings.OPORA_NOTIFY_RETRY_BASE_SECONDS)
    cap = float(settings.OPORA_NOTIFY_RETRY_MAX_SECONDS)
    delay = min(cap, base * 2 ** min(max(attempts - 1, 0), 30))
    return timedelta(seconds=min(cap, delay * random.uniform(0.8, 1.2)))


def deliver(message_id: int) -> str:
    """Try to deliver one message now; return what happened: sent, retry, failed or skipped.

    The message is claimed with one conditional UPDATE (pending and due -> sending), so of two workers
    given the same message only one sends it; the other gets ``skipped``. The channel is called outside
    any transaction, so no lock is held while a provider answers.
    """
    now = timezone.now()
    claimed = OutboxMessage.objects.filter(pk=message_id, status=Status.PENDING, next_attempt_at__lte=now).update(
        status=Status.SENDING, attempts=F("attempts") + 1, next_attempt_at=now + SENDING_LEASE
    )
    if not claimed:
        return "skipped"
    message = OutboxMessage.objects.get(pk=message_id)
    try:
        provider_message_id = channels.for_message(message).send(message)
    except channels.PermanentDeliveryError as exc:
        logger.warning("outbox message %s refused: %s", message.pk, exc)
        _finish(message, status=Status.FAILED, last_error=str(exc))
        return "failed"
    except Exception as exc:
        if not isinstance(exc, channels.DeliveryError):
            logger.exception("outbox message %s: unexpected error in the channel", message.pk)
        return _retry_or_give_up(message, error=str(exc) or type(exc).__name__)
    _finish(
        message,
        status=Status.SENT,
        last_error="",
        sent_at=timezone.now(),
        provider_message_id=provider_message_id[:200],
    )
    logger.info("outbox message %s sent (attempt %s)", message.pk, message.attempts)
    return "sent"


def _finish(message: OutboxMessage, **changes: object) -> None:
    """Record the outcome, but only while the message is still ours (not reclaimed after the lease)."""
    OutboxMessage.objects.filter(pk=message.pk, status=Status.SENDING).update(**changes)


def _retry_or_give_up(message: OutboxMessage, *, error: str) -> str:
    error = error[: channels.MAX_ERROR_LENGTH]
    if message.attempts >= settings.OPORA_NOTIFY_MAX_ATTEMPTS:
        logger.warning("outbox message %s failed after %s attempts: %s", message.pk, message.attempts, error)
        _finish(message, status=Status.FAILED, last_error=error)
        return "failed"
    next_attempt_at = timezone.now() + retry_delay(message.attempts)
    logger.info(
        "outbox message %s: attempt %s failed (%s); next at %s",
        message.pk,
        message.attempts,
        error,
        next_attempt_at.isoformat(),
    )
    _finish(message, status=Status.PENDING, last_error=error, next_attempt_at=next_attempt_at)
    schedule_sweep(next_attempt_at)
    return "retry"


def schedule_sweep(when: datetime) -> None:
    """Have the task worker run :func:`deliver_due` at ``when`` (if its backend can defer tasks).

    django-tasks has no periodic scheduler, so each retry books the sweep that will make it.
    """
    from notify import tasks  # tasks import this module

    sweep = tasks.deliver_due_messages
    try:
        if not sweep.get_backend().supports_defer:
            return
        sweep.using(run_after=when).enqueue()
    except Exception:
        logger.exception("could not schedule the outbox sweep; run manage.py deliver_outbox")


def release_stale(now: datetime | None = None) -> int:
    """Put back messages whose worker died while sending them (the lease ran out); return how many.

    Such a message may or may not have left; it is sent again (at least once rather than at most once),
    unless it has used up its attempts.
    """
    now = now or timezone.now()
    stale = OutboxMessage.objects.filter(status=Status.SENDING, next_attempt_at__lte=now)
    error = "delivery was interrupted (the worker stopped while sending)"
    given_up = stale.filter(attempts__gte=settings.OPORA_NOTIFY_MAX_ATTEMPTS).update(
        status=Status.FAILED, last_error=error
    )
    released = stale.update(status=Status.PENDING, next_attempt_at=now, last_error=error)
    return given_up + released


def deliver_due(limit: int = 100) -> dict[str, int]:
    """Deliver up to ``limit`` due messages, oldest due first; count the outcomes.

    Catches retries and messages whose delivery task was never enqueued (e.g. the queue was down).
    """
    now = timezone.now()
    outcomes: Counter[str] = Counter()
    if released := release_stale(now):
        outcomes["released"] = released
    due = (
        OutboxMessage.objects.filter(status=Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    for message_id in list(due):
        outcomes[deliver(message_id)] += 1
    return dict(outcomes)
