"""Sending messages through the outbox. Other apps call :func:`send` and nothing else.

``send`` only writes a row, in the caller's transaction: if the business change rolls back, so does
the message (transactional outbox). After the commit a background task (:mod:`notify.tasks`) delivers
it; a failed delivery is retried with exponential back-off by the sweep, which the delivery task books
itself, so retries need nothing but ``manage.py db_worker``. How a message is delivered and retried is
in :mod:`notify.delivery`.
"""

import logging
from functools import partial

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction

from core.validators import normalise_phone
from notify import tasks
from notify.models import Channel, OutboxMessage

logger = logging.getLogger("opora.notify")


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
    try:
        tasks.deliver_message.enqueue(message_id)
    except Exception:
        # The row is committed and pending: the sweep delivers it even if this enqueue is lost.
        logger.exception("could not enqueue delivery of outbox message %s; the sweep will pick it up", message_id)
