"""The "Psychological help" tab of the citizen card, registered in PsychConfig.ready(): the consultations
the user may see (metadata only: date, format, mode, service, duration, topic, status) and, for the
service's psychologists, the links to book or queue the citizen. Never a note."""

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from people.card import CardTab
from people.models import Person
from psych.selectors import visible_consultations


def psych_tab(request: HttpRequest, person: Person) -> str:
    consultations = list(
        visible_consultations(request.user)
        .filter(person=person)
        .select_related("organisation", "place", "topic__parent", "psychologist")
        .order_by("-created_at", "-pk")[:100]
    )
    context = {
        "person": person,
        "consultations": consultations,
        "may_book": request.user.has_perm("psych.register_consultation"),
    }
    return render_to_string("psych/card/psych.html", context, request=request)


PSYCH_TAB = CardTab(
    code="psych", title=_("Psychological help"), order=70, permission="psych.see_psych_tab", view=psych_tab
)
