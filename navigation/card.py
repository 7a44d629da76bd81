"""The "Oncology" tab of the citizen card, registered in NavigationConfig.ready(): the patient's referrals to
an oncologist, the answer to the offer of a personal assistant, the journey's stage and assistant — for the
patient's own assistant and supervisors (``navigation.see_tab``)."""

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from navigation.models import Appointment
from navigation.selectors import next_steps, visible_journeys, visible_referrals
from people.card import CardTab
from people.models import Person


def navigation_tab(request: HttpRequest, person: Person) -> str:
    referrals = list(visible_referrals(request.user).filter(person=person).order_by("-referred_on", "-pk")[:50])
    journeys = list(visible_journeys(request.user).filter(case__person=person))
    following = next_steps(journeys)
    booked = (
        Appointment.objects.filter(
            journey__in=journeys, status=Appointment.Status.BOOKED, booking__slot__starts_at__gte=timezone.now()
        )
        .select_related("booking__slot__resource__organisation")
        .order_by("booking__slot__starts_at")
    )
    for journey in journeys:
        journey.next_step = following.get(journey.pk)  # type: ignore[attr-defined]
        journey.upcoming = [a for a in booked if a.journey_id == journey.pk][:3]  # type: ignore[attr-defined]
    context = {
        "person": person,
        "referrals": referrals,
        "journeys": journeys,
        "may_register": request.user.has_perm("navigation.register_referral"),
    }
    return render_to_string("navigation/card/navigation.html", context, request=request)


NAVIGATION_TAB = CardTab(
    code="oncology", title=_("Oncology"), order=80, permission="navigation.see_tab", view=navigation_tab
)
