"""What a case gives: a hospital's coordinators open the full cards of the patients with a case at their
hospital (people.relations; without it they find citizens at search level only)."""

from typing import Any

from django.db.models import Q

from cases.models import PROGRAMME_HOSPITAL, Case
from core.permissions import own_organisation_id
from core.roles import Role
from people.relations import Relation


def patients_of_own_hospital(user: Any) -> Q:
    """The citizens with a case, open or closed, at the hospital the user works for."""
    own = own_organisation_id(user)
    if own is None:
        return Q(pk__in=[])
    return Q(pk__in=Case.objects.filter(organisation_id=own, programme__code=PROGRAMME_HOSPITAL).values("person_id"))


CASE_RELATION = Relation(
    code="cases",
    roles=frozenset({Role.COORDINATOR}),
    people=patients_of_own_hospital,
    may_change=True,  # the coordinator restores documents and adds relatives on the card
)
