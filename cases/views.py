"""Pages of hospital social coordination: the worklist, opening a case, the case with its route of help."""

import datetime
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases import selectors, services, views_crisis, workflow
from cases.feedback import report, report_form
from cases.forms import AssessmentForm, CloseForm, MoveForm, OpenCaseForm, StayForm, StepForm
from cases.models import Case, RouteStep
from cases.views_family import family_context
from cases.views_handoff import handoff_context
from core.actor import Actor
from core.exceptions import ConcurrentEditError, ValidationError
from core.permissions import require
from people import selectors as people_selectors
from people import services as people_services
from people.selectors import get_visible_person


def _stay(data: dict[str, Any]) -> services.StayDetails:
    """The stay as the open-case and stay forms give it."""
    return services.StayDetails(
        department=data["department"],
        emergency_not_admitted=data["emergency_not_admitted"],
        admitted_on=data["admitted_on"],
        expected_discharge_on=data["expected_discharge_on"],
    )


@require_GET
def worklist(request: HttpRequest) -> HttpResponse:
    require(request.user, "cases.view_case")
    mine = request.GET.get("all") != "1"
    data = selectors.worklist(request.user, mine_only=mine)
    context = {
        "worklist": data,
        "mine": mine,
        "today": timezone.localdate(),
        "crises": views_crisis.decorated_open_crises(request),
    }
    return render(request, "cases/worklist.html", context)


def open_case(request: HttpRequest, person_pk: int) -> HttpResponse:
    require(request.user, "cases.open_case")
    person = get_visible_person(request.user, person_pk, perm="people.search_person")
    form = OpenCaseForm(request.POST or None, initial={"admitted_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.open_hospital_case(
                actor=Actor.from_request(request), person=person, reason=data["reason"], stay=_stay(data)
            )
        except ValidationError as error:
            for name, problems in error.message_dict.items():
                for problem in problems:
                    form.add_error(name if name in form.fields else None, problem)
        else:
            messages.success(request, _("Case № %(n)s opened. Now find out what the patient needs.") % {"n": case.pk})
            return redirect("cases:detail", case.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "cases/open.html", {"form": form, "person": person}, status=status)


def _proposals(case: Case) -> list[services.StepProposal]:
    latest = case.assessments.order_by("-number").first()
    return services.proposals_for(case, latest.needs) if latest else []


@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_visible_case(request.user, pk)
    steps = list(case.steps.order_by("position", "pk"))
    today = timezone.localdate()
    for step in steps:
        step.moves = workflow.moves(step.status)  # type: ignore[attr-defined]
        step.is_overdue = step.overdue(today)  # type: ignore[attr-defined]
        step.is_due_soon = step.due_soon(today)  # type: ignore[attr-defined]
    latest = case.assessments.order_by("-number").first()
    can_change = request.user.has_perm("cases.change_case", case)
    stay = getattr(case, "stay", None)
    context: dict[str, Any] = {
        "case": case,
        "stay": stay,
        "steps": steps,
        "assessment": latest,
        "assessments_count": case.assessments.count(),
        "can_change": can_change and case.is_open,
        "proposals": _proposals(case) if can_change and case.is_open else [],
        "assessment_form": AssessmentForm(initial={"needs": latest.needs if latest else []}),
        "step_form": StepForm(),
        "stay_form": StayForm(
            initial={
                "version": case.version,
                "department": stay.department if stay else "",
                "emergency_not_admitted": stay.emergency_not_admitted if stay else False,
                "admitted_on": stay.admitted_on if stay else None,
                "expected_discharge_on": stay.expected_discharge_on if stay else None,
                "discharged_on": stay.discharged_on if stay else None,
            }
        ),
        "close_form": CloseForm(initial={"version": case.version}),
        "reason_required": workflow.REASON_REQUIRED,
        "may_open_card": request.user.has_perm("people.view_person", case.person),
    }
    context.update(handoff_context(case, request.user, can_change and case.is_open))
    for step in steps:
        step.live_handoff = context["handoff_by_step"].get(step.pk)  # type: ignore[attr-defined]
    context.update(family_context(case, request.user))
    context.update(views_crisis.crisis_context(request, case, can_change=can_change and case.is_open))
    return render(request, "cases/detail.html", context)


@require_POST
def assess(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_visible_case(request.user, pk, perm="cases.change_case")
    form = AssessmentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the needs from the list."))
        return redirect("cases:detail", pk)
    try:
        assessment = services.assess_needs(
            actor=Actor.from_request(request),
            case=case,
            needs=form.cleaned_data["needs"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        report(request, error)
    else:
        if assessment.needs:
            messages.success(request, _("Needs recorded. Check the proposed steps and add them to the route."))
        else:
            messages.success(request, _("Recorded: no needs found."))
    return redirect("cases:detail", pk)


def _date(value: str) -> datetime.date | None:
    try:
        day = datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None
    return day


@require_POST
def accept_proposals(request: HttpRequest, pk: int) -> HttpResponse:
    """Add the ticked proposals, with the titles and dates as the coordinator edited them."""
    case = selectors.get_visible_case(request.user, pk, perm="cases.change_case")
    proposals = _proposals(case)
    chosen = []
    for index, proposal in enumerate(proposals):
        if request.POST.get(f"take-{index}") != "on":
            continue
        chosen.append(
            services.NewStep(
                title=request.POST.get(f"title-{index}", proposal.title)[:200],
                kind=proposal.kind,
                responsible=proposal.responsible,
                due_on=_date(request.POST.get(f"due-{index}", "")) or proposal.due_on,
                need=proposal.need,
            )
        )
    try:
        added = services.add_steps(actor=Actor.from_request(request), case=case, steps=chosen)
    except ValidationError as error:
        report(request, error)
    else:
        messages.success(request, _("Steps added to the route: %(n)d.") % {"n": len(added)})
    return redirect("cases:detail", pk)


@require_POST
def add_step(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_visible_case(request.user, pk, perm="cases.change_case")
    form = StepForm(request.POST)
    if not form.is_valid():
        report_form(request, form)
        return redirect("cases:detail", pk)
    data = form.cleaned_data
    step = services.NewStep(
        title=data["title"], kind=data["kind"], responsible=data["responsible"], due_on=data["due_on"]
    )
    try:
        services.add_steps(actor=Actor.from_request(request), case=case, steps=[step])
    except ValidationError as error:
        report(request, error)
    else:
        messages.success(request, _("Step added."))
    return redirect("cases:detail", pk)


@require_POST
def move_step(request: HttpRequest, pk: int, step_pk: int) -> HttpResponse:
    case = selectors.get_visible_case(request.user, pk, perm="cases.change_case")
    step = get_object_or_404(RouteStep.objects.select_related("case"), pk=step_pk, case=case)
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The page was out of date. Try again."))
        return redirect("cases:detail", pk)
    data = form.cleaned_data
    try:
        services.move_step(
            actor=Actor.from_request(request),
            step=step,
            to=data["to"],
            expected_version=data["version"],
            result=data["result"],
            reason=data["reason"],
        )
    except (ValidationError, ConcurrentEditError) as error:
        report(request, error)
    else:
        messages.success(
            request, _("Step “%(title)s”: %(status)s.") % {"title": step.title, "status": step.get_status_display()}
        )
    return redirect("cases:detail", pk)


@require_POST
def update_stay(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_visible_case(request.user, pk, perm="cases.change_case")
    form = StayForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the dates."))
        return redirect("cases:detail", pk)
    data = form.cleaned_data
    try:
        services.update_stay(
            actor=Actor.from_request(request),
            case=case,
            stay=_stay(data),
            discharged_on=data["discharged_on"],
            expected_version=data["version"],
        )
    except (ValidationError, ConcurrentEditError) as error:
        report(request, error)
    else:
        messages.success(request, _("The stay is saved."))
    return redirect("cases:detail", pk)


@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_visible_case(request.user, pk, perm="cases.change_case")
    form = CloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose how the case ended."))
        return redirect("cases:detail", pk)
    try:
        services.close_case(
            actor=Actor.from_request(request),
            case=case,
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
            expected_version=form.cleaned_data["version"],
        )
    except (ValidationError, ConcurrentEditError) as error:
        report(request, error)
    else:
        messages.success(request, _("Case № %(n)s closed.") % {"n": case.pk})
    return redirect("cases:detail", pk)


@require_GET
def find_patient(request: HttpRequest) -> HttpResponse:
    """Find a patient to open a case for: name, birth date and district only, the card stays closed
    until the case is opened (with its reason, in the journal)."""
    require(request.user, "cases.open_case")
    raw = request.GET.get("q", "").strip()[:200]
    query = people_selectors.parse_query(raw)
    results: list[people_selectors.FoundPerson] = []
    if not query.is_empty:
        results = people_selectors.find_people(request.user, query, limit=20)
        people_services.record_search(actor=Actor.from_request(request), kind=query.kind, results=results)
    context = {"q": raw, "results": results, "searched": not query.is_empty, "unparsed": bool(raw) and query.is_empty}
    return render(request, "cases/find.html", context)


@require_GET
def route_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable route of help for the patient (journaled as an export)."""
    case = selectors.get_visible_case(request.user, pk)
    pdf = services.export_route(actor=Actor.from_request(request), case=case)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="route-{case.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
