"""The "Requests" tab of the citizen card: the citizen's help requests, registered in AssistanceConfig.ready()."""

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from assistance.models import HelpRequest
from people.card import CardTab
from people.models import Person


def person_requests(user: Any, person: Person) -> list[HelpRequest]:
    """The citizen's help requests, newest first, each with its latest worker and whether ``user`` may open it."""
    help_requests = list(
        HelpRequest.objects.filter(person=person)
        .select_related("service_type", "tcso")
        .prefetch_related("assignments__worker")  # newest first: the assignments' default ordering
        .order_by("-created_at", "-id")
    )
    for help_request in help_requests:
        assignments = list(help_request.assignments.all())
        help_request.assignee = assignments[0].worker if assignments else None  # type: ignore[attr-defined]
        help_request.can_open = user.has_perm("assistance.view_request", help_request)  # type: ignore[attr-defined]
    return help_requests


def requests_tab(request: HttpRequest, person: Person) -> str:
    context = {"person": person, "help_requests": person_requests(request.user, person)}
    return render_to_string("assistance/card/requests.html", context, request=request)


REQUESTS_TAB = CardTab(code="requests", title=_("Requests"), order=50, permission=None, view=requests_tab)
