"""The patient's way through the programme's stages and the steps each stage brings (issue 14, §2).

Suspicion → diagnostics → diagnosis (confirmed, or excluded: the journey closes) → treatment → follow-up
(lifelong), or closed at any stage (excluded, moved, declined, died). Entering a stage gives the journey
the steps of its templates (``StepTemplate``, kept by administrators), each due a target number of working
days after the day the stage began, on the production calendar (``scheduling.workdays``). The defaults
are the current Russian rules: the oncologist within 3 working days of the suspicion, diagnostics within 7
working days of being ordered, dispensary observation within 3 working days of the diagnosis, treatment
within 7 working days of it; follow-up visits every 3 months in the first year, every 6 in the second,
then yearly for life.

A step is done when the patient attends an appointment of its kind (``on_attended``, from
``navigation.appointments.record_outcome``) or when the assistant marks it done with the date. A late step
says by how many working days, and the assistant records why.
"""

import calendar as month_calendar
import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit import services as audit
from audit.models import Action
from core.actor import Actor
from core.exceptions import ConcurrentEditError, ValidationError
from core.permissions import require
from core.validators import clean_field
from navigation.models import (
    MILESTONE_OF_APPOINTMENT,
    Appointment,
    CallTask,
    Journey,
    JourneyStep,
    LateReason,
    Milestone,
    Referral,
    Stage,
    StepTemplate,
)
from scheduling import services as slot_calendar
from scheduling.workdays import add_working_days, working_days_between

# The stages in the order a journey passes them; «closed» ends any of them.
STAGE_ORDER: tuple[str, ...] = (
    Stage.SUSPICION,
    Stage.DIAGNOSTICS,
    Stage.DIAGNOSIS,
    Stage.TREATMENT,
    Stage.FOLLOW_UP,
)
OPEN = JourneyStep.Status.OPEN
DONE = JourneyStep.Status.DONE


def _journal(actor: Actor, journey: Journey, fields: list[str], **details: object) -> None:
    audit.record(
        actor=actor,
        action=Action.CHANGE,
        obj=journey.case,
        person_id=journey.case.person_id,
        fields=fields,
        details=details,
    )


# --- dates ------------------------------------------------------------------------------------------------


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later (the month's last day when it is shorter: 31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, month_calendar.monthrange(year, month)[1]))


def referral_date(journey: Journey) -> datetime.date:
    """The day the way began: the referral (the day the case was opened when there is none)."""
    referred_on = Referral.objects.filter(case_id=journey.case_id).values_list("referred_on", flat=True).first()
    return referred_on or timezone.localdate(journey.case.created_at)


def start_of(day: datetime.date) -> datetime.datetime:
    """The day's first moment in the city's time zone (a stage is «since» the day it began)."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_current_timezone())


@dataclass(frozen=True)
class Delay:
    """How late a step is, in working days: done late, late now, or booked for after its due date."""

    days: int
    kind: str  # "done" | "open" | "booked"
    booked_for: datetime.date | None = None


def delay_of(
    step: JourneyStep, today: datetime.date | None = None, booked_for: datetime.date | None = None
) -> Delay | None:
    """``None`` when the step is (or will be, as booked) on time."""
    today = today or timezone.localdate()
    if step.status == DONE and step.done_on is not None:
        late = working_days_between(step.due_on, step.done_on)
        return Delay(late, "done") if late > 0 else None
    if step.status != OPEN:
        return None
    # Late from the first working day after the due date (due on Friday, not done: late on Monday).
    if today > step.due_on and (late := working_days_between(step.due_on, today)) > 0:
        return Delay(late, "open", booked_for)
    if booked_for is not None and booked_for > step.due_on:
        return Delay(working_days_between(step.due_on, booked_for), "booked", booked_for)
    return None


def booked_dates(journey: Journey) -> dict[str, datetime.date]:
    """For each kind of step, the earliest appointment still booked that would do it."""
    found: dict[str, datetime.date] = {}
    booked = (
        Appointment.objects.filter(journey=journey, status=Appointment.Status.BOOKED)
        .values_list("kind", "booking__slot__starts_at")
        .order_by("booking__slot__starts_at")
    )
    for kind, starts_at in booked:
        milestone = MILESTONE_OF_APPOINTMENT.get(kind)
        if milestone is not None and milestone not in found:
            found[milestone] = timezone.localdate(starts_at)
    return found


# --- steps a stage brings -----------------------------------------------------------------------------------


def _step_from(template: StepTemplate, journey: Journey, counted_from: datetime.date) -> JourneyStep:
    if template.interval_months:
        due_on = add_working_days(add_months(counted_from, template.interval_months), 0)
    else:
        due_on = add_working_days(counted_from, template.target_working_days or 0)
    return JourneyStep(
        journey=journey,
        template=template,
        stage=template.stage,
        milestone=template.milestone,
        title=template.title,
        counted_from=counted_from,
        target_working_days=None if template.interval_months else template.target_working_days,
        due_on=due_on,
    )


def _next_recurring(journey: Journey, stage: str, after: datetime.date) -> JourneyStep | None:
    """The next recurring visit of ``stage``: the first template whose ``times`` the journey has not used up."""
    recurring = list(
        StepTemplate.objects.filter(stage=stage, is_active=True, interval_months__isnull=False).order_by(
            "position", "pk"
        )
    )
    had = JourneyStep.objects.filter(journey=journey, template__in=recurring).count()
    used = 0
    for template in recurring:
        if template.times is None or had < used + template.times:
            return JourneyStep.objects.create(**_fields(_step_from(template, journey, after)))
        used += template.times
    return None


def _fields(step: JourneyStep) -> dict[str, object]:
    return {
        name: getattr(step, name)
        for name in (
            "journey",
            "template",
            "stage",
            "milestone",
            "title",
            "counted_from",
            "target_working_days",
            "due_on",
        )
    }


def open_stage_steps(journey: Journey, stage: str, began_on: datetime.date) -> list[JourneyStep]:
    """Give the journey the steps of ``stage``'s templates, counted from ``began_on`` (the first of the
    recurring ones; each next is planned when one is done)."""
    templates = StepTemplate.objects.filter(stage=stage, is_active=True, interval_months__isnull=True)
    steps = JourneyStep.objects.bulk_create(_step_from(t, journey, began_on) for t in templates)
    following = _next_recurring(journey, stage, began_on)
    return steps + ([following] if following is not None else [])


# --- moving between stages ----------------------------------------------------------------------------------


def next_stages(journey: Journey) -> list[str]:
    """Where the journey may go from here: any later stage (a stage may be skipped: the tests were done
    before the referral, say), or closed."""
    if journey.stage == Stage.CLOSED:
        return []
    later = list(STAGE_ORDER[STAGE_ORDER.index(journey.stage) + 1 :])
    return [*later, Stage.CLOSED]


def _check_day(day: datetime.date | None, journey: Journey, field: str) -> dict[str, list[str]]:
    if day is None:
        return {field: [_("Enter the date.")]}
    if day > timezone.localdate():
        return {field: [_("The date cannot be in the future.")]}
    if day < referral_date(journey):
        return {field: [_("The date cannot be before the referral.")]}
    return {}


def move_stage(
    *,
    actor: Actor,
    journey: Journey,
    to: str,
    began_on: datetime.date | None,
    expected_version: int,
    diagnosis_result: str = "",
    closed_because: str = "",
) -> Journey:
    """Move the journey to stage ``to`` as of ``began_on`` (the day the tests were ordered, the diagnosis
    made, treatment begun…). A diagnosis says whether cancer was confirmed; excluded, the journey closes.
    Closing says why, and frees the appointments still booked. The new stage's steps are planned."""
    require(actor.user, "navigation.change_journey", journey)
    problems: dict[str, list[str]] = {}
    if to not in next_stages(journey):
        problems["stage"] = [_("Choose one of the stages the journey can move to.")]
    problems.update(_check_day(began_on, journey, "began_on"))
    if to == Stage.DIAGNOSIS and diagnosis_result not in (
        Journey.Diagnosis.CONFIRMED,
        Journey.Diagnosis.EXCLUDED,
    ):
        problems["diagnosis_result"] = [_("Say whether the diagnosis was confirmed or excluded.")]
    if to == Stage.CLOSED and closed_because not in Journey.ClosedBecause.values:
        problems["closed_because"] = [_("Say why the journey ends.")]
    if problems:
        raise ValidationError(problems)
    assert began_on is not None
    excluded = to == Stage.DIAGNOSIS and diagnosis_result == Journey.Diagnosis.EXCLUDED
    if excluded:
        to, closed_because = Stage.CLOSED, Journey.ClosedBecause.EXCLUDED
    values: dict[str, object] = {"stage": to, "stage_since": start_of(began_on)}
    if to == Stage.DIAGNOSIS or excluded:
        values.update(diagnosis_result=diagnosis_result, diagnosed_on=began_on)
    if to == Stage.TREATMENT:
        values["treatment_started_on"] = journey.treatment_started_on or began_on
    if to == Stage.CLOSED:
        values["closed_because"] = closed_because
    with transaction.atomic():
        updated = Journey.objects.filter(pk=journey.pk, version=expected_version, stage=journey.stage).update(
            version=expected_version + 1, updated_at=timezone.now(), **values
        )
        if not updated:
            raise ConcurrentEditError(journey.version)
        journey.refresh_from_db()
        planned: list[JourneyStep] = []
        if to == Stage.TREATMENT:
            _finish_earliest(journey.pk, Milestone.TREATMENT_START, began_on)
        if to == Stage.CLOSED:
            _close_everything(actor, journey)
        else:
            planned = open_stage_steps(journey, to, began_on)
        _journal(
            actor,
            journey,
            ["stage"],
            stage=to,
            began_on=began_on.isoformat(),
            steps=len(planned),
            **({"closed_because": closed_because} if to == Stage.CLOSED else {}),
        )
    return journey


def _finish_earliest(journey_id: int, milestone: str, day: datetime.date, **extra: Any) -> JourneyStep | None:
    """The journey's earliest open step of ``milestone`` (by due day, then as added) marked done on ``day``
    (with ``extra`` fields); None when it has none open."""
    step = (
        JourneyStep.objects.filter(journey_id=journey_id, milestone=milestone, status=OPEN)
        .order_by("due_on", "pk")
        .first()
    )
    if step is not None:
        JourneyStep.objects.filter(pk=step.pk, status=OPEN).update(
            status=DONE, done_on=day, version=step.version + 1, updated_at=timezone.now(), **extra
        )
    return step


def _close_everything(actor: Actor, journey: Journey) -> None:
    """A journey that ends: its open steps are not needed, its calls not yet made are dropped, and the
    appointments still booked are cancelled so the slots go to other patients."""
    now = timezone.now()
    with translation.override(settings.LANGUAGE_CODE):  # stored: in the city's language, whoever closes
        reason = _("The patient's journey is closed: %(why)s.") % {"why": journey.get_closed_because_display()}
    JourneyStep.objects.filter(journey=journey, status=OPEN).update(
        status=JourneyStep.Status.NOT_NEEDED, note=reason[:500], updated_at=now
    )
    # The calls not yet made are dropped, not marked made: the figures count the calls made.
    CallTask.objects.filter(journey=journey, done_at__isnull=True).delete()
    booked = Appointment.objects.filter(journey=journey, status=Appointment.Status.BOOKED).select_related("booking")
    for appointment in booked:
        Appointment.objects.filter(pk=appointment.pk).update(
            status=Appointment.Status.CANCELLED,
            cancel_reason=reason[:300],
            version=appointment.version + 1,
            updated_at=now,
        )
        slot_calendar.cancel(actor=actor, booking=appointment.booking)
        appointment.reminders.filter(sent_at__isnull=True).delete()


# --- one step ---------------------------------------------------------------------------------------------


def _require_open(step: JourneyStep, expected_version: int) -> None:
    if step.status != OPEN:
        raise ValidationError({"__all__": _("This step is finished already.")})
    if step.version != expected_version:
        raise ConcurrentEditError(step.version)


def _save(step: JourneyStep, expected_version: int, **values: object) -> None:
    updated = JourneyStep.objects.filter(pk=step.pk, version=expected_version, status=OPEN).update(
        version=expected_version + 1, updated_at=timezone.now(), **values
    )
    if not updated:
        raise ConcurrentEditError(step.version)
    step.refresh_from_db()


def _after_done(step: JourneyStep) -> JourneyStep | None:
    """What a done step sets off: the first oncologist's visit and the start of treatment are the
    journey's milestones; a recurring visit plans the next."""
    journey = step.journey
    assert step.done_on is not None
    if step.milestone == Milestone.ONCOLOGIST:
        Journey.objects.filter(pk=journey.pk, oncologist_seen_on__isnull=True).update(oncologist_seen_on=step.done_on)
    if step.milestone == Milestone.TREATMENT_START:
        Journey.objects.filter(pk=journey.pk, treatment_started_on__isnull=True).update(
            treatment_started_on=step.done_on
        )
    if step.template is not None and step.template.interval_months and journey.stage == step.stage:
        return _next_recurring(journey, step.stage, step.done_on)
    return None


def complete_step(
    *,
    actor: Actor,
    step: JourneyStep,
    done_on: datetime.date | None,
    expected_version: int,
    late_reason: str = "",
    note: str = "",
) -> JourneyStep:
    """The assistant marks the step done on ``done_on``; a late one may say why at once."""
    require(actor.user, "navigation.change_journey", step.journey)
    _require_open(step, expected_version)
    problems = _check_day(done_on, step.journey, "done_on")
    if late_reason and late_reason not in LateReason.values:
        problems["late_reason"] = [_("Choose why the step is late.")]
    try:
        note = clean_field(note, "note", limit=500)
    except ValidationError as error:
        problems.update(error.message_dict)
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        _save(step, expected_version, status=DONE, done_on=done_on, late_reason=late_reason, note=note)
        following = _after_done(step)
        _journal(
            actor,
            step.journey,
            ["steps"],
            step=step.pk,
            status=DONE,
            done_on=str(done_on),
            **({"next_step": following.pk} if following is not None else {}),
        )
    return step


def skip_step(*, actor: Actor, step: JourneyStep, reason: str, expected_version: int) -> JourneyStep:
    """The step is not needed (the test was done elsewhere, the board decided without it…): with the reason."""
    require(actor.user, "navigation.change_journey", step.journey)
    _require_open(step, expected_version)
    reason = clean_field(reason, "note", required=True, limit=500)
    with transaction.atomic():
        _save(step, expected_version, status=JourneyStep.Status.NOT_NEEDED, note=reason)
        _journal(actor, step.journey, ["steps"], step=step.pk, status=JourneyStep.Status.NOT_NEEDED)
    return step


def explain_delay(*, actor: Actor, step: JourneyStep, reason: str, note: str, expected_version: int) -> JourneyStep:
    """Why the step is late (or will be, as booked): one of the usual reasons, and a note."""
    require(actor.user, "navigation.change_journey", step.journey)
    if step.version != expected_version:
        raise ConcurrentEditError(step.version)
    problems: dict[str, list[str]] = {}
    if reason not in LateReason.values:
        problems["late_reason"] = [_("Choose why the step is late.")]
    try:
        note = clean_field(note, "note", required=reason == LateReason.OTHER, limit=500)
    except ValidationError as error:
        problems.update(error.message_dict)
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        updated = JourneyStep.objects.filter(pk=step.pk, version=expected_version).update(
            late_reason=reason, note=note, version=expected_version + 1, updated_at=timezone.now()
        )
        if not updated:
            raise ConcurrentEditError(step.version)
        step.refresh_from_db()
        _journal(actor, step.journey, ["steps"], step=step.pk, late_reason=reason)
    return step


def add_step(
    *, actor: Actor, journey: Journey, milestone: str, title: str, due_on: datetime.date | None
) -> JourneyStep:
    """A step the templates do not bring (a second biopsy, a visit to another specialist), with its date."""
    require(actor.user, "navigation.change_journey", journey)
    problems: dict[str, list[str]] = {}
    if not journey.is_active:
        problems["__all__"] = [_("The patient's journey is closed.")]
    if milestone not in Milestone.values:
        problems["milestone"] = [_("Choose what kind of step it is.")]
    try:
        title = clean_field(title, "title", required=True, limit=200)
    except ValidationError as error:
        problems.update(error.message_dict)
    today = timezone.localdate()
    if due_on is None:
        problems["due_on"] = [_("Enter the date.")]
    elif not today <= due_on <= today + datetime.timedelta(days=3 * 366):
        problems["due_on"] = [_("The date must be between today and three years ahead.")]
    if problems:
        raise ValidationError(problems)
    assert due_on is not None
    with transaction.atomic():
        step = JourneyStep.objects.create(
            journey=journey,
            stage=journey.stage,
            milestone=milestone,
            title=title,
            counted_from=today,
            due_on=due_on,
        )
        _journal(actor, journey, ["steps"], step=step.pk, added=True)
    return step


def on_attended(appointment: Appointment, day: datetime.date) -> JourneyStep | None:
    """The patient attended: the earliest open step the appointment's kind does is done that day. Called
    inside ``record_outcome``'s transaction (which journals the outcome)."""
    milestone = MILESTONE_OF_APPOINTMENT.get(appointment.kind)
    if milestone is None:
        return None
    step = _finish_earliest(appointment.journey_id, milestone, day, appointment=appointment)
    if step is None:
        if milestone == Milestone.ONCOLOGIST:
            Journey.objects.filter(pk=appointment.journey_id, oncologist_seen_on__isnull=True).update(
                oncologist_seen_on=day
            )
        return None
    step.refresh_from_db()
    _after_done(step)
    return step


def finish_call(*, actor: Actor, task: CallTask, result: str, expected_version: int) -> CallTask:
    """The assistant made the call (or tried to): what came of it; the task leaves the day's list."""
    require(actor.user, "navigation.change_journey", task.journey)
    if task.done_at is not None:
        raise ValidationError({"__all__": _("This call is recorded already.")})
    result = clean_field(result, "result", required=True, limit=500)
    with transaction.atomic():
        updated = CallTask.objects.filter(pk=task.pk, version=expected_version, done_at__isnull=True).update(
            done_at=timezone.now(), result=result, version=expected_version + 1, updated_at=timezone.now()
        )
        if not updated:
            raise ConcurrentEditError(task.version)
        task.refresh_from_db()
        _journal(actor, task.journey, ["call_tasks"], call_task=task.pk, kind=task.kind)
    return task


__all__ = [
    "STAGE_ORDER",
    "add_step",
    "complete_step",
    "delay_of",
    "explain_delay",
    "finish_call",
    "move_stage",
    "next_stages",
    "on_attended",
    "open_stage_steps",
    "skip_step",
]
