"""Appointments of the oncology programme and their reminders (issue 14, §3–§4).

Facilities and what they offer are ``scheduling.Resource`` rows: a doctor's specialty or a diagnostic device
(``code`` ``oncologist``, ``ct``, ``mri``…) at a polyclinic, an oncology centre or a hospital. The patient's
assistant finds a free slot across facilities (``search_slots``) and books it (``book_appointment``) through
the slot calendar, whose database index makes a double booking impossible; moving, cancelling and recording
what came of the visit are the assistant's too. Each write checks the permission, validates, writes and
journals in one transaction.

Every booked appointment gets its reminders (``REMINDER_OFFSETS``: a day and two hours before): an SMS
through the outbox, or a "call the patient" task for the assistant when the patient prefers calls or has no
mobile phone. ``send_due_reminders`` (``manage.py navigation_reminders --loop 60``) sends each once.
"""

import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit import services as audit
from audit.models import Action
from core.actor import Actor
from core.exceptions import ConcurrentEditError, ValidationError
from core.permissions import require
from core.validators import clean_field
from directory.models import Organisation
from navigation import journeys
from navigation.models import Appointment, CallTask, Journey, Referral, Reminder, Reply
from notify import services as notify
from notify.models import Channel
from people.models import Person, PersonPhone
from scheduling import services as calendar
from scheduling.models import Resource, Slot

PURPOSE = "navigation.appointment"
# How long before an appointment its reminders go, in minutes: a day and two hours.
REMINDER_OFFSETS: tuple[int, ...] = tuple(getattr(settings, "OPORA_NAV_REMINDER_OFFSETS", (1440, 120)))
# The facilities whose doctors and devices the assistants book.
FACILITY_KINDS = (Organisation.Kind.POLYCLINIC, Organisation.Kind.ONCOLOGY_CENTRE, Organisation.Kind.HOSPITAL)
RESOURCE_KINDS = (Resource.Kind.SPECIALTY, Resource.Kind.DEVICE)
PATIENT_LANGUAGE = "ru"
SEARCH_LIMIT = 50


_text = clean_field  # one text field: cleaned, required, bounded (core.validators)


def _journal(actor: Actor, action: str, appointment: Appointment, fields: list[str], **details: Any) -> None:
    audit.record(
        actor=actor,
        action=action,
        obj=appointment,
        person_id=appointment.journey.case.person_id,
        fields=fields,
        details=details,
    )


# --- finding a slot ---------------------------------------------------------------------------------------


def bookable_resources(resource_code: str) -> QuerySet[Resource]:
    """The doctors' specialties and devices of this type at the facilities the programme books."""
    return Resource.objects.filter(
        code=resource_code,
        kind__in=RESOURCE_KINDS,
        is_active=True,
        organisation__kind__in=FACILITY_KINDS,
        organisation__is_active=True,
    )


def search_slots(
    resource_code: str,
    person: Person | None,
    after: datetime.datetime | None = None,
    limit: int = SEARCH_LIMIT,
    until: datetime.datetime | None = None,
) -> list[Slot]:
    """Free slots of a resource type (``oncologist``, ``ct``…) across facilities from ``after`` (now) to
    ``until`` (open), earliest first; at the same time, facilities in the patient's okrug come before the
    others."""
    after = max(after or timezone.now(), timezone.now())
    district = person.district if person is not None else None
    okrug_id = district.okrug_id if district is not None else None
    near = (
        Case(
            When(resource__organisation__okrug_id=okrug_id, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        if okrug_id is not None
        else Value(1, output_field=IntegerField())
    )
    slots = calendar.free_slots(bookable_resources(resource_code), after=after, before=until)
    return list(slots.annotate(far=near).order_by("starts_at", "far", "resource_id")[: max(0, min(limit, 500))])


# --- reminders planned ------------------------------------------------------------------------------------


def patient_mobile(person_id: int) -> str:
    """The patient's mobile phone for SMS (the primary one first), or "" when there is none."""
    phones = PersonPhone.objects.filter(person_id=person_id, kind=PersonPhone.Kind.MOBILE).order_by("-is_primary", "pk")
    return phones.values_list("number", flat=True).first() or ""


def reminder_channel(journey: Journey) -> str | None:
    """How the patient is reminded: None when they asked for no reminders, a call when they prefer calls or
    have no mobile phone, else an SMS."""
    referral = Referral.objects.filter(case_id=journey.case_id).first()
    wanted = referral.reminders_by if referral is not None else Referral.Contact.SMS
    if wanted == Referral.Contact.NONE:
        return None
    if wanted == Referral.Contact.CALL or not patient_mobile(journey.case.person_id):
        return Reminder.Channel.CALL
    return Reminder.Channel.SMS


def _plan_reminders(appointment: Appointment, starts_at: datetime.datetime, now: datetime.datetime) -> list[Reminder]:
    """The reminders of an appointment at ``starts_at``; one whose time has already passed is not planned
    (the later ones, if any, still go)."""
    channel = reminder_channel(appointment.journey)
    if channel is None:
        return []
    planned = [
        Reminder(
            appointment=appointment,
            offset_minutes=offset,
            channel=channel,
            due_at=starts_at - datetime.timedelta(minutes=offset),
        )
        for offset in sorted(set(REMINDER_OFFSETS), reverse=True)
        if starts_at - datetime.timedelta(minutes=offset) > now
    ]
    return Reminder.objects.bulk_create(planned)


# --- booking, moving, cancelling -----------------------------------------------------------------------


def _check_slot(slot: Slot) -> None:
    resource = slot.resource
    if resource.kind not in RESOURCE_KINDS or resource.organisation.kind not in FACILITY_KINDS:
        raise ValidationError({"slot": _("Choose a slot of a doctor or a diagnostic device at a medical facility.")})


def book_appointment(
    *,
    actor: Actor,
    journey: Journey,
    slot: Slot,
    kind: str,
    overbook: bool = False,
    reason: str = "",
) -> Appointment:
    """The assistant books a doctor's visit or a test for their patient and its reminders are planned. A slot
    already held is refused; holding it anyway is an explicit overbooking with its reason, journaled."""
    require(actor.user, "navigation.book_appointment", journey)
    problems: dict[str, list[str]] = {}
    if not journey.is_active:
        problems["__all__"] = [_("The patient's journey is closed: nothing can be booked.")]
    if kind not in Appointment.Kind.values:
        problems["kind"] = [_("Choose what the appointment is for.")]
    try:
        _check_slot(slot)
    except ValidationError as error:
        problems.update(error.message_dict)
    if problems:
        raise ValidationError(problems)
    now = timezone.now()
    with transaction.atomic():
        booking = calendar.book(
            actor=actor,
            slot=slot,
            purpose=PURPOSE,
            person_id=journey.case.person_id,
            overbook=overbook,
            overbook_reason=reason,
            now=now,
        )
        appointment = Appointment.objects.create(journey=journey, booking=booking, kind=kind, booked_by=actor.user)
        reminders = _plan_reminders(appointment, slot.starts_at, now)
        _journal(
            actor,
            Action.CREATE,
            appointment,
            ["kind", "booking"],
            kind=kind,
            slot=slot.pk,
            reminders=len(reminders),
            **({"overbooked": True} if overbook else {}),
        )
    return appointment


def _require_booked(appointment: Appointment, expected_version: int) -> None:
    if appointment.status != Appointment.Status.BOOKED:
        raise ValidationError(
            {"__all__": _("The appointment is %(status)s already.") % {"status": appointment.get_status_display()}}
        )
    if appointment.version != expected_version:
        raise ConcurrentEditError(appointment.version)


def _claim(appointment: Appointment, expected_version: int, **values: Any) -> None:
    """Write ``values`` only over the version the user saw and a booked appointment; else someone was first."""
    updated = Appointment.objects.filter(
        pk=appointment.pk, version=expected_version, status=Appointment.Status.BOOKED
    ).update(version=expected_version + 1, updated_at=timezone.now(), **values)
    if not updated:
        raise ConcurrentEditError(appointment.version)


def move_appointment(
    *,
    actor: Actor,
    appointment: Appointment,
    to: Slot,
    expected_version: int,
    overbook: bool = False,
    reason: str = "",
) -> Appointment:
    """Move the appointment to another slot: the new slot is held and the old one freed in one transaction
    (if the new one is taken, nothing changes), and the reminders are planned again for the new time."""
    require(actor.user, "navigation.change_appointment", appointment)
    _require_booked(appointment, expected_version)
    _check_slot(to)
    now = timezone.now()
    with transaction.atomic():
        _claim(appointment, expected_version)
        old_slot = appointment.booking.slot_id
        booking = calendar.move(
            actor=actor, booking=appointment.booking, to=to, overbook=overbook, overbook_reason=reason
        )
        Appointment.objects.filter(pk=appointment.pk).update(booking=booking)
        appointment.refresh_from_db()
        # Reminders of the old time go, sent or not: the outbox keeps what was sent; the new time gets its own.
        appointment.reminders.all().delete()
        reminders = _plan_reminders(appointment, to.starts_at, now)
        _journal(
            actor,
            Action.CHANGE,
            appointment,
            ["booking"],
            slot=to.pk,
            previous_slot=old_slot,
            reminders=len(reminders),
            **({"overbooked": True} if overbook else {}),
        )
    return appointment


def cancel_appointment(*, actor: Actor, appointment: Appointment, reason: str, expected_version: int) -> Appointment:
    """Cancel the appointment with its reason: the slot is freed and the reminders not yet sent are dropped."""
    require(actor.user, "navigation.change_appointment", appointment)
    _require_booked(appointment, expected_version)
    reason = _text(reason, "reason", required=True)
    with transaction.atomic():
        _claim(appointment, expected_version, status=Appointment.Status.CANCELLED, cancel_reason=reason)
        calendar.cancel(actor=actor, booking=appointment.booking)
        appointment.reminders.filter(sent_at__isnull=True).delete()
        appointment.refresh_from_db()
        _journal(actor, Action.CHANGE, appointment, ["status", "cancel_reason"], status=appointment.status)
    return appointment


OUTCOMES = (Appointment.Status.ATTENDED, Appointment.Status.MISSED)


def record_outcome(
    *, actor: Actor, appointment: Appointment, outcome: str, result: str, expected_version: int
) -> Appointment:
    """Record whether the patient came and what came of it. A missed visit gives the assistant a task to call
    the patient (why, and a new date)."""
    require(actor.user, "navigation.change_appointment", appointment)
    _require_booked(appointment, expected_version)
    problems: dict[str, list[str]] = {}
    if outcome not in OUTCOMES:
        problems["outcome"] = [_("Choose whether the patient came.")]
    if appointment.booking.slot.starts_at > timezone.now():
        problems["__all__"] = [_("The appointment has not begun yet: record its outcome afterwards.")]
    try:
        result = _text(result, "result", limit=2000)
    except ValidationError as error:
        problems.update(error.message_dict)
    if problems:
        raise ValidationError(problems)
    now = timezone.now()
    with transaction.atomic():
        _claim(appointment, expected_version, status=outcome, result=result)
        appointment.reminders.filter(sent_at__isnull=True).delete()
        appointment.refresh_from_db()
        task = None
        step = None
        if outcome == Appointment.Status.ATTENDED:
            step = journeys.on_attended(appointment, timezone.localdate(appointment.booking.slot.starts_at))
        if outcome == Appointment.Status.MISSED:
            journey = appointment.journey
            task = CallTask.objects.create(
                journey=journey,
                appointment=appointment,
                kind=CallTask.Kind.MISSED_VISIT,
                due_at=now,
                assigned_to_id=journey.assistant_id,
            )
        _journal(
            actor,
            Action.CHANGE,
            appointment,
            ["status", "result"],
            status=outcome,
            **({"call_task": task.pk} if task is not None else {}),
            **({"step": step.pk} if step is not None else {}),
        )
    return appointment


def record_reply(*, actor: Actor, appointment: Appointment, reply: str, expected_version: int) -> Appointment:
    """The patient answered a reminder (by SMS or on the phone): they will come; they cannot, and the
    appointment is cancelled, its slot freed for others; or they want another time, and the assistant gets a
    call to find one with them."""
    require(actor.user, "navigation.change_appointment", appointment)
    _require_booked(appointment, expected_version)
    if reply not in Reply.values:
        raise ValidationError({"reply": _("Choose what the patient answered.")})
    now = timezone.now()
    if appointment.booking.slot.starts_at <= now:
        raise ValidationError({"__all__": _("The appointment has begun: record whether the patient came.")})
    with transaction.atomic():
        if reply == Reply.CANCEL:
            with translation.override(PATIENT_LANGUAGE):  # stored: in the city's language
                reason = _("The patient asked to cancel, answering the reminder.")
            _claim(
                appointment,
                expected_version,
                reply=reply,
                reply_at=now,
                status=Appointment.Status.CANCELLED,
                cancel_reason=reason,
            )
            calendar.cancel(actor=actor, booking=appointment.booking)
            appointment.reminders.filter(sent_at__isnull=True).delete()
        else:
            _claim(appointment, expected_version, reply=reply, reply_at=now)
        task = None
        if reply == Reply.MOVE:
            task = CallTask.objects.create(
                journey=appointment.journey,
                appointment=appointment,
                kind=CallTask.Kind.NEW_TIME,
                due_at=now,
                assigned_to_id=appointment.journey.assistant_id,
            )
        appointment.refresh_from_db()
        _journal(
            actor,
            Action.CHANGE,
            appointment,
            ["reply", "status"] if reply == Reply.CANCEL else ["reply"],
            reply=reply,
            **({"call_task": task.pk} if task is not None else {}),
        )
    return appointment


# --- reminders sent ---------------------------------------------------------------------------------------


def reminder_text(appointment: Appointment) -> str:
    """The SMS: what (the resource, never the diagnosis), when, where."""
    slot = appointment.booking.slot
    when = timezone.localtime(slot.starts_at)
    facility = slot.resource.organisation
    context = {
        "resource": slot.resource.name,
        "date": when.strftime("%d.%m.%Y"),
        "time": when.strftime("%H:%M"),
        "facility": facility.short_name or facility.name,
        "address": facility.address,
    }
    if facility.address:
        return _("Reminder: %(resource)s on %(date)s at %(time)s, %(facility)s, %(address)s.") % context
    return _("Reminder: %(resource)s on %(date)s at %(time)s, %(facility)s.") % context


def _send(reminder: Reminder, now: datetime.datetime) -> None:
    appointment = reminder.appointment
    journey = appointment.journey
    phone = patient_mobile(journey.case.person_id) if reminder.channel == Reminder.Channel.SMS else ""
    if phone:
        with translation.override(PATIENT_LANGUAGE):
            body = reminder_text(appointment)
        stamp = appointment.booking.slot.starts_at.isoformat()
        message = notify.send(
            channel=Channel.SMS,
            recipient=phone,
            body=body,
            person_id=journey.case.person_id,
            related=appointment,
            dedup_key=f"navigation:{appointment.pk}:reminder:{reminder.offset_minutes}:{stamp}",
        )
        Reminder.objects.filter(pk=reminder.pk).update(outbox_message=message)
        return
    # The patient prefers calls, or their mobile phone is gone since the booking: the assistant calls.
    task = CallTask.objects.create(
        journey=journey,
        appointment=appointment,
        kind=CallTask.Kind.REMINDER,
        due_at=now,
        assigned_to_id=journey.assistant_id,
    )
    Reminder.objects.filter(pk=reminder.pk).update(call_task=task, channel=Reminder.Channel.CALL)


def send_due_reminders(now: datetime.datetime | None = None) -> int:
    """Send every reminder whose time has come, of an appointment still booked and not begun, once: each is
    marked sent in the transaction that queues its SMS or creates its call task, so a restart (or a second
    sweep at once) sends nothing twice. Delivery and its retries are the outbox's. When the sweep was
    stopped so long that a later reminder of the same appointment is due too, only the latest goes; the
    earlier is closed unsent. Returns how many were sent."""
    now = now or timezone.now()
    due = list(
        Reminder.objects.filter(
            sent_at__isnull=True,
            due_at__lte=now,
            appointment__status=Appointment.Status.BOOKED,
            appointment__booking__slot__starts_at__gt=now,
        )
        .select_related("appointment__journey__case", "appointment__booking__slot__resource__organisation")
        .order_by("appointment_id", "offset_minutes")
    )
    sent = 0
    latest: set[int] = set()
    for reminder in due:
        overtaken = reminder.appointment_id in latest
        latest.add(reminder.appointment_id)
        with transaction.atomic():
            marked = Reminder.objects.filter(
                pk=reminder.pk, sent_at__isnull=True, appointment__status=Appointment.Status.BOOKED
            ).update(sent_at=now)
            if not marked or overtaken:
                continue
            _send(reminder, now)
            sent += 1
    return sent


__all__ = [
    "REMINDER_OFFSETS",
    "book_appointment",
    "cancel_appointment",
    "move_appointment",
    "record_outcome",
    "record_reply",
    "search_slots",
    "send_due_reminders",
]
