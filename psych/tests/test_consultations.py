"""Consultations: the walk-in queue, moves, ending with topic and outcome, booking a slot, online links and
reminders, and closing a route step."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from audit.models import AuditEvent
from cases import services as case_services
from cases.models import Responsible, RouteStep, StepKind
from core.actor import Actor
from core.exceptions import ConcurrentEditError, ValidationError
from notify.models import OutboxMessage
from people.models import PersonPhone
from psych import services
from psych.models import Consultation
from scheduling.models import Booking, Resource, Slot

# A working morning in the city, for tests whose outcome depends on the day changing.
MIDDAY = datetime.datetime(2027, 3, 3, 11, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=3)))

pytestmark = pytest.mark.django_db
Status = Consultation.Status


def walk_in(clinic, label="", person=None, user=None):
    return services.register_walk_in(
        actor=Actor(user or clinic.psychologist), client=services.Client(person=person, label=label)
    )


def slot_of(user, *, hours_ahead=26, minutes=50):
    worker = user.worker
    resource, _ = Resource.objects.get_or_create(
        worker=worker,
        organisation=worker.organisation,
        defaults={"kind": "specialist", "code": "psychologist", "name": worker.full_name},
    )
    start = (timezone.now() + datetime.timedelta(hours=hours_ahead)).replace(second=0, microsecond=0)
    return Slot.objects.create(resource=resource, starts_at=start, ends_at=start + datetime.timedelta(minutes=minutes))


# --- the walk-in queue ----------------------------------------------------------------------------


def test_walk_ins_get_the_next_number_of_the_day_and_anonymous_is_allowed(clinic):
    first = walk_in(clinic)
    second = walk_in(clinic, label="Ольга")
    assert (first.ticket, second.ticket) == (1, 2)
    assert first.client_label in ("анонимно", "anonymous")
    assert first.status == Status.WAITING and first.place == clinic.hospital
    assert first.mode == Consultation.Mode.WALK_IN and first.format == Consultation.Format.IN_PERSON


def test_numbers_start_again_the_next_day(clinic):
    with time_machine.travel(datetime.datetime(2026, 12, 1, 10, 0, tzinfo=datetime.UTC)):
        walk_in(clinic)
        walk_in(clinic)
    with time_machine.travel(datetime.datetime(2026, 12, 2, 10, 0, tzinfo=datetime.UTC)):
        assert walk_in(clinic).ticket == 1


def test_a_coordinator_cannot_register_a_walk_in_and_nothing_is_written(clinic):
    with pytest.raises(PermissionDenied):
        walk_in(clinic, user=clinic.coordinator)
    assert not Consultation.objects.exists()


def test_an_onco_psychologist_must_choose_one_of_the_centres(clinic):
    with pytest.raises(ValidationError) as error:
        services.register_walk_in(
            actor=Actor(clinic.onco_psychologist), client=services.Client(), place=clinic.hospital
        )
    assert "place" in error.value.message_dict
    assert not Consultation.objects.exists()
    found = services.register_walk_in(
        actor=Actor(clinic.onco_psychologist), client=services.Client(), place=clinic.onco_centre
    )
    assert found.place_kind == Consultation.Place.ONCOLOGY_CENTRE and found.organisation == clinic.onco_service


def test_a_name_with_control_characters_is_refused(clinic):
    with pytest.raises(ValidationError) as error:
        walk_in(clinic, label="Оля\x00\x07")
    assert "client_label" in error.value.message_dict
    assert not Consultation.objects.exists()


def test_call_next_calls_in_who_waited_longest_and_two_psychologists_call_two_people(request, clinic):
    # Mid-morning, so that twenty minutes ago is the same day in the city (the queue restarts each day).
    noon = time_machine.travel(MIDDAY, tick=True)
    noon.start()
    request.addfinalizer(noon.stop)
    with time_machine.travel(MIDDAY - datetime.timedelta(minutes=20)):
        first = walk_in(clinic, label="Первая")
    second = walk_in(clinic, label="Вторая")
    called = services.call_next(actor=Actor(clinic.psychologist), place=clinic.hospital)
    other = services.call_next(actor=Actor(clinic.colleague), place=clinic.hospital)
    assert (called.pk, other.pk) == (first.pk, second.pk)
    assert called.psychologist == clinic.psychologist and called.status == Status.CALLED
    assert called.waited_minutes() >= 19
    assert services.call_next(actor=Actor(clinic.psychologist), place=clinic.hospital) is None


def test_a_walk_in_goes_through_to_held_with_topic_outcome_and_duration(clinic):
    c = walk_in(clinic, person=clinic.patient)
    c = services.call_next(actor=Actor(clinic.psychologist), place=clinic.hospital)
    c = services.move(
        actor=Actor(clinic.psychologist), consultation=c, to=Status.IN_PROGRESS, expected_version=c.version
    )
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=42)):
        c = services.finish(
            actor=Actor(clinic.psychologist),
            consultation=c,
            expected_version=c.version,
            topic=clinic.topic,
            outcome=Consultation.Outcome.SUPPORTED,
            next_step="Группа поддержки",
        )
    assert c.status == Status.DONE and c.duration_minutes in (41, 42, 43)
    actions = list(
        AuditEvent.objects.filter(object_type="psych.consultation", object_id=str(c.pk)).values_list(
            "action", flat=True
        )
    )
    assert actions.count("change") == 3 and actions.count("create") == 1
    assert all(e.person_id == clinic.patient.pk for e in AuditEvent.objects.filter(object_id=str(c.pk)))


def test_ending_needs_topic_and_outcome_and_writes_nothing_without_them(clinic):
    c = walk_in(clinic)
    c = services.move(
        actor=Actor(clinic.psychologist), consultation=c, to=Status.IN_PROGRESS, expected_version=c.version
    )
    with pytest.raises(ValidationError) as error:
        services.finish(
            actor=Actor(clinic.psychologist), consultation=c, expected_version=c.version, topic=None, outcome=""
        )
    assert set(error.value.message_dict) >= {"topic", "outcome"}
    c.refresh_from_db()
    assert c.status == Status.IN_PROGRESS and c.ended_at is None


def test_a_stale_version_is_refused(clinic):
    c = walk_in(clinic)
    stale = c.version
    services.move(actor=Actor(clinic.colleague), consultation=c, to=Status.CALLED, expected_version=stale)
    c = Consultation.objects.get(pk=c.pk)
    with pytest.raises(ConcurrentEditError):
        services.move(actor=Actor(clinic.psychologist), consultation=c, to=Status.LEFT, expected_version=stale)
    assert Consultation.objects.get(pk=c.pk).status == Status.CALLED


def test_an_illegal_move_is_refused_with_the_names_of_the_states(clinic):
    c = walk_in(clinic)
    with pytest.raises(ValidationError) as error:
        services.move(actor=Actor(clinic.psychologist), consultation=c, to=Status.NO_SHOW, expected_version=c.version)
    assert "to" in error.value.message_dict


def test_a_psychologist_of_another_hospital_cannot_move_it(clinic):
    c = walk_in(clinic)
    with pytest.raises(PermissionDenied):
        services.move(actor=Actor(clinic.stranger), consultation=c, to=Status.CALLED, expected_version=c.version)


# --- booking ----------------------------------------------------------------------------------------


def test_booking_an_online_consultation_sends_the_link_by_sms_and_e_mail(clinic):
    PersonPhone.objects.create(person=clinic.patient, number="+79165550011", kind="mobile", is_primary=True)
    slot = slot_of(clinic.colleague)
    c = services.book(
        actor=Actor(clinic.psychologist),
        slot=slot,
        client=services.Client(person=clinic.patient, email="maria@example.ru"),
        format=Consultation.Format.ONLINE,
    )
    assert c.status == Status.BOOKED and c.psychologist == clinic.colleague and c.place is None
    assert c.video_link.startswith("https://psy.example.ru/room/") and len(c.video_link) > 30
    sms = OutboxMessage.objects.get(channel="sms")
    assert sms.recipient == "+79165550011" and c.video_link in sms.body
    assert "онлайн" in sms.body.lower()
    assert OutboxMessage.objects.get(channel="email").recipient == "maria@example.ru"
    assert Booking.objects.get(slot=slot).status == "booked"


def test_an_online_consultation_without_a_phone_or_e_mail_is_refused(clinic):
    with pytest.raises(ValidationError) as error:
        services.book(
            actor=Actor(clinic.psychologist),
            slot=slot_of(clinic.psychologist),
            client=services.Client(label="Ольга"),
            format=Consultation.Format.ONLINE,
        )
    assert "client_phone" in error.value.message_dict
    assert not Booking.objects.exists() and not Consultation.objects.exists()


def test_a_slot_is_booked_once(clinic):
    slot = slot_of(clinic.psychologist)
    client = services.Client(person=clinic.patient, phone="+7 916 555-00-11")
    services.book(actor=Actor(clinic.psychologist), slot=slot, client=client, format="in_person")
    with pytest.raises(ValidationError) as error:
        services.book(actor=Actor(clinic.colleague), slot=slot, client=client, format="phone")
    assert "slot" in error.value.message_dict
    assert Consultation.objects.count() == 1 and Booking.objects.count() == 1


def test_a_slot_of_another_service_is_refused(clinic):
    with pytest.raises(ValidationError) as error:
        services.book(
            actor=Actor(clinic.psychologist),
            slot=slot_of(clinic.stranger),
            client=services.Client(phone="+79165550011"),
            format="phone",
        )
    assert "slot" in error.value.message_dict


def test_cancelling_frees_the_slot_and_tells_the_client(clinic):
    slot = slot_of(clinic.psychologist)
    c = services.book(
        actor=Actor(clinic.psychologist), slot=slot, client=services.Client(phone="+79165550011"), format="phone"
    )
    with pytest.raises(ValidationError):
        services.move(actor=Actor(clinic.psychologist), consultation=c, to=Status.CANCELLED, expected_version=c.version)
    services.move(
        actor=Actor(clinic.psychologist),
        consultation=c,
        to=Status.CANCELLED,
        expected_version=c.version,
        reason="заболела",
    )
    assert Booking.objects.get(slot=slot).status == "cancelled"
    assert OutboxMessage.objects.filter(body__contains="отменена").count() == 1
    again = services.book(
        actor=Actor(clinic.colleague), slot=slot, client=services.Client(phone="+79165550011"), format="phone"
    )
    assert again.status == Status.BOOKED


def test_reminders_go_once_at_the_right_time_even_after_a_restart(clinic):
    start = timezone.now().replace(second=0, microsecond=0) + datetime.timedelta(hours=5)
    slot = slot_of(clinic.psychologist, hours_ahead=5)
    c = services.book(
        actor=Actor(clinic.psychologist), slot=slot, client=services.Client(phone="+79165550011"), format="phone"
    )
    assert services.send_due_reminders(now=start - datetime.timedelta(hours=3)) == 0
    assert services.send_due_reminders(now=start - datetime.timedelta(hours=2)) == 1
    assert services.send_due_reminders(now=start - datetime.timedelta(hours=1)) == 0  # a restarted worker
    reminders = OutboxMessage.objects.filter(body__startswith="Напоминание")
    assert reminders.count() == 1
    c.refresh_from_db()
    assert c.reminder_sent_at is not None


def test_a_cancelled_consultation_is_not_reminded(clinic):
    slot = slot_of(clinic.psychologist, hours_ahead=1)
    c = services.book(
        actor=Actor(clinic.psychologist), slot=slot, client=services.Client(phone="+79165550011"), format="phone"
    )
    services.move(
        actor=Actor(clinic.psychologist),
        consultation=c,
        to=Status.CANCELLED,
        expected_version=c.version,
        reason="передумала",
    )
    assert services.send_due_reminders() == 0


# --- the route of help --------------------------------------------------------------------------------


def test_a_consultation_held_closes_the_psychologists_step_of_the_route(clinic):
    from directory.models import Programme

    Programme.objects.get_or_create(code="hospital_coordination", defaults={"name": "Социальная координация"})
    case = case_services.open_hospital_case(
        actor=Actor(clinic.coordinator),
        person=clinic.patient,
        reason="поступила",
        stay=case_services.StayDetails(department="Онкология", admitted_on=timezone.localdate()),
    )
    [step] = case_services.add_steps(
        actor=Actor(clinic.coordinator),
        case=case,
        steps=[
            case_services.NewStep(
                title="Консультация психолога", kind=StepKind.PSYCHOLOGIST, responsible=Responsible.PSYCHOLOGIST
            )
        ],
    )
    assert services.open_psych_steps(clinic.stranger, clinic.patient) == []
    assert services.open_psych_steps(clinic.psychologist, clinic.patient) == [step]
    c = services.book(
        actor=Actor(clinic.psychologist),
        slot=slot_of(clinic.psychologist),
        client=services.Client(person=clinic.patient, phone="+79165550011"),
        format="in_person",
        route_step=step,
    )
    c = services.move(
        actor=Actor(clinic.psychologist), consultation=c, to=Status.IN_PROGRESS, expected_version=c.version
    )
    services.finish(
        actor=Actor(clinic.psychologist),
        consultation=c,
        expected_version=c.version,
        topic=clinic.topic,
        outcome="supported",
        close_step=True,
    )
    step.refresh_from_db()
    assert step.status == RouteStep.Status.DONE
    assert "консультация" in step.result.lower()


def test_a_consultation_held_is_recorded_afterwards_without_messages(clinic):
    started = timezone.now() - datetime.timedelta(days=2, hours=3)
    c = services.record_held(
        actor=Actor(clinic.psychologist),
        client=services.Client(person=clinic.patient),
        details=services.HeldDetails(
            format="phone",
            mode="hotline",
            started_at=started,
            duration_minutes=35,
            topic=clinic.topic,
            outcome="supported",
        ),
    )
    assert c.status == Status.DONE and c.ended_at == started + datetime.timedelta(minutes=35)
    assert c.place is None and c.place_kind == Consultation.Place.REMOTE
    assert not OutboxMessage.objects.exists()


def test_recording_afterwards_refuses_the_future_and_the_distant_past(clinic):
    for started in (timezone.now() + datetime.timedelta(hours=1), timezone.now() - datetime.timedelta(days=31)):
        with pytest.raises(ValidationError) as error:
            services.record_held(
                actor=Actor(clinic.psychologist),
                client=services.Client(),
                details=services.HeldDetails(
                    format="in_person",
                    mode="walk_in",
                    started_at=started,
                    duration_minutes=30,
                    topic=clinic.topic,
                    outcome="supported",
                ),
            )
        assert "started_at" in error.value.message_dict
    assert not Consultation.objects.exists()
