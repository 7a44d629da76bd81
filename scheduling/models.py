"""Slot calendars: what can be booked, when, and the bookings (FHIR Schedule, Slot, and the Appointment's
hold on a slot).

One place for every programme that books time: a psychologist's consultations (``psych``) and the
doctors' visits and diagnostic tests an oncology personal assistant books (``navigation``). A resource is
a person (a psychologist), a doctor's specialty at a facility or a device (a CT scanner); its weekly hours
and exceptions make its slots, which are stored rows so that "the earliest free slot" is one indexed
query. A slot holds at most one booking: the database refuses a second one (a partial unique index),
unless the booking is an explicit, journaled overbooking.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel

MIN_SLOT_MINUTES = 5
MAX_SLOT_MINUTES = 480


class Resource(TimeStampedModel):
    class Kind(models.TextChoices):
        SPECIALIST = "specialist", _("specialist")
        SPECIALTY = "specialty", _("doctor's specialty")
        DEVICE = "device", _("diagnostic device")

    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="resources", verbose_name=_("facility")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    code = models.SlugField(
        _("type"),
        max_length=50,
        help_text=_("What is booked, the same at every facility: psychologist, oncologist, ct…"),
    )
    name = models.CharField(_("name"), max_length=200)
    worker = models.ForeignKey(
        "directory.Worker",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resources",
        verbose_name=_("specialist"),
    )
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["organisation", "name"]
        verbose_name = _("bookable resource")
        verbose_name_plural = _("bookable resources")
        indexes = [models.Index(fields=["code", "is_active"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="specialist") | models.Q(worker__isnull=False), name="specialist_has_worker"
            ),
            models.UniqueConstraint(fields=["worker", "organisation"], name="one_resource_per_specialist_and_place"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"


class WeeklyHours(models.Model):
    """Recurring hours: on this weekday, from–to, cut into slots of so many minutes, within a validity."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="hours", verbose_name=_("resource"))
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    starts = models.TimeField(_("from"))
    ends = models.TimeField(_("to"))
    slot_minutes = models.PositiveSmallIntegerField(_("slot, minutes"), default=50)
    valid_from = models.DateField(_("valid from"), default=datetime.date.today)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        ordering = ["resource", "weekday", "starts"]
        verbose_name = _("weekly hours")
        verbose_name_plural = _("weekly hours")
        constraints = [
            models.CheckConstraint(condition=models.Q(ends__gt=models.F("starts")), name="hours_end_after_start"),
            models.CheckConstraint(
                condition=models.Q(slot_minutes__gte=MIN_SLOT_MINUTES, slot_minutes__lte=MAX_SLOT_MINUTES),
                name="hours_slot_length",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=models.F("valid_from")),
                name="hours_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts:%H:%M}–{self.ends:%H:%M}"


class ScheduleException(models.Model):
    """A day off (holiday, leave, a broken device) or a day with other hours than the weekly ones."""

    resource = models.ForeignKey(
        Resource, on_delete=models.CASCADE, related_name="exceptions", verbose_name=_("resource")
    )
    date = models.DateField(_("date"))
    closed = models.BooleanField(_("closed all day"), default=True)
    starts = models.TimeField(_("from"), null=True, blank=True)
    ends = models.TimeField(_("to"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["resource", "date"]
        verbose_name = _("schedule exception")
        verbose_name_plural = _("schedule exceptions")
        constraints = [
            models.UniqueConstraint(fields=["resource", "date"], name="one_exception_per_day"),
            models.CheckConstraint(
                condition=models.Q(closed=True)
                | models.Q(starts__isnull=False, ends__isnull=False, ends__gt=models.F("starts")),
                name="exception_hours_when_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resource}: {self.date:%d.%m.%Y}"


class Slot(models.Model):
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="slots", verbose_name=_("resource"))
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))

    class Meta:
        ordering = ["starts_at", "resource"]
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        # The time line across resources: the earliest free slots of every oncologist in the city are read
        # in this order, stopping at the first free ones (scheduling.services.free_slots).
        indexes = [models.Index(fields=["starts_at", "resource"], name="slot_starts_resource")]
        constraints = [
            models.UniqueConstraint(fields=["resource", "starts_at"], name="one_slot_per_resource_and_time"),
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="slot_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.resource.name}: {timezone.localtime(self.starts_at):%d.%m.%Y %H:%M}"


class Booking(TimeStampedModel):
    """A slot held for someone. ``purpose`` names what holds it (``psych.consultation``,
    ``navigation.appointment``), so the calendar shows the booking without knowing that app."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("booked")
        CANCELLED = "cancelled", _("cancelled")

    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("slot"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.BOOKED)
    purpose = models.CharField(_("for"), max_length=50)
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("citizen"),
    )
    overbooked = models.BooleanField(_("overbooked"), default=False)
    overbook_reason = models.CharField(_("why overbooked"), max_length=300, blank=True)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("booked by")
    )
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    class Meta:
        ordering = ["slot__starts_at", "pk"]
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        constraints = [
            # The guard against double booking is the database's: of two transactions booking the same
            # slot, the second fails on this index, whatever either of them checked before.
            models.UniqueConstraint(
                fields=["slot"], condition=models.Q(status="booked", overbooked=False), name="one_booking_per_slot"
            ),
            models.CheckConstraint(
                condition=models.Q(overbooked=False) | ~models.Q(overbook_reason=""), name="overbooking_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.slot}: {self.get_status_display()}"


class CalendarDay(models.Model):
    """A day of the production calendar (производственный календарь) that differs from the plain week.

    Monday to Friday are working days and Saturday and Sunday are days off, except the dates stored here:
    a ``holiday`` is a weekday nobody works (a public holiday of Article 112 of the Labour Code, or a day
    off moved there by a transfer), a ``working`` day a Saturday or Sunday made a working day by a
    transfer. A weekday may be stored as ``working`` only to mark it ``shortened`` (the working day
    before a public holiday is an hour shorter, Article 95). ``scheduling.workdays`` counts with these
    rows; administrators keep them in Django admin.
    """

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("non-working day")
        WORKING = "working", _("working day")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    shortened = models.BooleanField(
        _("shortened by an hour"), default=False, help_text=_("The working day before a public holiday.")
    )
    note = models.CharField(
        _("note"),
        max_length=200,
        blank=True,
        help_text=_("What the day is and why: a holiday, a transfer and its source."),
    )

    class Meta:
        ordering = ["date"]
        verbose_name = _("production calendar day")
        verbose_name_plural = _("production calendar")
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=["holiday", "working"]), name="calendar_day_kind_known"),
            models.CheckConstraint(
                condition=~models.Q(kind="holiday", shortened=True), name="calendar_day_holiday_not_shortened"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y}: {self.get_kind_display()}"

    def clean(self) -> None:
        """Refuse rows that would say nothing: the weekday rule already decides those days."""
        super().clean()
        if self.date is None:
            return
        weekend = self.date.weekday() >= 5
        if self.kind == self.Kind.HOLIDAY and weekend:
            raise ValidationError(
                {"kind": _("Saturdays and Sundays are days off already: mark a weekday as a non-working day.")}
            )
        if self.kind == self.Kind.WORKING and not weekend and not self.shortened:
            raise ValidationError(
                {
                    "kind": _(
                        "A weekday is a working day already: mark a Saturday or Sunday as a working day, "
                        "or a weekday only to shorten it."
                    )
                }
            )
        if self.kind == self.Kind.HOLIDAY and self.shortened:
            raise ValidationError({"shortened": _("A non-working day cannot be shortened.")})
