"""Read queries of the outbox page."""

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from core.validators import digits
from notify.models import OutboxMessage, Status, mask_recipient


@dataclass(frozen=True)
class OutboxFilters:
    status: str = ""
    channel: str = ""


def outbox(filters: OutboxFilters, *, with_text: bool) -> QuerySet[OutboxMessage]:
    """Messages, newest first, narrowed by the page's filters; without ``with_text`` their subjects and
    texts are not even read from the database."""
    messages = OutboxMessage.objects.order_by("-created_at", "-pk")
    if not with_text:
        messages = messages.defer("subject", "body")
    if filters.status:
        messages = messages.filter(status=filters.status)
    if filters.channel:
        messages = messages.filter(channel=filters.channel)
    return messages


def counts_by_status() -> dict[str, int]:
    """How many messages are in each status (every status present, zero included)."""
    counted = dict(OutboxMessage.objects.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n"))
    return {status: counted.get(status, 0) for status in Status.values}


def redact_error(error: str, *, recipient: str, texts: Iterable[str] = ()) -> str:
    """A provider's error as the outbox page shows it: the recipient masked (a mail server likes to quote
    the address it refused) and, for those who may not read messages, any of ``texts`` it quoted cut out.

    ``texts`` are the message's subject and text; they are matched as sent, with their spaces collapsed
    (as ``last_error`` keeps them) and JSON-escaped (as a gateway's answer may quote them)."""
    for text in texts:
        if len(text.strip()) < 4:
            continue
        collapsed = " ".join(text.split())
        variants = {text, collapsed}
        variants |= {json.dumps(v, ensure_ascii=escape)[1:-1] for v in (text, collapsed) for escape in (True, False)}
        for variant in sorted(variants, key=len, reverse=True):
            error = error.replace(variant, _("[message text]"))
    masked = mask_recipient(recipient)
    forms = {recipient}
    if "@" not in recipient:  # a phone: also as bare digits, with and without the country code
        number = digits(recipient)
        forms |= {number, number[-10:]}
    for variant in sorted(forms, key=len, reverse=True):
        if len(variant) > 4:
            error = error.replace(variant, masked)
    return error


def with_shown_errors(messages: Sequence[OutboxMessage], *, with_text: bool) -> Sequence[OutboxMessage]:
    """Give each message of a page its ``shown_error`` (:func:`redact_error`). Without ``with_text`` the
    subjects and texts of the failing ones are read here to be cut out, and go no further."""
    failing = [m.pk for m in messages if m.last_error]
    texts: dict[int, tuple[str, str]] = {}
    if failing and not with_text:
        rows = OutboxMessage.objects.filter(pk__in=failing).values_list("pk", "subject", "body")
        texts = {pk: (subject, body) for pk, subject, body in rows}
    for message in messages:
        message.shown_error = redact_error(  # type: ignore[attr-defined]
            message.last_error, recipient=message.recipient, texts=texts.get(message.pk, ())
        )
    return messages
