"""Calls and visits on the citizen card: a section of the "Requests" tab, registered in IntakeConfig.ready()."""

from django.http import HttpRequest
from django.template.loader import render_to_string

from intake.models import Interaction
from people.card import CardSection
from people.models import Person


def interactions_section(request: HttpRequest, person: Person) -> str:
    interactions = list(
        Interaction.objects.filter(person=person)
        .select_related("operator", "caller_contact")
        .order_by("-started_at", "-id")[:50]
    )
    return render_to_string("intake/card/interactions.html", {"interactions": interactions}, request=request)


INTERACTIONS_SECTION = CardSection(tab="requests", code="interactions", order=10, view=interactions_section)
