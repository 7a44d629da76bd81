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
        if tcso is None:
            raise PermissionDenied
    when = period(filters.cleaned_data.get("period") or "today")
    context = {
        "panels": figures.panels(user, tcso, when),
        "period": when,
        "tcso": tcso,
        "tcsos": Organisation.objects.filter(kind=Organisation.Kind.TCSO).order_by("name") if city else [],
    }
    return render(request, "reports/dashboard.html", context)
