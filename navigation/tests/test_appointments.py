"""Appointments of the oncology programme: finding a slot across facilities, booking (the last slot goes to
one assistant), moving and cancelling on the version seen, the outcome, and the reminders on a controlled
clock."""

import datetime
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection
from django.utils import timezone, translation

from audit.models import AuditEvent
from core.actor import Actor
from core.exceptions import ConcurrentEditError, ValidationError
from directory.models import Organisation
from navigation import appointments, services
from navigation.models import Appointment, CallTask, Journey, Reminder
from navigation.tests.conftest import Clinic, referral_input
from notify.models import OutboxMessage
from people.models import PersonPhone
from people.tests.factories import OkrugFactory, OrganisationFactory, PersonFactory, PhoneFactory
from scheduling.models import Booking, Resource, Slot

MOSCOW = ZoneInfo("Europe/Moscow")


# --- the facilities and helpers (also used by test_matrix) ---------------------------------------------


@dataclass
class Facilities:
    """An oncology centre in the patient's okrug, a hospital and the polyclinic in another; an oncologist at
    each, a CT scanner at the centre and the hospital."""

    places: dict[str, Organisation]
    resources: dict[tuple[str, str], Resource] = field(default_factory=dict)

    def slot(
        self, place: str, code: str, *, days: int = 3, hour: int = 10, minute: int = 0, on: datetime.date | None = None
    ) -> Slot:
        day = (on or timezone.localdate()) + datetime.timedelta(days=days)
        starts = datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=MOSCOW)
        slot, _created = Slot.objects.get_or_create(
            resource=self.resources[place, code],
            starts_at=starts,
            defaults={"ends_at": starts + datetime.timedelta(minutes=30)},
        )
        return slot


def make_facilities(clinic: Clinic) -> Facilities:
    home = clinic.patient.district.okrug
    other = OkrugFactory(code="САО", name="Северный административный округ")
    centre = OrganisationFactory(
        name="ЦАОП ГП № 3", short_name="ЦАОП на Ключевой", kind=Organisation.Kind.ONCOLOGY_CENTRE, okrug=home,
        address="ул. Ключевая, д. 1",
    )  # fmt: skip
    hospital = OrganisationFactory(
        name="ГКБ № 40", kind=Organisation.Kind.HOSPITAL, okrug=other, address="ул. Касаткина, д. 7"
    )
    clinic.polyclinic.okrug = other
    clinic.polyclinic.save()
    places = {"centre": centre, "hospital": hospital, "polyclinic": clinic.polyclinic}
    facilities = Facilities(places=places)
    for place, organisation in places.items():
        facilities.resources[place, "oncologist"] = Resource.objects.create(
            organisation=organisation, kind=Resource.Kind.SPECIALTY, code="oncologist", name="Онколог"
        )
    for place in ("centre", "hospital"):
        facilities.resources[place, "ct"] = Resource.objects.create(
            organisation=places[place], kind=Resource.Kind.DEVICE, code="ct", name="Компьютерная томография"
        )
    return facilities


def enrolled(clinic: Clinic, person: Any = None, reminders_by: str = "sms", phone: bool = True) -> Journey:
    person = person or clinic.patient
    if phone and not person.phones.filter(kind=PersonPhone.Kind.MOBILE).exists():
        PhoneFactory(person=person, kind=PersonPhone.Kind.MOBILE)
    referral = services.register_referral(actor=Actor(clinic.assistant), person=person, data=referral_input(clinic))
    return services.enrol(
        actor=Actor(clinic.assistant),
        referral=referral,
        reminders_by=reminders_by,
        evidence="устно",
        expected_version=1,
    )


def booked(clinic: Clinic, journey: Journey, slot: Slot, kind: str = "oncologist", **extra: Any) -> Appointment:
    return appointments.book_appointment(actor=Actor(journey.assistant), journey=journey, slot=slot, kind=kind, **extra)


def journal(obj_type: str = "navigation.appointment") -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type=obj_type).order_by("pk"))


@pytest.fixture
def places(clinic: Clinic) -> Facilities:
    return make_facilities(clinic)


# --- booking ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_appointment_is_booked_with_two_reminders_and_journaled(clinic, places):
    journey = enrolled(clinic)
    slot = places.slot("centre", "oncologist", days=3)
    appointment = booked(clinic, journey, slot)
    assert appointment.status == "booked" and appointment.booking.slot == slot
    assert appointment.booking.purpose == "navigation.appointment" and appointment.booking.person == clinic.patient
    reminders = list(appointment.reminders.order_by("-offset_minutes"))
    assert [(r.offset_minutes, r.channel) for r in reminders] == [(1440, "sms"), (120, "sms")]
    assert [r.due_at for r in reminders] == [
        slot.starts_at - datetime.timedelta(days=1),
        slot.starts_at - datetime.timedelta(hours=2),
    ]
    [event] = journal()
    assert event.person_id == clinic.patient.pk and event.action == "create"


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["colleague", "supervisor", "operator", "psychologist"])
def test_only_the_patients_own_assistant_books_and_a_refusal_writes_nothing(clinic, places, who):
    journey = enrolled(clinic)
    events = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        appointments.book_appointment(
            actor=Actor(getattr(clinic, who)), journey=journey, slot=places.slot("centre", "ct"), kind="ct"
        )
    assert not Booking.objects.exists() and not Appointment.objects.exists() and not Reminder.objects.exists()
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_the_last_free_slot_goes_to_the_first_of_two_assistants_and_the_second_is_told(clinic, places):
    mine = enrolled(clinic)
    theirs = enrolled(clinic, person=PersonFactory(surname="Орлова"))
    assert theirs.assistant == clinic.colleague
    slot = places.slot("hospital", "ct")
    booked(clinic, mine, slot, kind="ct")
    events = AuditEvent.objects.count()
    with translation.override("en"), pytest.raises(ValidationError) as error:
        booked(clinic, theirs, Slot.objects.get(pk=slot.pk), kind="ct")
    assert error.value.message_dict == {"slot": ["This time has just been taken: choose another slot."]}
    assert Appointment.objects.get().journey == mine and Booking.objects.count() == 1
    assert Reminder.objects.count() == 2 and AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_overbooking_needs_a_reason_and_the_journal_says_so(clinic, places):
    mine = enrolled(clinic)
    theirs = enrolled(clinic, person=PersonFactory(surname="Орлова"))
    slot = places.slot("centre", "oncologist")
    booked(clinic, theirs, slot)
    with translation.override("en"), pytest.raises(ValidationError) as error:
        booked(clinic, mine, slot, overbook=True, reason="  ")
    assert error.value.message_dict == {"overbook_reason": ["Say why the slot is overbooked."]}
    assert Appointment.objects.count() == 1
    appointment = booked(clinic, mine, slot, overbook=True, reason="cito, онколог согласовал")
    assert appointment.booking.overbooked and appointment.booking.overbook_reason == "cito, онколог согласовал"
    assert journal()[-1].details["overbooked"] is True


@pytest.mark.django_db
def test_a_psychologists_slot_or_an_unknown_kind_or_a_closed_journey_is_refused(clinic, places):
    journey = enrolled(clinic)
    slot = places.slot("centre", "oncologist")
    with translation.override("en"), pytest.raises(ValidationError) as error:
        booked(clinic, journey, slot, kind="massage")
    assert set(error.value.message_dict) == {"kind"}
    Journey.objects.filter(pk=journey.pk).update(stage="closed", closed_because="excluded")
    journey.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        booked(clinic, journey, slot)
    assert "__all__" in error.value.message_dict and not Appointment.objects.exists()


# --- finding a slot -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_slots_are_searched_across_facilities_earliest_first_the_patients_okrug_first_at_the_same_time(clinic, places):
    at_nine = [places.slot(p, "oncologist", days=2, hour=9) for p in ("polyclinic", "hospital", "centre")]
    earlier = places.slot("hospital", "oncologist", days=1, hour=15)
    later = places.slot("centre", "oncologist", days=4, hour=8)
    places.slot("centre", "ct", days=1, hour=8)  # another resource type
    taken = places.slot("polyclinic", "oncologist", days=1, hour=8)
    booked(clinic, enrolled(clinic), taken)
    found = appointments.search_slots("oncologist", clinic.patient, limit=10)
    centre, hospital, polyclinic = at_nine[2], at_nine[1], at_nine[0]
    assert found[0] == earlier
    assert found[1] == centre  # the patient's okrug first at 9:00
    assert {found[2], found[3]} == {hospital, polyclinic}
    assert found[4] == later and len(found) == 5
    assert appointments.search_slots("oncologist", clinic.patient, limit=2) == [earlier, centre]


@pytest.mark.django_db
def test_past_slots_and_inactive_resources_are_not_offered(clinic, places):
    places.slot("centre", "ct", days=-1)
    places.resources["hospital", "ct"].is_active = False
    places.resources["hospital", "ct"].save()
    places.slot("hospital", "ct", days=2)
    assert appointments.search_slots("ct", clinic.patient) == []


# --- moving and cancelling ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_moving_holds_the_new_slot_frees_the_old_and_plans_the_reminders_again(clinic, places):
    journey = enrolled(clinic)
    old = places.slot("centre", "oncologist", days=3)
    appointment = booked(clinic, journey, old)
    new = places.slot("hospital", "oncologist", days=5, hour=14)
    moved = appointments.move_appointment(
        actor=Actor(clinic.assistant), appointment=appointment, to=new, expected_version=1
    )
    assert moved.version == 2 and moved.booking.slot == new and moved.status == "booked"
    assert Booking.objects.get(slot=old).status == "cancelled"
    assert old in appointments.search_slots("oncologist", clinic.patient)
    assert sorted(moved.reminders.values_list("due_at", flat=True)) == [
        new.starts_at - datetime.timedelta(days=1),
        new.starts_at - datetime.timedelta(hours=2),
    ]
    assert [e.action for e in journal()] == ["create", "change"]
    assert journal()[-1].person_id == clinic.patient.pk and journal()[-1].details["previous_slot"] == old.pk


@pytest.mark.django_db
def test_moving_or_cancelling_on_a_stale_version_is_refused_and_nothing_is_written(clinic, places):
    journey = enrolled(clinic)
    appointment = booked(clinic, journey, places.slot("centre", "oncologist"))
    appointments.move_appointment(
        actor=Actor(clinic.assistant),
        appointment=Appointment.objects.get(pk=appointment.pk),
        to=places.slot("centre", "oncologist", hour=11),
        expected_version=1,
    )
    before = (AuditEvent.objects.count(), Booking.objects.count(), Reminder.objects.count())
    stale = Appointment.objects.get(pk=appointment.pk)
    with pytest.raises(ConcurrentEditError):
        appointments.move_appointment(
            actor=Actor(clinic.assistant),
            appointment=stale,
            to=places.slot("hospital", "oncologist"),
            expected_version=1,
        )
    with pytest.raises(ConcurrentEditError):
        appointments.cancel_appointment(
            actor=Actor(clinic.assistant), appointment=stale, reason="болеет", expected_version=1
        )
    with pytest.raises(ConcurrentEditError):
        appointments.record_outcome(
            actor=Actor(clinic.assistant), appointment=stale, outcome="missed", result="", expected_version=1
        )
    assert (AuditEvent.objects.count(), Booking.objects.count(), Reminder.objects.count()) == before
    stale.refresh_from_db()
    assert stale.version == 2 and stale.status == "booked"


@pytest.mark.django_db
def test_moving_to_a_taken_slot_keeps_the_old_one(clinic, places):
    journey = enrolled(clinic)
    appointment = booked(clinic, journey, places.slot("centre", "oncologist"))
    taken = places.slot("centre", "oncologist", hour=12)
    booked(clinic, enrolled(clinic, person=PersonFactory(surname="Орлова")), taken)
    with pytest.raises(ValidationError):
        appointments.move_appointment(
            actor=Actor(clinic.assistant), appointment=appointment, to=taken, expected_version=1
        )
    appointment.refresh_from_db()
    assert appointment.version == 1 and appointment.booking.status == "booked"
    assert appointment.reminders.count() == 2


@pytest.mark.django_db
def test_cancelling_needs_a_reason_frees_the_slot_and_drops_the_reminders_not_sent(clinic, places):
    journey = enrolled(clinic)
    slot = places.slot("centre", "oncologist", days=3)
    appointment = booked(clinic, journey, slot)
    with pytest.raises(ValidationError) as error:
        appointments.cancel_appointment(
            actor=Actor(clinic.assistant), appointment=appointment, reason=" ", expected_version=1
        )
    assert set(error.value.message_dict) == {"reason"}
    Reminder.objects.filter(offset_minutes=1440).update(sent_at=timezone.now())  # one already went
    cancelled = appointments.cancel_appointment(
        actor=Actor(clinic.assistant), appointment=appointment, reason="госпитализирована", expected_version=1
    )
    assert cancelled.status == "cancelled" and cancelled.cancel_reason == "госпитализирована"
    assert cancelled.booking.status == "cancelled"
    assert slot in appointments.search_slots("oncologist", clinic.patient)
    assert list(cancelled.reminders.values_list("offset_minutes", flat=True)) == [1440]
    assert [e.action for e in journal()] == ["create", "change"] and journal()[-1].person_id == clinic.patient.pk
    with pytest.raises(ValidationError):
        appointments.move_appointment(actor=Actor(clinic.assistant), appointment=cancelled, to=slot, expected_version=2)


@pytest.mark.django_db
def test_a_colleague_cannot_move_cancel_or_record_and_nothing_is_written(clinic, places):
    appointment = booked(clinic, enrolled(clinic), places.slot("centre", "oncologist"))
    events = AuditEvent.objects.count()
    for action in (
        lambda: appointments.move_appointment(
            actor=Actor(clinic.colleague), appointment=appointment, to=places.slot("hospital", "ct"), expected_version=1
        ),
        lambda: appointments.cancel_appointment(
            actor=Actor(clinic.supervisor), appointment=appointment, reason="x", expected_version=1
        ),
        lambda: appointments.record_outcome(
            actor=Actor(clinic.colleague), appointment=appointment, outcome="missed", result="", expected_version=1
        ),
    ):
        with pytest.raises(PermissionDenied):
            action()
    appointment.refresh_from_db()
    assert appointment.version == 1 and AuditEvent.objects.count() == events and Booking.objects.count() == 1


# --- outcome ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_missed_visit_gives_the_assistant_a_call_task_and_an_attended_one_does_not(clinic, places):
    journey = enrolled(clinic)
    first = booked(clinic, journey, places.slot("centre", "oncologist", days=1))
    second = booked(clinic, journey, places.slot("hospital", "ct", days=2), kind="ct")
    with translation.override("en"), pytest.raises(ValidationError) as error:
        appointments.record_outcome(
            actor=Actor(clinic.assistant), appointment=first, outcome="attended", result="", expected_version=1
        )
    assert error.value.message_dict["__all__"] == ["The appointment has not begun yet: record its outcome afterwards."]
    with time_machine.travel(timezone.now() + datetime.timedelta(days=3)):
        attended = appointments.record_outcome(
            actor=Actor(clinic.assistant),
            appointment=first,
            outcome="attended",
            result="направлена на КТ",
            expected_version=1,
        )
        missed = appointments.record_outcome(
            actor=Actor(clinic.assistant), appointment=second, outcome="missed", result="", expected_version=1
        )
    assert attended.status == "attended" and attended.result == "направлена на КТ"
    [task] = CallTask.objects.exclude(kind="welcome")
    assert task.kind == "missed_visit" and task.appointment == missed and task.assigned_to == clinic.assistant
    assert task.journey == journey and task.done_at is None
    assert not Reminder.objects.filter(sent_at__isnull=True).exists()  # nothing left to remind of
    outcomes = [e for e in journal() if e.details.get("status") in ("attended", "missed")]
    assert len(outcomes) == 2 and {e.person_id for e in outcomes} == {clinic.patient.pk}


# --- reminders ----------------------------------------------------------------------------------------

MONDAY_9 = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=MOSCOW)
WEDNESDAY_10 = datetime.datetime(2027, 3, 3, 10, 0, tzinfo=MOSCOW)


def _booked_on_monday(clinic: Clinic, places: Facilities, **enrolment: Any) -> Appointment:
    with time_machine.travel(MONDAY_9, tick=False):
        journey = enrolled(clinic, **enrolment)
        slot = places.slot("centre", "oncologist", on=MONDAY_9.date(), days=2, hour=10)
        assert slot.starts_at == WEDNESDAY_10
        return booked(clinic, journey, slot)


def sweep(at: datetime.datetime) -> int:
    with time_machine.travel(at, tick=False):
        return appointments.send_due_reminders()


@pytest.mark.django_db
def test_sms_reminders_go_a_day_and_two_hours_before_once_each(clinic, places):
    appointment = _booked_on_monday(clinic, places)
    day_before = WEDNESDAY_10 - datetime.timedelta(days=1)
    assert sweep(day_before - datetime.timedelta(minutes=1)) == 0  # nothing early
    assert not OutboxMessage.objects.exists()
    assert sweep(day_before) == 1
    assert sweep(day_before + datetime.timedelta(minutes=1)) == 0  # a restart sends nothing twice
    assert sweep(WEDNESDAY_10 - datetime.timedelta(hours=2, minutes=1)) == 0
    assert sweep(WEDNESDAY_10 - datetime.timedelta(hours=2)) == 1
    assert sweep(WEDNESDAY_10 - datetime.timedelta(hours=1)) == 0
    messages = list(OutboxMessage.objects.order_by("pk"))
    phone = clinic.patient.phones.get().number
    assert (
        len(messages) == 2 and {m.channel for m in messages} == {"sms"} and {m.recipient for m in messages} == {phone}
    )
    body = messages[0].body
    assert "03.03.2027" in body and "10:00" in body and "ЦАОП на Ключевой" in body and "ул. Ключевая, д. 1" in body
    assert "Онколог" in body
    assert "C50" not in body and clinic.c50.name.lower() not in body.lower()
    reminders = list(appointment.reminders.order_by("-offset_minutes"))
    assert [r.outbox_message for r in reminders] == messages and all(r.sent_at for r in reminders)
    assert not CallTask.objects.exclude(kind="welcome").exists()


@pytest.mark.django_db
def test_a_stopped_sweep_sends_only_the_latest_due_reminder_and_none_after_the_start(clinic, places):
    _booked_on_monday(clinic, places)
    assert sweep(WEDNESDAY_10 - datetime.timedelta(hours=1)) == 1
    assert OutboxMessage.objects.count() == 1 and not Reminder.objects.filter(sent_at__isnull=True).exists()
    other = PersonFactory(surname="Орлова")
    with time_machine.travel(MONDAY_9, tick=False):
        booked(clinic, enrolled(clinic, person=other), places.slot("hospital", "ct", on=MONDAY_9.date(), days=1))
    assert sweep(MONDAY_9 + datetime.timedelta(days=2)) == 0  # it began yesterday
    assert OutboxMessage.objects.count() == 1


@pytest.mark.django_db
def test_a_patient_who_prefers_calls_gets_a_call_task_for_the_assistant_instead_of_an_sms(clinic, places):
    appointment = _booked_on_monday(clinic, places, reminders_by="call")
    assert set(appointment.reminders.values_list("channel", flat=True)) == {"call"}
    assert sweep(WEDNESDAY_10 - datetime.timedelta(days=1)) == 1
    assert sweep(WEDNESDAY_10 - datetime.timedelta(days=1)) == 0
    [task] = CallTask.objects.exclude(kind="welcome")
    assert task.kind == "reminder" and task.assigned_to == clinic.assistant and task.appointment == appointment
    assert not OutboxMessage.objects.exists()
    assert Reminder.objects.get(offset_minutes=1440).call_task == task


@pytest.mark.django_db
def test_a_patient_without_a_mobile_phone_is_called(clinic, places):
    appointment = _booked_on_monday(clinic, places, phone=False)
    assert set(appointment.reminders.values_list("channel", flat=True)) == {"call"}
    assert sweep(WEDNESDAY_10 - datetime.timedelta(hours=2)) == 1
    assert CallTask.objects.exclude(kind="welcome").get().kind == "reminder" and not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_a_patient_who_wants_no_reminders_gets_none(clinic, places):
    appointment = _booked_on_monday(clinic, places, reminders_by="none")
    assert not appointment.reminders.exists()


@pytest.mark.django_db
def test_a_cancelled_appointment_is_not_reminded_and_a_moved_one_is_reminded_of_its_new_time(clinic, places):
    appointment = _booked_on_monday(clinic, places)
    with time_machine.travel(MONDAY_9, tick=False):
        new = places.slot("hospital", "oncologist", on=MONDAY_9.date(), days=3, hour=15)
        appointments.move_appointment(
            actor=Actor(clinic.assistant), appointment=appointment, to=new, expected_version=1
        )
    assert sweep(WEDNESDAY_10 - datetime.timedelta(hours=2)) == 0
    assert sweep(new.starts_at - datetime.timedelta(days=1)) == 1
    assert "04.03.2027" in OutboxMessage.objects.get().body and "15:00" in OutboxMessage.objects.get().body
    with time_machine.travel(MONDAY_9 + datetime.timedelta(days=2), tick=False):
        appointments.cancel_appointment(
            actor=Actor(clinic.assistant),
            appointment=Appointment.objects.get(pk=appointment.pk),
            reason="отменил врач",
            expected_version=2,
        )
    assert sweep(new.starts_at - datetime.timedelta(hours=2)) == 0
    assert OutboxMessage.objects.count() == 1


@pytest.mark.django_db
def test_the_command_sends_the_due_reminders(clinic, places, capsys):
    _booked_on_monday(clinic, places)
    with time_machine.travel(WEDNESDAY_10 - datetime.timedelta(days=1), tick=False):
        call_command("navigation_reminders")
        call_command("navigation_reminders")
    assert capsys.readouterr().out.splitlines() == ["appointment reminders sent: 1", "appointment reminders sent: 0"]


# --- the race on PostgreSQL ---------------------------------------------------------------------------


def twice_at_once(first: Callable[[], Any], second: Callable[[], Any]) -> list[Any]:
    """Run both from two threads released together, each on its own connection; results or errors."""
    barrier = threading.Barrier(2)
    results: list[Any] = []

    def run(action: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            with translation.override("en"):
                results.append(action())
        except ValidationError as error:
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(action,)) for action in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the race needs PostgreSQL's concurrent writers")
def test_two_assistants_booking_the_last_slot_at_once_one_wins(clinic, places):
    journeys = [enrolled(clinic), enrolled(clinic, person=PersonFactory(surname="Орлова"))]
    assert {j.assistant for j in journeys} == {clinic.assistant, clinic.colleague}
    slot = places.slot("hospital", "ct")
    results = twice_at_once(
        *(
            lambda j=j: appointments.book_appointment(
                actor=Actor(j.assistant),
                journey=Journey.objects.get(pk=j.pk),
                slot=Slot.objects.get(pk=slot.pk),
                kind="ct",
            )
            for j in journeys
        )
    )
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(results) == 2 and len(refused) == 1
    assert refused[0].message_dict == {"slot": ["This time has just been taken: choose another slot."]}
    assert Booking.objects.filter(slot=slot, status="booked").count() == 1
    winner = Appointment.objects.get()
    assert winner.reminders.count() == 2 and len(journal()) == 1


# --- the patient's reply, and a gateway that fails (issue 14, §4 and §7) -----------------------------------


@pytest.mark.django_db
def test_the_patients_reply_confirms_cancels_or_asks_for_another_time(clinic, places):
    from navigation.models import Reply

    journey = enrolled(clinic)
    confirmed = booked(clinic, journey, places.slot("centre", "oncologist", days=3))
    cancelled = booked(clinic, journey, places.slot("centre", "ct", days=4), kind="ct")
    moved = booked(clinic, journey, places.slot("hospital", "ct", days=5), kind="ct")
    actor = Actor(journey.assistant)
    appointments.record_reply(actor=actor, appointment=confirmed, reply=Reply.CONFIRMED, expected_version=1)
    appointments.record_reply(actor=actor, appointment=cancelled, reply=Reply.CANCEL, expected_version=1)
    appointments.record_reply(actor=actor, appointment=moved, reply=Reply.MOVE, expected_version=1)
    for a in (confirmed, cancelled, moved):
        a.refresh_from_db()
    assert (confirmed.status, confirmed.reply, confirmed.reminders.count()) == ("booked", "confirmed", 2)
    assert cancelled.status == "cancelled" and cancelled.booking.status == Booking.Status.CANCELLED
    with translation.override("ru"):
        assert "отменить" in cancelled.cancel_reason
    assert not cancelled.reminders.exists()
    assert moved.status == "booked" and moved.reply == "move"
    [task] = CallTask.objects.filter(kind="new_time")
    assert task.appointment == moved and task.assigned_to == journey.assistant and task.done_at is None
    assert {e.details.get("reply") for e in journal()} >= {"confirmed", "cancel", "move"}
    with pytest.raises(ConcurrentEditError):
        appointments.record_reply(actor=actor, appointment=confirmed, reply=Reply.CANCEL, expected_version=1)
    with pytest.raises(ValidationError):
        appointments.record_reply(actor=actor, appointment=confirmed, reply="maybe", expected_version=2)
    with pytest.raises(PermissionDenied):
        appointments.record_reply(
            actor=Actor(clinic.supervisor), appointment=confirmed, reply=Reply.CANCEL, expected_version=2
        )


@pytest.mark.django_db
def test_a_reply_after_the_visit_began_is_refused(clinic, places):
    appointment = _booked_on_monday(clinic, places)
    begun = time_machine.travel(WEDNESDAY_10 + datetime.timedelta(minutes=5), tick=False)
    with begun, pytest.raises(ValidationError):
        appointments.record_reply(
            actor=Actor(clinic.assistant), appointment=appointment, reply="cancel", expected_version=1
        )
    appointment.refresh_from_db()
    assert appointment.status == "booked" and appointment.reply == ""


@pytest.mark.django_db
def test_a_reminder_the_gateway_refuses_is_retried_by_the_outbox_and_sent_once(clinic, places, settings):
    from notify import channels, delivery
    from notify.tests.conftest import CountingChannel

    settings.OPORA_SMS_CHANNEL = "counting"
    channels.REGISTRY["counting"] = CountingChannel
    CountingChannel.calls = []
    CountingChannel.fail_with = channels.DeliveryError("gateway down")
    try:
        _booked_on_monday(clinic, places)
        day_before = WEDNESDAY_10 - datetime.timedelta(days=1)
        assert sweep(day_before) == 1
        [message] = OutboxMessage.objects.all()
        with time_machine.travel(day_before, tick=False):
            assert delivery.deliver(message.pk) == "retry"
        message.refresh_from_db()
        CountingChannel.fail_with = None
        assert sweep(message.next_attempt_at) == 0  # the reminder is not queued again
        with time_machine.travel(message.next_attempt_at, tick=False):
            assert delivery.deliver(message.pk) == "sent"
        message.refresh_from_db()
        assert message.status == "sent" and message.attempts == 2
        assert CountingChannel.calls == [message.pk, message.pk]
        assert OutboxMessage.objects.count() == 1
    finally:
        channels.REGISTRY.pop("counting", None)
        CountingChannel.fail_with = None
