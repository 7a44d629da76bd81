"""Read queries of the operator's screen."""

from collections import defaultdict
from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet

from assistance import workflow
from assistance.models import HelpRequest
from core.permissions import is_dispatcher, served_district_ids
from intake.models import Interaction
from intake.rules import citywide_call_roles
from people.models import Person

RECENT_INTERACTIONS = 5


def open_requests_by_person(people: list[Person]) -> dict[int, list[HelpRequest]]:
    found: dict[int, list[HelpRequest]] = defaultdict(list)
    requests = (
        HelpRequest.objects.filter(person_id__in=[p.pk for p in people], status__in=workflow.OPEN)
        .select_related("service_type", "tcso")
        .order_by("due_at", "pk")
    )
    for help_request in requests:
        found[help_request.person_id].append(help_request)
    return found


def recent_interactions(person: Person, limit: int = RECENT_INTERACTIONS) -> list[Interaction]:
    return list(
        Interaction.objects.filter(person=person)
        .select_related("operator")
        .prefetch_related("requests__service_type")
        .order_by("-started_at", "-pk")[:limit]
    )


def screen_pop_cards(people: list[Person]) -> list[dict[str, Any]]:
    """For each person found by caller ID: the person, open requests and recent interactions."""
    requests = open_requests_by_person(people)
    return [
        {"person": p, "open_requests": requests.get(p.pk, []), "interactions": recent_interactions(p)} for p in people
    ]


def visible_interactions(user: User) -> QuerySet[Interaction]:
    """The interactions ``user`` may count: the call centre and supervisors all, a dispatcher those of
    citizens in the districts his TCSO serves (never an anonymous call), everyone else none.

    Decided by the predicates of intake/rules.py, like the call screen itself."""
    if citywide_call_roles.test(user):
        return Interaction.objects.all()
    if is_dispatcher.test(user):
        return Interaction.objects.filter(person__district_id__in=served_district_ids(user))
    return Interaction.objects.none()
