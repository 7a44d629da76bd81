"""Making slots from weekly hours and holding them: book, cancel, move. Each write is one transaction.

The programme that books (psych, navigation) checks its own permission on its own record and calls these
with the actor; the overbooking decision is checked and journaled here, since it is the calendar's rule.
"""

import datetime
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from audit.models import Action
from core.actor import Actor
from core.exceptions import ValidationError
from core.permissions import require
from core.validators import clean_text
from scheduling.models import Booking, Resource, ScheduleException, Slot, WeeklyHours

# Slots are made this far ahead by the nightly job (and by the demo).
HORIZON_DAYS = 60


def _day_hours(
    hours: Iterable[WeeklyHours], exception: ScheduleException | None, day: datetime.date
) -> list[tuple[datetime.time, datetime.time, int]]:
    if exception is not None:
        if exception.closed or exception.starts is None or exception.ends is None:
            return []
        length = next((h.slot_minutes for h in hours if h.weekday == day.weekday()), 30)
        return [(exception.starts, exception.ends, length)]
    return [
        (h.starts, h.ends, h.slot_minutes)
        for h in hours
        if h.weekday == day.weekday() and h.valid_from <= day and (h.valid_until is None or day <= h.valid_until)
    ]


def planned_slots(
    resource: Resource, start: datetime.date, end: datetime.date
) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """The (start, end) of every slot the weekly hours and exceptions give from ``start`` to ``end``
    inclusive, in the city's time zone; a slot that would run past the end of the hours is not made."""
    zone = timezone.get_current_timezone()
    hours = list(resource.hours.all())
    exceptions = {e.date: e for e in resource.exceptions.filter(date__gte=start, date__lte=end)}
    found: list[tuple[datetime.datetime, datetime.datetime]] = []
    day = start
    while day <= end:
        for starts, ends, minutes in _day_hours(hours, exceptions.get(day), day):
            step = datetime.timedelta(minutes=minutes)
            moment = datetime.datetime.combine(day, starts, tzinfo=zone)
            closing = datetime.datetime.combine(day, ends, tzinfo=zone)
            while moment + step <= closing:
                found.append((moment, moment + step))
                moment += step
        day += datetime.timedelta(days=1)
    return found


def generate_slots(resource: Resource, start: datetime.date, end: datetime.date) -> int:
    """Store the slots of ``resource`` from ``start`` to ``end``; free slots the hours no longer give
    (a day closed since) are removed, booked ones stay for someone to move. Returns how many were added.
    Safe to run again: an existing slot is left as it is."""
    planned = planned_slots(resource, start, end)
    zone = timezone.get_current_timezone()
    window_start = datetime.datetime.combine(start, datetime.time.min, tzinfo=zone)
    window_end = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    with transaction.atomic():
        existing = set(
            resource.slots.filter(starts_at__gte=window_start, starts_at__lt=window_end).values_list(
                "starts_at", flat=True
            )
        )
        wanted = {s for s, _e in planned}
        stale = existing - wanted
        if stale:
            resource.slots.filter(starts_at__in=stale).exclude(
                Exists(Booking.objects.filter(slot=OuterRef("pk"), status=Booking.Status.BOOKED))
            ).delete()
        new = [Slot(resource=resource, starts_at=s, ends_at=e) for s, e in planned if s not in existing]
        Slot.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    return len(new)


def extend_all(days: int = HORIZON_DAYS, today: datetime.date | None = None) -> int:
    """Keep every active resource's slots made ``days`` ahead (the nightly job)."""
    today = today or timezone.localdate()
    return sum(
        generate_slots(r, today, today + datetime.timedelta(days=days)) for r in Resource.objects.filter(is_active=True)
    )


# Up to this many resources, free_slots reads each one's calendar; beyond, it walks the time line.
FEW_RESOURCES = 3


def free_slots(
    resources: QuerySet[Resource], *, after: datetime.datetime, before: datetime.datetime | None = None
) -> QuerySet[Slot]:
    """Slots of ``resources`` that nobody holds, from ``after`` on, earliest first."""
    # The earliest free slots of many resources (every oncologist in the city) are found by walking the
    # slots in time order (the index on starts_at, resource) and stopping at the first ones that are free;
    # a plan that reads every resource's calendar from ``after`` on and sorts it all takes seconds over two
    # years of slots (docs/benchmarks.md). SQLite's planner does not weigh the LIMIT, so the query's shape
    # decides: ``resource_id IN (...)`` leads it to the per-resource plan, a correlated EXISTS to the time
    # line (while it has no statistics for these tables, as the application leaves it: an ANALYZE brings the
    # per-resource plan back). A few resources (one psychologist) are still best read one calendar each.
    few = list(resources.order_by().filter(is_active=True).values_list("pk", flat=True)[: FEW_RESOURCES + 1])
    if len(few) <= FEW_RESOURCES:
        slots = Slot.objects.filter(resource_id__in=few, starts_at__gte=after)
    else:
        slots = Slot.objects.filter(
            Exists(resources.filter(pk=OuterRef("resource_id"), is_active=True)), starts_at__gte=after
        )
    if before is not None:
        slots = slots.filter(starts_at__lt=before)
    return (
        slots.exclude(Exists(Booking.objects.filter(slot=OuterRef("pk"), status=Booking.Status.BOOKED)))
        .select_related("resource__organisation")
        .order_by("starts_at", "resource_id")
    )


def _taken_message() -> str:
    return _("This time has just been taken: choose another slot.")


def book(
    *,
    actor: Actor,
    slot: Slot,
    purpose: str,
    person_id: int | None = None,
    overbook: bool = False,
    overbook_reason: str = "",
    now: datetime.datetime | None = None,
) -> Booking:
    """Hold ``slot``. A slot already held is refused by the database; holding it anyway is an explicit
    overbooking with its reason, allowed to those who may (``scheduling.overbook``) and journaled."""
    require(actor.user, "scheduling.book_slot")
    now = now or timezone.now()
    if slot.ends_at <= now:
        raise ValidationError({"slot": _("This time has already passed: choose a later slot.")})
    reason = ""
    if overbook:
        require(actor.user, "scheduling.overbook")
        try:
            reason = " ".join(clean_text(overbook_reason or "").split())
        except ValidationError as error:
            raise ValidationError({"overbook_reason": error.messages}) from error
        if not reason:
            raise ValidationError({"overbook_reason": _("Say why the slot is overbooked.")})
        if len(reason) > 300:
            raise ValidationError({"overbook_reason": _("At most %(n)d characters.") % {"n": 300}})
    try:
        with transaction.atomic():
            booking = Booking.objects.create(
                slot=slot,
                purpose=purpose,
                person_id=person_id,
                overbooked=overbook,
                overbook_reason=reason,
                booked_by=actor.user,
            )
            audit.record(
                actor=actor,
                action=Action.CREATE,
                obj=booking,
                person_id=person_id,
                fields=["slot"],
                details={
                    "purpose": purpose,
                    "slot": slot.pk,
                    **({"overbooked": True, "reason": reason} if overbook else {}),
                },
            )
    except IntegrityError as error:
        raise ValidationError({"slot": _taken_message()}) from error
    return booking


def cancel(*, actor: Actor, booking: Booking) -> Booking:
    """Free the slot (idempotent: a cancelled booking stays cancelled)."""
    require(actor.user, "scheduling.book_slot")
    with transaction.atomic():
        changed = Booking.objects.filter(pk=booking.pk, status=Booking.Status.BOOKED).update(
            status=Booking.Status.CANCELLED, cancelled_at=timezone.now()
        )
        booking.refresh_from_db()
        if changed:
            audit.record(actor=actor, action=Action.CHANGE, obj=booking, person_id=booking.person_id, fields=["status"])
    return booking


def move(*, actor: Actor, booking: Booking, to: Slot, overbook: bool = False, overbook_reason: str = "") -> Booking:
    """Hold ``to`` and free the old slot in one transaction: if the new slot is taken, the old one is kept."""
    with transaction.atomic():
        new = book(
            actor=actor,
            slot=to,
            purpose=booking.purpose,
            person_id=booking.person_id,
            overbook=overbook,
            overbook_reason=overbook_reason,
        )
        cancel(actor=actor, booking=booking)
    return new
