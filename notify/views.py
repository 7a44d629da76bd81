"""The outbox page for supervisors and administrators: what went out, what is waiting, what failed.

Supervisors read the texts too; the administrator sees the delivery state only (notify/rules.py)."""

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from notify import selectors
from notify.models import Channel, Status

PAGE_SIZE = 50


def outbox(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("notify.view_outbox"):
        raise PermissionDenied
    status = request.GET.get("status", "")
    channel = request.GET.get("channel", "")
    filters = selectors.OutboxFilters(
        status=status if status in Status.values else "",
        channel=channel if channel in Channel.values else "",
    )
    # The texts are citizens' personal data: shown to those who may read them, not even loaded for others.
    with_text = request.user.has_perm("notify.view_message_text")
    page = Paginator(selectors.outbox(filters, with_text=with_text), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.with_shown_errors(list(page.object_list), with_text=with_text)
    counts = selectors.counts_by_status()
    context = {
        "page": page,
        "with_text": with_text,
        "filters": filters,
        "statuses": Status.choices,
        "channels": Channel.choices,
        "counts": [(value, label, counts[value]) for value, label in Status.choices],
    }
    return render(request, "notify/outbox.html", context)
