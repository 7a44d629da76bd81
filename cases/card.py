"""The "Cases" tab of the citizen card, registered in CasesConfig.ready()."""

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from cases.selectors import visible_cases
from core.permissions import own_organisation_id
from people.card import CardTab
from people.models import Person


def cases_tab(request: HttpRequest, person: Person) -> str:
    user = request.user
    cases = list(
        visible_cases(user)
        .filter(person=person)
        .select_related("organisation", "coordinator", "stay")
        .order_by("-created_at")
    )
    own = own_organisation_id(user)
    may_open = user.has_perm("cases.open_case") and not any(c.is_open and c.organisation_id == own for c in cases)
    context = {"person": person, "cases": cases, "may_open": may_open}
    return render_to_string("cases/card/cases.html", context, request=request)


CASES_TAB = CardTab(code="cases", title=_("Cases"), order=60, permission="cases.see_cases_tab", view=cases_tab)
