"""Delivery channels: how a message actually leaves the building.

A channel is a class with ``send(message) -> provider_message_id``, registered under a name. Which one
delivers a message depends on its ``channel`` field and the settings: sms -> ``OPORA_SMS_CHANNEL``,
email -> ``OPORA_EMAIL_CHANNEL``, log -> ``log``. A channel raises :class:`DeliveryError` when the
message may go through later (the outbox retries it) and :class:`PermanentDeliveryError` when the
provider refused it for good (the outbox marks it failed at once).
"""

import http.client
import json
import logging
import os
import smtplib
import urllib.error
import urllib.request
from collections.abc import Callable
from email.utils import make_msgid
from pathlib import Path
from typing import Protocol, TypeVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage, get_connection
from django.utils import timezone, translation
from django.utils.translation import gettext

from notify.models import Channel, OutboxMessage

logger = logging.getLogger("opora.notify")

# The most of a provider's answer kept in ``last_error`` and read from a gateway's response.
MAX_ERROR_LENGTH = 1000
MAX_ANSWER_BYTES = 64 * 1024


class DeliveryError(Exception):
    """The message did not go out this time; the outbox will try again."""


class PermanentDeliveryError(DeliveryError):
    """The provider refused the message; trying again would give the same answer."""


class DeliveryChannel(Protocol):
    def send(self, message: OutboxMessage) -> str:
        """Deliver ``message``; return the provider's id for it, or ``""``."""
        ...


ChannelClass = TypeVar("ChannelClass", bound=type)

REGISTRY: dict[str, Callable[[], DeliveryChannel]] = {}


def register(name: str) -> Callable[[ChannelClass], ChannelClass]:
    """Class decorator: make a channel available under ``name`` for the OPORA_*_CHANNEL settings."""

    def decorate(cls: ChannelClass) -> ChannelClass:
        REGISTRY[name] = cls
        return cls

    return decorate


def configured_name(message_channel: str) -> str:
    """The registered channel that delivers messages of ``message_channel`` (sms, email, log)."""
    if message_channel == Channel.SMS:
        return str(settings.OPORA_SMS_CHANNEL)
    if message_channel == Channel.EMAIL:
        return str(settings.OPORA_EMAIL_CHANNEL)
    return "log"


def for_message(message: OutboxMessage) -> DeliveryChannel:
    name = configured_name(message.channel)
    try:
        factory = REGISTRY[name]
    except KeyError:
        raise ImproperlyConfigured(f"no notification channel is registered as {name!r}") from None
    return factory()


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_ERROR_LENGTH else text[: MAX_ERROR_LENGTH - 1] + "…"


@register("log")
class LogChannel:
    """The embedded default: nothing leaves the machine.

    One line per message goes to the ``opora.notify`` logger (recipient masked, no text: logs are
    collected and kept more widely than the database) and the whole message as a JSON line to
    ``OPORA_NOTIFY_LOG_FILE``, readable only by the app's own user.
    """

    def send(self, message: OutboxMessage) -> str:
        path = Path(settings.OPORA_NOTIFY_LOG_FILE)
        entry = {
            "id": message.pk,
            "at": timezone.now().isoformat(),
            "channel": message.channel,
            "to": message.recipient,
            "subject": message.subject,
            "text": message.body,
            "person_id": message.person_id,
            "related": f"{message.related_type}:{message.related_id}" if message.related_type else "",
        }
        line = (json.dumps(entry, ensure_ascii=False) + "\n").encode()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # One write() of one line with O_APPEND: lines of concurrent workers do not interleave.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(fd, line)
            finally:
                os.close(fd)
        except OSError as exc:
            raise DeliveryError(f"cannot write {path}: {exc}") from exc
        logger.info(
            "outbox message %s (%s) to %s written to %s", message.pk, message.channel, message.masked_recipient, path
        )
        return ""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """urllib would repeat a redirected POST as a GET without the body; treat a redirect as an answer."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


# Client errors that are about timing, not about the message: retried like server errors.
RETRYABLE_CLIENT_ERRORS = frozenset({408, 425, 429})


@register("http")
class HttpSmsChannel:
    """An SMS gateway over HTTP: ``POST {"to", "text", "id"}`` as JSON, bearer token optional.

    2xx: sent (the answer's ``"id"`` is kept as the provider's id). 4xx: refused for good (except 408,
    425 and 429, which say "later"). 5xx, redirects, time-outs and connection errors: retried. The
    outbox id is sent as ``id`` and as ``Idempotency-Key``, so a gateway that honours either never
    sends a retried message twice.
    """

    def send(self, message: OutboxMessage) -> str:
        url = str(settings.OPORA_SMS_GATEWAY_URL)
        if not url.startswith(("http://", "https://")):
            raise DeliveryError("OPORA_SMS_GATEWAY_URL is not set to an http(s) address")
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
            "Idempotency-Key": f"opora-outbox-{message.pk}",
        }
        if settings.OPORA_SMS_GATEWAY_TOKEN:
            headers["Authorization"] = f"Bearer {settings.OPORA_SMS_GATEWAY_TOKEN}"
        payload = json.dumps({"to": message.recipient, "text": message.body, "id": message.pk}, ensure_ascii=False)
        request = urllib.request.Request(url, data=payload.encode(), headers=headers, method="POST")  # noqa: S310
        opener = urllib.request.build_opener(_NoRedirects)
        try:
            with opener.open(request, timeout=float(settings.OPORA_SMS_GATEWAY_TIMEOUT)) as response:
                answer = response.read(MAX_ANSWER_BYTES)
        except urllib.error.HTTPError as exc:
            detail = _shorten(f"SMS gateway answered HTTP {exc.code}: {_read_error(exc)}")
            if 400 <= exc.code < 500 and exc.code not in RETRYABLE_CLIENT_ERRORS:
                raise PermanentDeliveryError(detail) from exc
            raise DeliveryError(detail) from exc
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:  # refused, DNS, time-out
            reason = getattr(exc, "reason", exc)
            raise DeliveryError(_shorten(f"SMS gateway unreachable: {reason}")) from exc
        return _provider_id(answer)


def _read_error(exc: urllib.error.HTTPError) -> str:
    try:
        return exc.read(MAX_ERROR_LENGTH).decode("utf-8", "replace").strip()
    except OSError:
        return ""


def _provider_id(answer: bytes) -> str:
    try:
        data = json.loads(answer.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return ""
    if isinstance(data, dict) and data.get("id") not in (None, ""):
        return str(data["id"])[:200]
    return ""


@register("smtp")
class SmtpChannel:
    """E-mail through the SMTP server of ``OPORA_EMAIL_*`` (Django's SMTP e-mail backend)."""

    def send(self, message: OutboxMessage) -> str:
        subject = message.subject
        if not subject:
            with translation.override(settings.LANGUAGE_CODE):
                subject = gettext("Message from Opora")
        sender_domain = str(settings.DEFAULT_FROM_EMAIL).rpartition("@")[2].strip("> ") or "opora"
        message_id = make_msgid(idstring=f"outbox-{message.pk}", domain=sender_domain)
        email = EmailMessage(
            subject=subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.recipient],
            headers={"Message-ID": message_id, "X-Opora-Outbox-Id": str(message.pk)},
        )
        try:
            connection = get_connection("django.core.mail.backends.smtp.EmailBackend", fail_silently=False)
            email.connection = connection
            email.send()
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _text in exc.recipients.values()]
            detail = _shorten(f"SMTP server refused the recipient: {exc.recipients}")
            if codes and all(500 <= code < 600 for code in codes):
                raise PermanentDeliveryError(detail) from exc
            raise DeliveryError(detail) from exc
        except (smtplib.SMTPException, OSError, ValueError) as exc:
            raise DeliveryError(_shorten(f"SMTP: {type(exc).__name__}: {exc}")) from exc
        return message_id
