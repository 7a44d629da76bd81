"""Delivering outbox messages: claim one, send it through its channel, record the outcome, retry.

This is what the background tasks (:mod:`notify.tasks`) and ``manage.py deliver_outbox`` run; other
apps never call it (they call :func:`notify.services.send`). A failed attempt is retried with
exponential back-off by the sweep (:func:`deliver_due`). Booking that sweep is the caller's business:
after each retry this module calls ``on_retry(next_attempt_at)``, so it imports no task and the
imports run one way, services -> tasks -> delivery.
"""

import logging
import random
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from notify import channels
from notify.models import OutboxMessage, Status

logger = logging.getLogger("opora.notify")

# How long a worker may hold a message in "sending" before the sweep decides the worker died and puts
# the message back in the queue. Longer than any channel's time-outs (10 s by default).
SENDING_LEASE = timedelta(minutes=5)

OnRetry = Callable[[datetime], None]
"""Told when a failed message is due again, e.g. to book the sweep that will make the retry."""


def retry_delay(attempts: int) -> timedelta:
    """Back-off after the ``attempts``-th failed attempt: base x 2^(attempts - 1), capped, +-20 % jitter."""
    base = float(settings.OPORA_NOTIFY_RETRY_BASE_SECONDS)
    cap = float(settings.OPORA_NOTIFY_RETRY_MAX_SECONDS)
    delay = min(cap, base * 2 ** min(max(attempts - 1, 0), 30))
    return timedelta(seconds=min(cap, delay * random.uniform(0.8, 1.2)))


def deliver(message_id: int, *, on_retry: OnRetry | None = None) -> str:
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
        return _retry_or_give_up(message, error=str(exc) or type(exc).__name__, on_retry=on_retry)
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


def _retry_or_give_up(message: OutboxMessage, *, error: str, on_retry: OnRetry | None) -> str:
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
    if on_retry is not None:
        on_retry(next_attempt_at)
    return "retry"


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


def deliver_due(limit: int = 100, *, on_retry: OnRetry | None = None) -> dict[str, int]:
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
        outcomes[deliver(message_id, on_retry=on_retry)] += 1
    return dict(outcomes)
