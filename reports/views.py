from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from assistance.selectors import own_tcso
from core.permissions import require
from directory.models import Organisation
from reports import export as exporting
from reports import figures
from reports.forms import DashboardFilters
from reports.periods import between, period
from reports.rules import is_coordinator


def _own_organisation(user: User) -> Organisation | None:
    worker = getattr(user, "worker", None)
    return worker.organisation if worker is not None else None


def _context(request: HttpRequest) -> dict[str, Any]:
    """The dashboard's figures for this user and query string; PermissionDenied for who may not see them.

    Who may see the city and choose a TCSO is the rule ``reports.view_city_figures``; the others see their
    own TCSO's. Each panel narrows itself to what the user may count. The page and its export share this.
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
    dates = filters.date_range()
    when = between(*dates) if dates else period(filters.cleaned_data.get("period") or "today")
    period_errors = [
        *filters.non_field_errors(),
        *filters.errors.get("date_from", []),
        *filters.errors.get("date_to", []),
    ]
    return {
        "panels": figures.panels(user, tcso, when),
        "period": when,
        "tcso": tcso,
        "filters": filters,
        "period_errors": period_errors,
        "query": request.GET.urlencode(),
        # What the figures cover, for the heading: the TCSO chosen, a coordinator's hospital, or the city.
        "scope_name": tcso or (_own_organisation(user) if not city else None),
        "tcsos": Organisation.objects.filter(kind=Organisation.Kind.TCSO).order_by("name") if city else [],
    }


def dashboard(request: HttpRequest) -> HttpResponse:
    """Every domain's panel of figures (reports/figures/), over the whole city or one TCSO."""
    return render(request, "reports/dashboard.html", _context(request))


def export(request: HttpRequest, fmt: str) -> HttpResponse:
    """What the dashboard shows for the same query string, as CSV or XLSX. Aggregates only, no personal data,
    so nothing is journaled; who may not see the page may not export it (the same ``_context``)."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    context = _context(request)
    html = render_to_string("reports/_panels.html", context, request=request)
    sheet = exporting.read(html, _("Figures"))
    when = context["period"]
    scope = str(context["scope_name"] or _("the whole city"))
    start = timezone.localtime(when.start).strftime("%d.%m.%Y %H:%M")
    end = timezone.localtime(when.end).strftime("%d.%m.%Y %H:%M")
    heading = [
        [_("Dashboard"), scope],
        [_("Period (Moscow time)"), f"{start} – {end}"],
        [_("Exported"), timezone.localtime().strftime("%d.%m.%Y %H:%M")],
    ]
    stamp = timezone.localtime(when.start).strftime("%Y%m%d") + "-" + timezone.localtime(when.end).strftime("%Y%m%d")
    if fmt == "csv":
        response = HttpResponse(exporting.to_csv(heading, sheet), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            exporting.to_xlsx(heading, sheet, _("Dashboard")),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="dashboard-{stamp}.{fmt}"'
    return response
