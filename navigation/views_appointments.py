"""Pages of the patient's appointments: find a free slot across facilities (earliest first, the patient's
okrug first at the same time), book it, move or cancel it, and record what came of the visit."""

import datetime
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from audit import services as audit
from audit.models import Action
from cases.feedback import report, report_form
from core.actor import Actor
from core.exceptions import ConcurrentEditError, ValidationError
from core.permissions import require
from core.validators import MAX_ID, bounded_int
from navigation import appointments, selectors
from navigation.forms import (
    KIND_OF_RESOURCE,
    BookForm,
    CancelForm,
    MoveForm,
    OutcomeForm,
    ReplyForm,
    SlotSearchForm,
)
from navigation.models import Appointment, Reply
from scheduling.models import Slot

SEARCH_DAYS_AHEAD = 366
SLOTS_SEARCHED = 400
TIMES_PER_FACILITY = 8
FACILITIES_SHOWN = 15


def get_visible_appointment(request: HttpRequest, pk: int) -> Appointment:
    """403 for a role that never sees appointments, 404 for one that is missing or not the user's to see."""
    require(request.user, "navigation.view_appointment")
    appointment = (
        Appointment.objects.select_related(
            "journey__case__person", "booking__slot__resource__organisation", "booked_by"
        )
        .filter(pk=pk)
        .first()
        if 0 < pk <= MAX_ID
        else None
    )
    if appointment is None or not request.user.has_perm("navigation.view_appointment", appointment):
        raise Http404
    return appointment


def _moving(request: HttpRequest, journey_pk: int) -> Appointment | None:
    """The appointment being moved, when the search was opened from it."""
    pk = bounded_int(request.GET.get("move") or request.POST.get("move"), minimum=1)
    if not pk:
        return None
    found = get_visible_appointment(request, pk)
    if found.journey_id != journey_pk or found.status != Appointment.Status.BOOKED:
        raise Http404
    return found


@require_GET
def slots(request: HttpRequest, pk: int) -> HttpResponse:
    journey = selectors.get_visible_journey(request.user, pk)
    require(request.user, "navigation.book_appointment", journey)
    moving = _moving(request, pk)
    form = SlotSearchForm(request.GET or None)
    found: list[Slot] = []
    code = ""
    if form.is_valid():
        code = form.cleaned_data["resource"]
        today = timezone.localdate()
        day = min(max(form.cleaned_data["after"] or today, today), today + datetime.timedelta(days=SEARCH_DAYS_AHEAD))
        after = datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_current_timezone())
        found = appointments.search_slots(code, journey.case.person, after=after, limit=SLOTS_SEARCHED)
    elif request.GET:
        report_form(request, form)
    okrug = journey.case.person.district.okrug_id if journey.case.person.district else None
    # Facility by facility, in the order of their earliest free time (the patient's okrug first at the same
    # time), each with its first free times: the assistant reads the offer to the patient on the phone.
    facilities: dict[int, dict[str, Any]] = {}
    for slot in found:
        place = slot.resource.organisation
        entry = facilities.setdefault(
            place.pk, {"facility": place, "near": okrug is not None and place.okrug_id == okrug, "slots": []}
        )
        if len(entry["slots"]) < TIMES_PER_FACILITY:
            entry["slots"].append(slot)
    kind = form.cleaned_data.get("kind") if form.is_valid() else ""
    context = {
        "journey": journey,
        "form": form,
        "facilities": list(facilities.values())[:FACILITIES_SHOWN],
        "searched": form.is_bound and form.is_valid(),
        "moving": moving,
        "kind": kind or KIND_OF_RESOURCE.get(code, "other"),
    }
    return render(request, "navigation/slots.html", context)


@require_POST
def book(request: HttpRequest, pk: int) -> HttpResponse:
    journey = selectors.get_visible_journey(request.user, pk)
    require(request.user, "navigation.book_appointment", journey)
    form = BookForm(request.POST)
    if not form.is_valid():
        report_form(request, form)
        return redirect("navigation:journey", pk)
    slot = Slot.objects.select_related("resource__organisation").filter(pk=form.cleaned_data["slot"]).first()
    try:
        if slot is None:
            raise ValidationError({"slot": _("Choose a free slot.")})
        appointment = appointments.book_appointment(
            actor=Actor.from_request(request), journey=journey, slot=slot, kind=form.cleaned_data["kind"]
        )
    except ValidationError as error:
        report(request, error)
        return redirect("navigation:journey", pk)
    messages.success(request, _("Booked: %(what)s.") % {"what": _when_where(appointment)})
    return redirect("navigation:appointment", appointment.pk)


def _when_where(appointment: Appointment) -> str:
    slot = appointment.booking.slot
    when = timezone.localtime(slot.starts_at)
    return _("%(kind)s on %(date)s at %(time)s, %(facility)s") % {
        "kind": appointment.get_kind_display(),
        "date": when.strftime("%d.%m.%Y"),
        "time": when.strftime("%H:%M"),
        "facility": slot.resource.organisation,
    }


def before(minutes: int) -> str:
    """How long before the visit a reminder goes: «за 1 день», «за 2 часа», «за 30 минут»."""
    if minutes % 1440 == 0:
        n = minutes // 1440
        return ngettext("%(n)d day before", "%(n)d days before", n) % {"n": n}
    if minutes % 60 == 0:
        n = minutes // 60
        return ngettext("%(n)d hour before", "%(n)d hours before", n) % {"n": n}
    return ngettext("%(n)d minute before", "%(n)d minutes before", minutes) % {"n": minutes}


@require_GET
def appointment(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_visible_appointment(request, pk)
    journey = found.journey
    audit.record(
        actor=Actor.from_request(request),
        action=Action.VIEW,
        obj=found,
        person_id=journey.case.person_id,
        details={"section": "appointment"},
    )
    reminders = list(found.reminders.select_related("outbox_message", "call_task").order_by("due_at"))
    for reminder in reminders:
        reminder.before = before(reminder.offset_minutes)  # type: ignore[attr-defined]
    may_change = request.user.has_perm("navigation.change_appointment", found)
    begun = found.booking.slot.starts_at <= timezone.now()
    booked = found.status == Appointment.Status.BOOKED
    context = {
        "appointment": found,
        "journey": journey,
        "reminders": reminders,
        "calls": list(found.call_tasks.order_by("due_at")),
        "may_change": may_change and booked,
        "begun": begun,
        "cancel_form": CancelForm(initial={"version": found.version}) if may_change and booked else None,
        "outcome_form": OutcomeForm(initial={"version": found.version}) if may_change and booked and begun else None,
        "reply_form": ReplyForm(initial={"version": found.version}) if may_change and booked and not begun else None,
        "resource_code": found.booking.slot.resource.code,
    }
    return render(request, "navigation/appointment.html", context)


def _changeable(request: HttpRequest, pk: int) -> Appointment:
    found = get_visible_appointment(request, pk)
    require(request.user, "navigation.change_appointment", found)
    return found


@require_POST
def move(request: HttpRequest, pk: int) -> HttpResponse:
    found = _changeable(request, pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        report_form(request, form)
        return redirect("navigation:appointment", pk)
    slot = Slot.objects.select_related("resource__organisation").filter(pk=form.cleaned_data["slot"]).first()
    try:
        if slot is None:
            raise ValidationError({"slot": _("Choose a free slot.")})
        moved = appointments.move_appointment(
            actor=Actor.from_request(request), appointment=found, to=slot, expected_version=form.cleaned_data["version"]
        )
    except (ValidationError, ConcurrentEditError) as error:
        report(request, error)
        return redirect("navigation:appointment", pk)
    messages.success(request, _("Moved: %(what)s. The reminders are planned again.") % {"what": _when_where(moved)})
    return redirect("navigation:appointment", pk)


@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    found = _changeable(request, pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        report_form(request, form)
        return redirect("navigation:appointment", pk)
    try:
        appointments.cancel_appointment(
            actor=Actor.from_request(request),
            appointment=found,
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"],
        )
    except (ValidationError, ConcurrentEditError) as error:
        report(request, error)
        return redirect("navigation:appointment", pk)
    messages.success(request, _("The appointment is cancelled and the slot is free for others."))
    return redirect("navigation:journey", found.journey_id)


@require_POST
def outcome(request: HttpRequest, pk: int) -> HttpResponse:
    found = _changeable(request, pk)
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        report_form(request, form)
        return redirect("navigation:appointment", pk)
    try:
        recorded = appointments.record_outcome(
            actor=Actor.from_request(request),
            appointment=found,
            outcome=form.cleaned_data["outcome"],
            result=form.cleaned_data["result"],
            expected_version=form.cleaned_data["version"],
        )
    except (ValidationError, ConcurrentEditError) as error:
        report(request, error)
        return redirect("navigation:appointment", pk)
    if recorded.status == Appointment.Status.MISSED:
        messages.warning(request, _("The visit is marked as missed: call the patient, it is on your list for today."))
    else:
        messages.success(request, _("The visit is recorded."))
    return redirect("navigation:journey", found.journey_id)


@require_POST
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    found = _changeable(request, pk)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        report_form(request, form)
        return redirect("navigation:appointment", pk)
    try:
        recorded = appointments.record_reply(
            actor=Actor.from_request(request),
            appointment=found,
            reply=form.cleaned_data["reply"],
            expected_version=form.cleaned_data["version"],
        )
    except (ValidationError, ConcurrentEditError) as error:
        report(request, error)
        return redirect("navigation:appointment", pk)
    if recorded.status == Appointment.Status.CANCELLED:
        messages.success(request, _("The appointment is cancelled at the patient's request; the slot is free."))
        return redirect("navigation:journey", found.journey_id)
    if recorded.reply == Reply.MOVE:
        messages.success(request, _("Recorded. A call to find another time is on your list."))
    else:
        messages.success(request, _("The patient's answer is recorded."))
    return redirect("navigation:appointment", pk)
