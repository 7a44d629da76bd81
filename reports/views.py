from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from assistance.models import HelpRequest, Status
from assistance.selectors import own_tcso
from core.roles import Role, has_role
from directory.models import Organisation
from intake.models import Interaction
from reports.figures import call_figures, period, request_figures


def dashboard(request: HttpRequest) -> HttpResponse:
    """Requests by status and type, share fulfilled, median time to done, overdue now.

    Dispatchers see their TCSO; supervisors and the call centre the whole city or one TCSO.
    """
    user = request.user
    assert isinstance(user, User)
    if not user.has_perm("reports.view_dashboard"):
        raise PermissionDenied
    scope = HelpRequest.objects.all()
    tcso = None
    if has_role(user, Role.SUPERVISOR, Role.OPERATOR):
        tcso_id = request.GET.get("tcso", "")
        if tcso_id.isdigit():
            tcso = Organisation.objects.filter(pk=int(tcso_id), kind=Organisation.Kind.TCSO).first()
    else:
        tcso = own_tcso(user)
        if tcso is None:
            raise PermissionDenied
    calls = Interaction.objects.all()
    if tcso is not None:
        scope = scope.filter(tcso=tcso)
        calls = calls.filter(person__district__in=tcso.districts.all())
    when = period(request.GET.get("period", "today"))
    context = {
        "figures": request_figures(scope, when),
        "calls": call_figures(calls, when),
        "period": when,
        "tcso": tcso,
        "statuses": Status.choices,
        "tcsos": Organisation.objects.filter(kind=Organisation.Kind.TCSO).order_by("name")
        if has_role(user, Role.SUPERVISOR, Role.OPERATOR)
        else [],
    }
    return render(request, "reports/dashboard.html", context)
