"""Read queries of the outbox page."""

from dataclasses import dataclass

from django.db.models import Count, QuerySet

from notify.models import OutboxMessage, Status


@dataclass(frozen=True)
class OutboxFilters:
    status: str = ""
    channel: str = ""


def outbox(filters: OutboxFilters) -> QuerySet[OutboxMessage]:
    """Messages, newest first, narrowed by the page's filters."""
    messages = OutboxMessage.objects.order_by("-created_at", "-pk")
    if filters.status:
        messages = messages.filter(status=filters.status)
    if filters.channel:
        messages = messages.filter(channel=filters.channel)
    return messages


def counts_by_status() -> dict[str, int]:
    """How many messages are in each status (every status present, zero included)."""
    counted = dict(OutboxMessage.objects.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n"))
    return {status: counted.get(status, 0) for status in Status.values}
