"""The outbox page for supervisors and administrators: what went out, what is waiting, what failed."""

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
    page = Paginator(selectors.outbox(filters), PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.counts_by_status()
    context = {
        "page": page,
        "filters": filters,
        "statuses": Status.choices,
        "channels": Channel.choices,
        "counts": [(value, label, counts[value]) for value, label in Status.choices],
    }
    return render(request, "notify/outbox.html", context)
