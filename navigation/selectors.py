"""Read queries of navigation: what a user may see, one referral or journey, the assistant's patients."""

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from core.permissions import is_supervisor, require
from core.validators import MAX_ID
from navigation.models import Journey, Referral, Stage
from navigation.rules import is_navigator


def visible_journeys(user: Any) -> QuerySet[Journey]:
    """The ``navigation.view_journey`` rule as a query."""
    journeys = Journey.objects.select_related("case__person__district", "case__organisation", "assistant")
    if is_supervisor.test(user):
        return journeys
    if is_navigator.test(user):
        return journeys.filter(assistant=user)
    return journeys.none()


def visible_referrals(user: Any) -> QuerySet[Referral]:
    """Referrals a user may see: a supervisor all; an assistant those they registered or whose patient they assist."""
    referrals = Referral.objects.select_related("person", "polyclinic", "diagnosis", "case__journey")
    if is_supervisor.test(user):
        return referrals
    if is_navigator.test(user):
        return referrals.filter(Q(created_by=user) | Q(case__journey__assistant=user))
    return referrals.none()


def get_visible_journey(user: Any, pk: int) -> Journey:
    require(user, "navigation.view_journey")
    journey = visible_journeys(user).filter(pk=pk).first() if 0 < pk <= MAX_ID else None
    if journey is None:
        raise Http404
    return journey


def get_visible_referral(user: Any, pk: int) -> Referral:
    require(user, "navigation.register_referral")
    referral = visible_referrals(user).filter(pk=pk).first() if 0 < pk <= MAX_ID else None
    if referral is None:
        raise Http404
    return referral


def my_patients(user: Any) -> list[Journey]:
    return list(visible_journeys(user).filter(assistant=user).exclude(stage=Stage.CLOSED).order_by("stage_since")[:500])


def pending_answers(user: Any) -> list[Referral]:
    found = visible_referrals(user).filter(consent=Referral.Consent.PENDING)
    if not is_supervisor.test(user):
        found = found.filter(created_by=user)
    return list(found.order_by("referred_on", "pk")[:200])
