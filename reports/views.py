from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from assistance.selectors import own_tcso
from core.permissions import require
from directory.models import Organisation
from reports import figures
from reports.forms import DashboardFilters
from reports.periods import period
from reports.rules import is_coordinator


def _own_organisation(user: User) -> Organisation | None:
    worker = getattr(user, "worker", None)
    return worker.organisation if worker is not None else None


def dashboard(request: HttpRequest) -> HttpResponse:
    """Every domain's panel of figures (reports/figures/), over the whole city or one TCSO.

    Who may see the city and choose a TCSO is the rule ``reports.view_city_figures``; the others see their
    own TCSO's. Each panel narrows itself to what the user may count.
    """
    user = request.user
    assert isinstance(user, User)
    require(user, "reports.view_dashboard")
    filters = DashboardFilters(request.GET)
    filters.is_valid()  # a field that does not parse is left out of cleaned_data
    city = user.has_perm("reports.view_city_figures")
    tcso: Organisation | None
    if city:
        tcso = filters.cleaned_data.get("tcso")
    else:
        tcso = own_tcso(user)
        # A dispatcher of no TCSO, or a coordinator of no hospital, has nothing of his own to count.
        if tcso is None and not (is_coordinator.test(user) and _own_organisation(user) is not None):
            raise PermissionDenied
    when = period(filters.cleaned_data.get("period") or "today")
    context = {
        "panels": figures.panels(user, tcso, when),
        "period": when,
        "tcso": tcso,
        # What the figures cover, for the heading: the TCSO chosen, a coordinator's hospital, or the city.
        "scope_name": tcso or (_own_organisation(user) if not city else None),
        "tcsos": Organisation.objects.filter(kind=Organisation.Kind.TCSO).order_by("name") if city else [],
    }
    return render(request, "reports/dashboard.html", context)
