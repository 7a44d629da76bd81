"""Pages of one patient's journey: the stage and its steps (what is late, by how much, why), the calendar of
appointments, the calls, and the hand-overs to the psychological service and the TCSO."""

import calendar as month_calendar
import datetime
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from audit import services as audit
from audit.models import Action
from cases.feedback import act, report, report_form
from core.actor import Actor
from core.exceptions import ConcurrentEditError, ValidationError
from core.permissions import require
from core.validators import MAX_ID
from navigation import handovers, journeys, selectors, services
from navigation.forms import (
    AddStepForm,
    CallDoneForm,
    DelayForm,
    PsychForm,
    ReassignForm,
    SlotSearchForm,
    StageForm,
    StepDoneForm,
    StepSkipForm,
    TcsoForm,
)
from navigation.models import (
    Appointment,
    AssistantAssignment,
    CallTask,
    Handover,
    Journey,
    JourneyStep,
    Referral,
)
from people.models import ContactPerson

CALENDAR_MONTHS = 3


def month_grid(
    appointments: list[Appointment], today: datetime.date, months: int = CALENDAR_MONTHS
) -> list[dict[str, Any]]:
    """The patient's appointments on month calendars, from this month (or the month of the first appointment
    still to come) for ``months`` months: weeks of days, each with its appointments."""
    by_day: dict[datetime.date, list[Appointment]] = {}
    for appointment in appointments:
        by_day.setdefault(timezone.localdate(appointment.booking.slot.starts_at), []).append(appointment)
    first = today.replace(day=1)
    grids = []
    for offset in range(months):
        month = journeys.add_months(first, offset)
        weeks = [
            [
                {"date": day, "in_month": day.month == month.month, "today": day == today, "items": by_day.get(day, [])}
                for day in week
            ]
            for week in month_calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
        ]
        grids.append({"month": month, "weeks": weeks})
    return grids


def _journey_for_change(request: HttpRequest, pk: int) -> Journey:
    """A journey the user sees (404 otherwise) and works on (403 for a supervisor, who oversees it)."""
    journey = selectors.get_visible_journey(request.user, pk)
    require(request.user, "navigation.change_journey", journey)
    return journey


def _step_for_change(request: HttpRequest, pk: int) -> JourneyStep:
    step = JourneyStep.objects.filter(pk=pk).values_list("journey_id", flat=True).first() if 0 < pk <= MAX_ID else None
    if step is None:
        raise Http404
    journey = _journey_for_change(request, step)
    return JourneyStep.objects.select_related("journey__case").get(pk=pk, journey=journey)


@require_GET
def journey(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.get_visible_journey(request.user, pk)
    actor = Actor.from_request(request)
    audit.record(
        actor=actor, action=Action.VIEW, obj=found.case, person_id=found.case.person_id, details={"section": "journey"}
    )
    today = timezone.localdate()
    may_change = request.user.has_perm("navigation.change_journey", found)
    booked = journeys.booked_dates(found)
    steps = list(JourneyStep.objects.filter(journey=found).order_by("due_on", "pk"))
    rows: list[dict[str, Any]] = [
        {
            "step": step,
            "delay": journeys.delay_of(step, today, booked.get(step.milestone)),
            "done_form": StepDoneForm(initial={"version": step.version}, prefix=f"s{step.pk}"),
            "skip_form": StepSkipForm(initial={"version": step.version}, prefix=f"k{step.pk}"),
            "delay_form": DelayForm(
                initial={"version": step.version, "late_reason": step.late_reason, "note": step.note},
                prefix=f"d{step.pk}",
            ),
        }
        for step in steps
    ]
    appointments = list(
        Appointment.objects.filter(journey=found)
        .select_related("booking__slot__resource__organisation")
        .order_by("booking__slot__starts_at", "pk")
    )
    stages = journeys.next_stages(found)
    calls = list(CallTask.objects.filter(journey=found, done_at__isnull=True).order_by("due_at"))
    psych_services = handovers.psych_services()
    relatives = list(ContactPerson.objects.filter(person=found.case.person).order_by("full_name"))
    context = {
        "journey": found,
        "may_change": may_change,
        "referral": Referral.objects.filter(case=found.case).select_related("diagnosis", "polyclinic").first(),
        "history": list(AssistantAssignment.objects.filter(journey=found).select_related("assistant", "by")),
        "steps": rows,
        "late_count": sum(1 for row in rows if row["delay"] is not None and row["delay"].kind != "done"),
        "upcoming": [a for a in appointments if a.status == Appointment.Status.BOOKED],
        "past": [a for a in appointments if a.status != Appointment.Status.BOOKED][::-1],
        "months": month_grid([a for a in appointments if a.status != Appointment.Status.CANCELLED], today),
        "calls": calls,
        "stage_form": StageForm(stages=stages, initial={"version": found.version}) if stages and may_change else None,
        "add_step_form": AddStepForm(prefix="add") if may_change and found.is_active else None,
        "search_form": SlotSearchForm(),
        "handovers": list(
            Handover.objects.filter(journey=found).select_related(
                "route_step", "help_request__service_type", "help_request__tcso", "created_by"
            )
        ),
        "psych_form": PsychForm(services=psych_services, relatives=relatives, prefix="psy")
        if may_change and found.is_active and psych_services
        else None,
        "tcso_form": TcsoForm(prefix="tcso") if may_change and found.is_active else None,
        "reassign_form": ReassignForm(initial={"version": found.version}, exclude=found.assistant_id, prefix="re")
        if found.is_active and request.user.has_perm("navigation.reassign", found)
        else None,
        "today": today,
    }
    for task in calls:
        task.done_form = CallDoneForm(initial={"version": task.version}, prefix=f"c{task.pk}")  # type: ignore[attr-defined]
    return render(request, "navigation/journey.html", context)


def _back(journey_pk: int, anchor: str = "") -> HttpResponse:
    response = redirect("navigation:journey", journey_pk)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


@require_POST
def move_stage(request: HttpRequest, pk: int) -> HttpResponse:
    found = _journey_for_change(request, pk)
    form = StageForm(request.POST, stages=journeys.next_stages(found))
    if not form.is_valid():
        report_form(request, form)
        return _back(pk)
    data = form.cleaned_data
    try:
        moved = journeys.move_stage(
            actor=Actor.from_request(request),
            journey=found,
            to=data["stage"],
            began_on=data["began_on"],
            expected_version=data["version"],
            diagnosis_result=data["diagnosis_result"],
            closed_because=data["closed_because"],
        )
    except (ValidationError, ConcurrentEditError) as error:
        report(request, error)
        return _back(pk)
    messages.success(request, _("The journey is at the stage «%(stage)s».") % {"stage": moved.get_stage_display()})
    return _back(pk, "steps")


@require_POST
def step_done(request: HttpRequest, pk: int) -> HttpResponse:
    step = _step_for_change(request, pk)

    def done(data: dict[str, Any]) -> str:
        journeys.complete_step(
            actor=Actor.from_request(request),
            step=step,
            done_on=data["done_on"],
            expected_version=data["version"],
            late_reason=data["late_reason"],
            note=data["note"],
        )
        return _("The step «%(step)s» is done.") % {"step": step.title}

    return act(request, StepDoneForm(request.POST, prefix=f"s{step.pk}"), done, _back(step.journey_id, "steps"))


@require_POST
def step_skip(request: HttpRequest, pk: int) -> HttpResponse:
    step = _step_for_change(request, pk)

    def skip(data: dict[str, Any]) -> str:
        journeys.skip_step(
            actor=Actor.from_request(request), step=step, reason=data["note"], expected_version=data["version"]
        )
        return _("The step «%(step)s» is marked as not needed.") % {"step": step.title}

    return act(request, StepSkipForm(request.POST, prefix=f"k{step.pk}"), skip, _back(step.journey_id, "steps"))


@require_POST
def step_delay(request: HttpRequest, pk: int) -> HttpResponse:
    step = _step_for_change(request, pk)

    def explain(data: dict[str, Any]) -> str:
        journeys.explain_delay(
            actor=Actor.from_request(request),
            step=step,
            reason=data["late_reason"],
            note=data["note"],
            expected_version=data["version"],
        )
        return _("The reason for the delay is recorded.")

    return act(request, DelayForm(request.POST, prefix=f"d{step.pk}"), explain, _back(step.journey_id, "steps"))


@require_POST
def step_add(request: HttpRequest, pk: int) -> HttpResponse:
    found = _journey_for_change(request, pk)

    def add(data: dict[str, Any]) -> str:
        journeys.add_step(actor=Actor.from_request(request), journey=found, **data)
        return _("The step is added.")

    return act(request, AddStepForm(request.POST, prefix="add"), add, _back(pk, "steps"))


@require_POST
def ask_psychologist(request: HttpRequest, pk: int) -> HttpResponse:
    found = _journey_for_change(request, pk)
    relatives = list(ContactPerson.objects.filter(person=found.case.person))
    form = PsychForm(request.POST, services=handovers.psych_services(), relatives=relatives, prefix="psy")
    if not form.is_valid():
        report_form(request, form)
        return _back(pk, "handovers")
    relative_pk = form.cleaned_data["relative"]
    try:
        handovers.ask_psychologist(
            actor=Actor.from_request(request),
            journey=found,
            service=form.cleaned_data["service"],
            relative=next((r for r in relatives if r.pk == relative_pk), None),
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        report(request, error)
    else:
        messages.success(
            request,
            _("The psychological service is asked for a consultation; its psychologists see it on their day."),
        )
    return _back(pk, "handovers")


@require_POST
def ask_tcso(request: HttpRequest, pk: int) -> HttpResponse:
    found = _journey_for_change(request, pk)

    def ask(data: dict[str, Any]) -> str:
        handover = handovers.ask_tcso(actor=Actor.from_request(request), journey=found, **data)
        assert handover.help_request is not None
        return _("Request № %(n)s is sent to %(tcso)s.") % {
            "n": handover.help_request.pk,
            "tcso": handover.help_request.tcso,
        }

    return act(request, TcsoForm(request.POST, prefix="tcso"), ask, _back(pk, "handovers"))


@require_POST
def call_done(request: HttpRequest, pk: int) -> HttpResponse:
    """The assistant made the call: its result is recorded and the task leaves the list."""
    task = CallTask.objects.select_related("journey__case").filter(pk=pk).first() if 0 < pk <= MAX_ID else None
    if task is None or task.assigned_to_id != request.user.pk:
        raise Http404
    require(request.user, "navigation.change_journey", task.journey)
    form = CallDoneForm(request.POST, prefix=f"c{task.pk}")
    back = request.POST.get("next") == "home"
    if not form.is_valid():
        report_form(request, form)
    else:
        try:
            journeys.finish_call(
                actor=Actor.from_request(request),
                task=task,
                result=form.cleaned_data["result"],
                expected_version=form.cleaned_data["version"],
            )
        except (ValidationError, ConcurrentEditError) as error:
            report(request, error)
        else:
            messages.success(request, _("The call is recorded."))
    if back:
        return redirect("navigation:home")
    return _back(task.journey_id, "calls")


@require_POST
def reassign(request: HttpRequest, pk: int) -> HttpResponse:
    """A supervisor gives the patient another assistant (a leave, a caseload to even out), with the reason."""
    found = selectors.get_visible_journey(request.user, pk)
    require(request.user, "navigation.reassign", found)

    def give(data: dict[str, Any]) -> str:
        moved = services.reassign(
            actor=Actor.from_request(request),
            journey=found,
            assistant=data["assistant"],
            reason=data["reason"],
            expected_version=data["version"],
        )
        name = moved.assistant.get_full_name() or moved.assistant.get_username()
        return _("The patient is assigned to %(name)s; the calls not yet made go too.") % {"name": name}

    form = ReassignForm(request.POST, exclude=found.assistant_id, prefix="re")
    return act(request, form, give, _back(pk, "assistant"))
