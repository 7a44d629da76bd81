"""Pages of crises: marking one on the case page, the crisis list, taking a crisis and ending it."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases import crisis, selectors
from cases.feedback import report, report_form
from cases.forms import CrisisForm, EndCrisisForm
from cases.models import Case, CrisisAlert
from core.actor import Actor
from core.exceptions import ValidationError
from core.permissions import require


def elapsed(minutes: int) -> str:
    """«12 min», «2 h 05 min»: how long a crisis has waited, as the list and the banner say it."""
    minutes = max(minutes, 0)
    if minutes < 60:
        return _("%(m)d min") % {"m": minutes}
    return _("%(h)d h %(m)02d min") % {"h": minutes // 60, "m": minutes % 60}


def _decorate(alert: CrisisAlert, user: Any, now: Any) -> CrisisAlert:
    """What the templates show of a crisis: time since it was marked, and what this user may do."""
    waited = int((now - alert.raised_at).total_seconds() // 60)
    alert.since = elapsed(waited)  # type: ignore[attr-defined]
    answered = alert.minutes_to_answer
    alert.answered_in = elapsed(answered) if answered is not None else ""  # type: ignore[attr-defined]
    alert.may_answer = alert.answered_at is None and user.has_perm("cases.answer_crisis", alert)  # type: ignore[attr-defined]
    alert.may_end = alert.ended_at is None and user.has_perm("cases.end_crisis", alert)  # type: ignore[attr-defined]
    return alert


def crisis_context(request: HttpRequest, case: Case, *, can_change: bool) -> dict[str, Any]:
    """The crisis section of the case page: the open crisis, the form to mark one, the earlier ones."""
    alerts = list(case.crises.select_related("raised_by", "answered_by", "ended_by").order_by("-raised_at", "-pk"))
    now = timezone.now()
    current = next((a for a in alerts if a.ended_at is None), None)
    return {
        "crisis": _decorate(current, request.user, now) if current is not None else None,
        "crisis_history": [_decorate(a, request.user, now) for a in alerts if a.ended_at is not None],
        "may_mark_crisis": can_change and current is None,
        "crisis_form": CrisisForm(),
        "end_crisis_form": EndCrisisForm(),
    }


def decorated_open_crises(request: HttpRequest) -> list[CrisisAlert]:
    now = timezone.now()
    return [_decorate(alert, request.user, now) for alert in selectors.open_crises(request.user)]


@require_POST
def mark(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_visible_case(request.user, pk, perm="cases.change_case")
    form = CrisisForm(request.POST)
    if not form.is_valid():
        report_form(request, form)
        return redirect("cases:detail", pk)
    try:
        alert = crisis.mark_crisis(actor=Actor.from_request(request), case=case, note=form.cleaned_data["note"])
    except ValidationError as error:
        report(request, error)
    else:
        told = ", ".join(crisis.person_name(user) for user in crisis.recipients(case))
        time = timezone.localtime(alert.raised_at).strftime("%H:%M")
        if told:
            messages.success(request, _("Crisis marked at %(time)s. Told: %(who)s.") % {"time": time, "who": told})
        else:
            messages.warning(
                request,
                _(
                    "Crisis marked at %(time)s, but the hospital has no psychologist or supervisor in Opora "
                    "to tell: call them."
                )
                % {"time": time},
            )
    return redirect("cases:detail", pk)


@require_GET
def crises(request: HttpRequest) -> HttpResponse:
    """The open crises of the user's hospital (every hospital for a city supervisor), unanswered first."""
    require(request.user, "cases.view_crises")
    alerts = decorated_open_crises(request)
    context = {
        "alerts": alerts,
        "unanswered": sum(1 for a in alerts if a.answered_at is None),
        "may_view_cases": request.user.has_perm("cases.view_case"),
    }
    return render(request, "cases/crises.html", context)


@require_POST
def answer(request: HttpRequest, alert_pk: int) -> HttpResponse:
    alert = selectors.get_visible_crisis(request.user, alert_pk, perm="cases.answer_crisis")
    try:
        crisis.answer_crisis(actor=Actor.from_request(request), alert=alert)
    except ValidationError as error:
        report(request, error)
    else:
        messages.success(
            request,
            _("You took the crisis on case № %(n)s. Go to the patient: %(department)s.")
            % {"n": alert.case_id, "department": _department(alert)},
        )
    return redirect("cases:crises")


def _department(alert: CrisisAlert) -> str:
    stay = getattr(alert.case, "stay", None)
    return stay.department if stay is not None and stay.department else "—"


@require_POST
def end(request: HttpRequest, alert_pk: int) -> HttpResponse:
    alert = selectors.get_visible_crisis(request.user, alert_pk, perm="cases.end_crisis")
    # Back to the case page when the form was there and the user may read it, else to the crisis list.
    back_to_case = request.POST.get("back") == "case" and request.user.has_perm("cases.view_case", alert.case)
    form = EndCrisisForm(request.POST)
    if not form.is_valid():
        report_form(request, form)
    else:
        try:
            crisis.end_crisis(actor=Actor.from_request(request), alert=alert, outcome=form.cleaned_data["outcome"])
        except ValidationError as error:
            report(request, error)
        else:
            messages.success(request, _("The crisis on case № %(n)s is over.") % {"n": alert.case_id})
    return redirect("cases:detail", alert.case_id) if back_to_case else redirect("cases:crises")
