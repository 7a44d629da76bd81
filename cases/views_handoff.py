"""Pages of the hand-off to the TCSO: hand a step over, withdraw it, and the list of hand-offs."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases import handoffs, selectors
from cases.feedback import report, report_form
from cases.forms import HandoffForm, WithdrawHandoffForm
from cases.models import Case, Handoff, RouteStep
from core.actor import Actor
from core.exceptions import ConcurrentEditError, ValidationError
from core.permissions import require
from people.models import Consent


def _open_steps(case: Case) -> list[RouteStep]:
    """Steps that can be handed over: unfinished, not handed over now; the TCSO's own first."""
    live = Handoff.objects.filter(case=case, status__in=selectors.LIVE_HANDOFF_STATUSES).values("step_id")
    steps = case.steps.filter(selectors.open_steps()).exclude(pk__in=live).order_by("position", "pk")
    return sorted(steps, key=lambda s: (s.responsible != "tcso", s.position, s.pk))


def handoff_context(case: Case, user: Any, can_change: bool) -> dict[str, Any]:
    """What the case page's “Hand-off to the TCSO” section shows."""
    rows = list(
        case.handoffs.select_related("tcso", "request__service_type", "step", "created_by").order_by("-created_at")
    )
    steps = _open_steps(case) if can_change else []
    return {
        "handoffs": rows,
        "handoff_by_step": {h.step_id: h for h in rows if h.is_live},
        "share_consent": handoffs.consent_to_share(case),
        "share_scope": Consent.Scope.SHARE_WITH_TCSO,
        "handoff_form": HandoffForm(steps=[(s.pk, s.title) for s in steps]) if steps else None,
        "withdraw_forms": {h.pk: WithdrawHandoffForm(initial={"version": h.version}) for h in rows if h.is_live},
    }


@require_POST
def hand_over(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_visible_case(request.user, pk, perm="cases.change_case")
    steps = _open_steps(case)
    form = HandoffForm(request.POST, steps=[(s.pk, s.title) for s in steps])
    if not form.is_valid():
        report_form(request, form)
        return redirect("cases:detail", pk)
    step = next(s for s in steps if s.pk == form.cleaned_data["step"])
    step.case = case
    try:
        handoff = handoffs.create_handoff(
            actor=Actor.from_request(request),
            step=step,
            service_type=form.cleaned_data["service_type"],
            details=form.cleaned_data["details"],
            urgency=form.cleaned_data["urgency"],
        )
    except ValidationError as error:
        report(request, error)
    else:
        messages.success(
            request,
            _("Handed over to %(tcso)s: request № %(n)s. The case shows its progress.")
            % {"tcso": handoff.tcso, "n": handoff.request_id},
        )
    return redirect("cases:detail", pk)


@require_POST
def withdraw(request: HttpRequest, pk: int, handoff_pk: int) -> HttpResponse:
    case = selectors.get_visible_case(request.user, pk, perm="cases.change_case")
    handoff = get_object_or_404(Handoff.objects.select_related("case"), pk=handoff_pk, case=case)
    form = WithdrawHandoffForm(request.POST)
    if not form.is_valid():
        report_form(request, form)
        return redirect("cases:detail", pk)
    try:
        handoffs.cancel_handoff(
            actor=Actor.from_request(request),
            handoff=handoff,
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"],
        )
    except (ValidationError, ConcurrentEditError) as error:
        report(request, error)
    else:
        messages.success(
            request, _("The hand-off is withdrawn; request № %(n)s is cancelled.") % {"n": handoff.request_id}
        )
    return redirect("cases:detail", pk)


@require_GET
def handoff_list(request: HttpRequest) -> HttpResponse:
    """Hand-offs from hospitals: a dispatcher's to their TCSO, a coordinator's from their hospital."""
    require(request.user, "cases.view_handoffs")
    live_only = request.GET.get("all") != "1"
    rows = selectors.handoff_list(request.user, live_only=live_only)
    now = timezone.now()
    for row in rows:
        row.overdue = row.status == Handoff.Status.REQUESTED and row.accept_by < now  # type: ignore[attr-defined]
    context = {
        "rows": rows,
        "live_only": live_only,
        "escalated": sum(1 for r in rows if r.escalated_at and r.status == Handoff.Status.REQUESTED),
        "waiting": sum(1 for r in rows if r.status == Handoff.Status.REQUESTED),
        "may_open_cases": request.user.has_perm("cases.view_case"),
    }
    return render(request, "cases/handoffs.html", context)
