"""Read queries of the operator's screen."""

import datetime
from collections import defaultdict
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from assistance import workflow
from assistance.models import Assignment, HelpRequest
from core.permissions import is_dispatcher, own_organisation_id, require, served_district_ids
from intake.models import Interaction, Outcome
from intake.rules import citywide_call_roles
from people.models import ContactPerson, Person

RECENT_INTERACTIONS = 5
# "Who is coming and when?": the screen pop shows the open requests and those closed this recently.
RECENTLY_CLOSED = datetime.timedelta(days=7)


def current_requests_by_person(
    people: list[Person], now: datetime.datetime | None = None
) -> dict[int, list[HelpRequest]]:
    """Each citizen's open requests and those closed in the last 7 days, soonest first, each with its TCSO
    and ``worker``: the worker of its latest assignment, or None."""
    since = (now or timezone.now()) - RECENTLY_CLOSED
    found: dict[int, list[HelpRequest]] = defaultdict(list)
    latest_first = Assignment.objects.select_related("worker").order_by("-created_at", "-pk")
    requests = (
        HelpRequest.objects.filter(person_id__in=[p.pk for p in people])
        .filter(Q(status__in=workflow.OPEN) | Q(closed_at__gte=since))
        .select_related("service_type", "tcso")
        .prefetch_related(Prefetch("assignments", queryset=latest_first))
        .order_by("due_at", "pk")
    )
    for help_request in requests:
        assignments = list(help_request.assignments.all())
        help_request.worker = assignments[0].worker if assignments else None  # type: ignore[attr-defined]
        found[help_request.person_id].append(help_request)
    return found


def calling_contacts(people: list[Person], phone: str) -> dict[int, list[ContactPerson]]:
    """The citizens' relatives and other contacts whose number is ``phone``: who may be calling."""
    found: dict[int, list[ContactPerson]] = defaultdict(list)
    if not phone or not people:
        return found
    for contact in ContactPerson.objects.filter(person_id__in=[p.pk for p in people], phone=phone).order_by("pk"):
        found[contact.person_id].append(contact)
    return found


def recent_interactions(person: Person, limit: int = RECENT_INTERACTIONS) -> list[Interaction]:
    return list(
        Interaction.objects.filter(person=person)
        .select_related("operator")
        .prefetch_related("requests__service_type")
        .order_by("-started_at", "-pk")[:limit]
    )


def screen_pop_cards(people: list[Person], phone: str = "") -> list[dict[str, Any]]:
    """For each person found by caller ID: the person, the relatives calling from ``phone``, the requests
    open or closed in the last 7 days, and recent interactions."""
    requests = current_requests_by_person(people)
    contacts = calling_contacts(people, phone)
    return [
        {
            "person": p,
            "contacts": contacts.get(p.pk, []),
            "requests": requests.get(p.pk, []),
            "interactions": recent_interactions(p),
        }
        for p in people
    ]


def callbacks_to_make(user: Any) -> QuerySet[Interaction]:
    """The calls waiting for a callback that ``user`` may see, soonest due first."""
    return (
        visible_interactions(user)
        .filter(outcome=Outcome.CALLBACK_NEEDED, callback_due_at__isnull=False, called_back_at__isnull=True)
        .select_related("person", "operator", "caller_contact")
        .order_by("callback_due_at", "pk")
    )


def sees_every_call(user: Any) -> bool:
    """Whether ``visible_interactions`` gives ``user`` every call there is."""
    return bool(citywide_call_roles.test(user))


def visible_interactions(user: Any) -> QuerySet[Interaction]:
    """The interactions ``user`` may see and count: the call centre and supervisors all; a dispatcher
    those of citizens in the districts his TCSO serves, and those not linked to a citizen that he or a
    colleague of his organisation took; everyone else none.

    The ``intake.view_interaction`` rule (intake/rules.py) as a query."""
    if sees_every_call(user):
        return Interaction.objects.all()
    if is_dispatcher.test(user):
        unlinked_taken = Q(operator=user)
        own = own_organisation_id(user)
        if own is not None:
            unlinked_taken |= Q(operator__worker__organisation_id=own)
        return Interaction.objects.filter(
            Q(person__district_id__in=served_district_ids(user)) | (Q(person__isnull=True) & unlinked_taken)
        )
    return Interaction.objects.none()


def get_visible_call(user: Any, cti_call_id: str, *, perm: str = "intake.view_interaction") -> Interaction:
    """Load the call the telephony knows as ``cti_call_id`` for ``user``, or answer 404 — the same for a
    call id nobody knows and for a call the user may not see, so that call ids reveal nothing.

    A role that may never see calls gets 403 (PermissionDenied) before any look-up."""
    require(user, perm)
    call = (
        Interaction.objects.select_related("person", "operator__worker").filter(cti_call_id=cti_call_id).first()
        if cti_call_id
        else None
    )
    if call is None or not user.has_perm(perm, call):
        raise Http404
    return call


def find_visible_call(user: Any, cti_call_id: str) -> Interaction | None:
    """The call for the operator's screen, or None: an unknown call id and a call the user may not see
    look the same (the screen then shows neither its number, nor its time, nor who took it)."""
    if not cti_call_id:
        return None
    try:
        return get_visible_call(user, cti_call_id)
    except Http404:
        return None
