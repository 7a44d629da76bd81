"""free_slots reads a few resources one calendar each and many along the time line (issue 14 §7): both ways
give the same slots — free ones only, of active resources, in the window, earliest first."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.db.models import QuerySet

from people.tests.factories import OrganisationFactory
from scheduling import services
from scheduling.models import Booking, Resource, Slot

MOSCOW = ZoneInfo("Europe/Moscow")
START = datetime.datetime(2030, 3, 4, 9, 0, tzinfo=MOSCOW)


def _calendar(resources: int) -> list[Resource]:
    """``resources`` oncologists, each with slots every 30 minutes over a day, the times shifted a little
    per resource; every third slot booked, every fifth with a cancelled booking (still free)."""
    booker = User.objects.create_user(username="booker")
    made = []
    for n in range(resources):
        resource = Resource.objects.create(
            organisation=OrganisationFactory(), kind=Resource.Kind.SPECIALTY, code="oncologist", name=f"Онколог {n}"
        )
        for step in range(16):
            starts = START + datetime.timedelta(minutes=30 * step + n)
            slot = Slot.objects.create(
                resource=resource, starts_at=starts, ends_at=starts + datetime.timedelta(minutes=30)
            )
            if step % 3 == 0:
                Booking.objects.create(slot=slot, purpose="test", booked_by=booker)
            elif step % 5 == 0:
                Booking.objects.create(slot=slot, purpose="test", booked_by=booker, status="cancelled")
        made.append(resource)
    return made


def _ids(slots: QuerySet[Slot]) -> list[int]:
    return list(slots.values_list("pk", flat=True))


def _both_ways(
    monkeypatch: pytest.MonkeyPatch, resources: QuerySet[Resource], **window: datetime.datetime
) -> list[int]:
    monkeypatch.setattr(services, "FEW_RESOURCES", 100)
    per_calendar = _ids(services.free_slots(resources, **window))
    monkeypatch.setattr(services, "FEW_RESOURCES", 0)
    time_line = _ids(services.free_slots(resources, **window))
    assert per_calendar == time_line
    return time_line


@pytest.mark.django_db
def test_both_ways_give_the_free_slots_of_the_active_resources_in_the_window_earliest_first(monkeypatch):
    resources = _calendar(5)
    Resource.objects.filter(pk=resources[4].pk).update(is_active=False)
    after, before = START + datetime.timedelta(hours=1), START + datetime.timedelta(hours=6)
    found = _both_ways(monkeypatch, Resource.objects.filter(code="oncologist"), after=after, before=before)
    expected = (
        Slot.objects.filter(resource__in=resources[:4], starts_at__gte=after, starts_at__lt=before)
        .exclude(bookings__status="booked")
        .order_by("starts_at", "resource_id")
    )
    assert found == _ids(expected) and len(found) == 4 * 7  # steps 2–11, less 3, 6 and 9
    slots = list(Slot.objects.filter(pk__in=found).order_by("starts_at", "resource_id"))
    assert [s.pk for s in slots] == found
    assert Booking.objects.filter(slot__in=found, status="cancelled").exists()
    assert not Booking.objects.filter(slot__in=found, status="booked").exists()


@pytest.mark.django_db
def test_a_few_resources_are_read_by_their_ids_and_many_along_the_time_line(monkeypatch):
    resources = _calendar(services.FEW_RESOURCES + 1)
    few = Resource.objects.filter(pk__in=[r.pk for r in resources[: services.FEW_RESOURCES]])
    many = Resource.objects.filter(pk__in=[r.pk for r in resources])
    by_ids, along_time = (
        str(services.free_slots(few, after=START).query),
        str(services.free_slots(many, after=START).query),
    )
    assert '"scheduling_slot"."resource_id" IN (' in by_ids
    assert '"scheduling_slot"."resource_id" IN (' not in along_time and 'FROM "scheduling_resource" U0' in along_time
    assert _both_ways(monkeypatch, many, after=START)[:2] == [
        Slot.objects.get(resource=resources[0], starts_at=START + datetime.timedelta(minutes=30)).pk,
        Slot.objects.get(resource=resources[1], starts_at=START + datetime.timedelta(minutes=31)).pk,
    ]
