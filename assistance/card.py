"""The "Requests" tab of the citizen card: the citizen's help requests, registered in AssistanceConfig.ready()."""

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from assistance.models import HelpRequest
from people.card import CardTab
from people.models import Person

# Requests on one page of the tab: a citizen served for years has hundreds (200 each in the city of
# 4 million requests), and reading and checking them all made the tab slow.
PAGE_SIZE = 25


def person_requests(user: Any, person: Person, page_number: Any = None) -> Page:
    """One page of the citizen's help requests, newest first, each with its latest worker and whether
    ``user`` may open it."""
    requests = (
        HelpRequest.objects.filter(person=person)
        .select_related("service_type", "tcso")
        .prefetch_related("assignments__worker")  # newest first: the assignments' default ordering
        .order_by("-created_at", "-id")
    )
    page = Paginator(requests, PAGE_SIZE).get_page(page_number)
    help_requests = list(page.object_list)
    page.object_list = help_requests
    for help_request in help_requests:
        assignments = list(help_request.assignments.all())
        help_request.assignee = assignments[0].worker if assignments else None
        help_request.can_open = user.has_perm("assistance.view_request", help_request)
    return page


def requests_tab(request: HttpRequest, person: Person) -> str:
    page = person_requests(request.user, person, request.GET.get("page"))
    context = {"person": person, "help_requests": page.object_list, "page": page}
    return render_to_string("assistance/card/requests.html", context, request=request)


REQUESTS_TAB = CardTab(code="requests", title=_("Requests"), order=50, permission=None, view=requests_tab)
