"""What the programme gives a personal assistant: the full cards of their own patients (a journey assigned to
them) and of the patients whose referral they registered while its answer is pending."""

from typing import Any

from django.db.models import Q

from core.roles import Role
from navigation.models import Journey, Referral
from people.relations import Relation


def own_patients(user: Any) -> Q:
    if not user.is_authenticated:
        return Q(pk__in=[])
    assisted = Journey.objects.filter(assistant=user).values("case__person_id")
    pending = Referral.objects.filter(created_by=user, consent=Referral.Consent.PENDING).values("person_id")
    return Q(pk__in=assisted) | Q(pk__in=pending)


NAVIGATION_RELATION = Relation(
    code="navigation",
    roles=frozenset({Role.NAVIGATOR}),
    people=own_patients,
    may_change=True,  # the assistant keeps the patient's phones and consents up to date
)
