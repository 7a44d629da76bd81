"""What psychological work gives: a psychologist opens the full cards of their own clients (people.relations;
without it they find citizens at search level only). Reading only: a psychologist changes no card."""

from typing import Any

from django.db.models import Q

from cases.models import CrisisAlert
from core.permissions import own_organisation_id
from core.roles import Role
from people.relations import Relation
from psych.models import Consultation, FollowUp, GroupMember, HotlineCall


def own_clients(user: Any) -> Q:
    """Citizens this psychologist consulted or has booked, members of the groups they facilitate, callers
    they answered with a known citizen, clients of a follow-up given to them, and patients whose crisis
    they took. A colleague's clients stay at search level until the psychologist works with them."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    own = own_organisation_id(user)
    consulted = Consultation.objects.filter(psychologist=user, person__isnull=False).values("person_id")
    grouped = GroupMember.objects.filter(group__facilitator=user).values("person_id")
    called = HotlineCall.objects.filter(taken_by=user, person__isnull=False).values("person_id")
    followed = FollowUp.objects.filter(assigned_to=user, consultation__person__isnull=False).values(
        "consultation__person_id"
    )
    crises = CrisisAlert.objects.filter(answered_by=user).values("case__person_id")
    condition = Q(pk__in=consulted) | Q(pk__in=grouped) | Q(pk__in=called) | Q(pk__in=followed) | Q(pk__in=crises)
    if own is not None:
        # A walk-in of their centre's queue they are about to call in is theirs too.
        condition |= Q(
            pk__in=Consultation.objects.filter(
                organisation_id=own, status__in=["waiting", "called"], person__isnull=False
            ).values("person_id")
        )
    return condition


PSYCH_RELATION = Relation(code="psych_clients", roles=frozenset({Role.PSYCHOLOGIST}), people=own_clients)
