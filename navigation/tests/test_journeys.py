"""The journey's stages and steps: target times in working days on the production calendar, steps done by
the appointments the patient attends, what is late and why, the follow-up visits that recur for life, the
welcome call at enrolment and the calls that go with the patient to a new assistant."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from audit.models import AuditEvent
from core.actor import Actor
from core.exceptions import ConcurrentEditError, ValidationError
from navigation import appointments, journeys, services
from navigation.models import Appointment, CallTask, Journey, JourneyStep, StepTemplate
from navigation.tests.conftest import Clinic, referral_input
from navigation.tests.test_appointments import booked, make_facilities
from people.models import PersonPhone
from people.tests.factories import PersonFactory, PhoneFactory
from scheduling.models import Booking
from scheduling.workdays import add_working_days

MOSCOW = ZoneInfo("Europe/Moscow")
D = datetime.date
# Wednesday 30 December 2026: 31 December is a day off (moved from 4 January), 1–10 January are holidays and
# a weekend, so the third working day after it is Wednesday 13 January 2027.
NEW_YEAR_EVE = datetime.datetime(2026, 12, 30, 11, 0, tzinfo=MOSCOW)


def enrol(clinic: Clinic, person=None, referred_on: D | None = None) -> Journey:
    person = person or clinic.patient
    if not person.phones.filter(kind=PersonPhone.Kind.MOBILE).exists():
        PhoneFactory(person=person, kind=PersonPhone.Kind.MOBILE)
    data = referral_input(clinic, **({"referred_on": referred_on} if referred_on else {}))
    referral = services.register_referral(actor=Actor(clinic.assistant), person=person, data=data)
    return services.enrol(
        actor=Actor(clinic.assistant), referral=referral, reminders_by="sms", evidence="устно", expected_version=1
    )


def steps(journey: Journey) -> list[tuple[str, str, D]]:
    return [(s.milestone, s.status, s.due_on) for s in JourneyStep.objects.filter(journey=journey).order_by("pk")]


def move(journey: Journey, to: str, on: D, **extra) -> Journey:
    journey.refresh_from_db()
    return journeys.move_stage(
        actor=Actor(journey.assistant), journey=journey, to=to, began_on=on, expected_version=journey.version, **extra
    )


@pytest.mark.django_db
def test_enrolment_plans_the_oncologist_within_3_working_days_over_the_new_year_and_a_welcome_call(clinic):
    with time_machine.travel(NEW_YEAR_EVE, tick=False):
        journey = enrol(clinic)
    assert steps(journey) == [("oncologist", "open", D(2027, 1, 13))]
    [step] = journey.steps.all()
    assert step.counted_from == D(2026, 12, 30) and step.target_working_days == 3
    [welcome] = CallTask.objects.filter(journey=journey)
    assert welcome.kind == "welcome" and welcome.assigned_to == journey.assistant and welcome.done_at is None


@pytest.mark.django_db
def test_the_targets_are_the_administrators_templates(clinic):
    StepTemplate.objects.filter(stage="suspicion", milestone="oncologist").update(target_working_days=5)
    StepTemplate.objects.create(
        stage="suspicion", position=2, milestone="other", title="Анализы", target_working_days=1
    )
    StepTemplate.objects.create(
        stage="suspicion", position=3, milestone="other", title="Старое", target_working_days=1, is_active=False
    )
    with time_machine.travel(NEW_YEAR_EVE, tick=False):
        journey = enrol(clinic)
    assert steps(journey) == [("oncologist", "open", D(2027, 1, 15)), ("other", "open", D(2027, 1, 11))]


@pytest.mark.django_db
def test_an_attended_oncologist_visit_does_the_step_and_the_late_one_says_by_how_much(clinic):
    places = make_facilities(clinic)
    monday = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=MOSCOW)
    with time_machine.travel(monday, tick=False):
        journey = enrol(clinic)  # due Thursday 4 March
        slot = places.slot("centre", "oncologist", days=8, hour=10)  # Tuesday 9 March: 8 March is a holiday
        appointment = booked(clinic, journey, slot)
        [step] = journey.steps.all()
        delay = journeys.delay_of(step, booked_for=journeys.booked_dates(journey)["oncologist"])
        # 5, 9 March: the booking puts the step two working days late, before it happens.
        assert delay == journeys.Delay(2, "booked", D(2027, 3, 9))
        journeys.explain_delay(
            actor=Actor(clinic.assistant), step=step, reason="no_slots", note="ближе мест нет", expected_version=1
        )
    with time_machine.travel(datetime.datetime(2027, 3, 9, 12, 0, tzinfo=MOSCOW), tick=False):
        assert journeys.delay_of(JourneyStep.objects.get()) == journeys.Delay(2, "open")  # 5 and 9 March
        appointments.record_outcome(
            actor=Actor(clinic.assistant), appointment=appointment, outcome="attended", result="", expected_version=1
        )
    step = JourneyStep.objects.get()
    assert (step.status, step.done_on, step.appointment, step.late_reason) == (
        "done",
        D(2027, 3, 9),
        appointment,
        "no_slots",
    )
    assert journeys.delay_of(step) == journeys.Delay(2, "done")
    journey.refresh_from_db()
    assert journey.oncologist_seen_on == D(2027, 3, 9)


@pytest.mark.django_db
def test_a_step_on_time_is_not_late_and_a_missed_visit_leaves_it_open(clinic):
    places = make_facilities(clinic)
    monday = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=MOSCOW)
    with time_machine.travel(monday, tick=False):
        journey = enrol(clinic)
        appointment = booked(clinic, journey, places.slot("centre", "oncologist", days=2))
        [step] = journey.steps.all()
        assert journeys.delay_of(step, booked_for=journeys.booked_dates(journey).get("oncologist")) is None
    with time_machine.travel(monday + datetime.timedelta(days=2, hours=3), tick=False):
        appointments.record_outcome(
            actor=Actor(clinic.assistant), appointment=appointment, outcome="missed", result="", expected_version=1
        )
    assert steps(journey) == [("oncologist", "open", D(2027, 3, 4))]


@pytest.mark.django_db
def test_the_stages_bring_their_steps_and_the_milestones_are_dated(clinic):
    with time_machine.travel(datetime.datetime(2027, 3, 1, 9, 0, tzinfo=MOSCOW), tick=False):
        journey = enrol(clinic)
    with time_machine.travel(datetime.datetime(2027, 3, 30, 9, 0, tzinfo=MOSCOW), tick=False):
        [first] = journey.steps.all()
        journeys.complete_step(actor=Actor(clinic.assistant), step=first, done_on=D(2027, 3, 3), expected_version=1)
        move(journey, "diagnostics", D(2027, 3, 3))
        move(journey, "diagnosis", D(2027, 3, 15), diagnosis_result="confirmed")
        move(journey, "treatment", D(2027, 3, 24))
    journey.refresh_from_db()
    assert journey.stage == "treatment" and journey.diagnosis_result == "confirmed"
    assert (journey.oncologist_seen_on, journey.diagnosed_on, journey.treatment_started_on) == (
        D(2027, 3, 3),
        D(2027, 3, 15),
        D(2027, 3, 24),
    )
    assert steps(journey) == [
        ("oncologist", "done", D(2027, 3, 4)),
        ("diagnostics", "open", D(2027, 3, 15)),  # 7 working days after 3 March, 8 March a holiday
        ("dispensary", "open", D(2027, 3, 18)),
        ("tumour_board", "open", D(2027, 3, 22)),
        ("treatment_start", "done", D(2027, 3, 24)),  # treatment began: its step is done that day
    ]
    assert AuditEvent.objects.filter(object_type="cases.case", object_id=str(journey.pk), fields=["stage"]).count() == 3


@pytest.mark.django_db
def test_excluded_cancer_closes_the_journey_and_frees_its_slots(clinic):
    places = make_facilities(clinic)
    with time_machine.travel(datetime.datetime(2027, 3, 1, 9, 0, tzinfo=MOSCOW), tick=False):
        journey = enrol(clinic)
        appointment = booked(clinic, journey, places.slot("centre", "ct", days=5), kind="ct")
        move(journey, "diagnosis", D(2027, 3, 1), diagnosis_result="excluded")
    journey.refresh_from_db()
    assert (journey.stage, journey.closed_because, journey.diagnosis_result) == ("closed", "excluded", "excluded")
    appointment.refresh_from_db()
    assert appointment.status == "cancelled" and "закрыт" in appointment.cancel_reason
    assert appointment.booking.status == Booking.Status.CANCELLED
    assert not appointment.reminders.exists()
    assert set(journey.steps.values_list("status", flat=True)) == {"not_needed"}
    assert not CallTask.objects.filter(journey=journey, done_at__isnull=True).exists()
    assert journeys.next_stages(journey) == []


@pytest.mark.django_db
def test_follow_up_visits_recur_every_3_months_then_6_then_yearly_for_life(clinic):
    with time_machine.travel(datetime.datetime(2027, 2, 1, 9, 0, tzinfo=MOSCOW), tick=False):
        journey = enrol(clinic)
        move(journey, "follow_up", D(2027, 2, 1))
    due: list[D] = []
    for _visit in range(8):
        step = JourneyStep.objects.get(journey=journey, milestone="follow_up", status="open")
        due.append(step.due_on)
        done = step.due_on
        with time_machine.travel(datetime.datetime.combine(done, datetime.time(18), tzinfo=MOSCOW), tick=False):
            journeys.complete_step(actor=Actor(clinic.assistant), step=step, done_on=done, expected_version=1)
    gaps = [(b.year - a.year) * 12 + b.month - a.month for a, b in zip([D(2027, 2, 1), *due], due, strict=False)]
    assert gaps == [3, 3, 3, 3, 6, 6, 12, 12]
    assert all(add_working_days(d, 0) == d for d in due)  # each on a working day
    assert JourneyStep.objects.filter(journey=journey, milestone="follow_up", status="open").count() == 1


@pytest.mark.django_db
def test_only_the_patients_assistant_moves_the_journey_and_a_stale_page_is_refused(clinic):
    journey = enrol(clinic)
    other = clinic.colleague if journey.assistant == clinic.assistant else clinic.assistant
    for user in (other, clinic.supervisor, clinic.operator, clinic.volunteer):
        with pytest.raises(PermissionDenied):
            journeys.move_stage(
                actor=Actor(user), journey=journey, to="diagnostics", began_on=D.today(), expected_version=1
            )
    journeys.move_stage(
        actor=Actor(journey.assistant), journey=journey, to="diagnostics", began_on=D.today(), expected_version=1
    )
    with pytest.raises(ConcurrentEditError):
        journeys.move_stage(
            actor=Actor(journey.assistant), journey=journey, to="diagnosis", began_on=D.today(), expected_version=1,
            diagnosis_result="confirmed",
        )  # fmt: skip
    journey.refresh_from_db()
    assert journey.stage == "diagnostics"


@pytest.mark.django_db
def test_bad_moves_say_what_is_wrong_and_change_nothing(clinic):
    journey = enrol(clinic, referred_on=D.today() - datetime.timedelta(days=10))
    actor = Actor(journey.assistant)
    cases = [
        ({"to": "suspicion", "began_on": D.today()}, "stage"),
        ({"to": "diagnosis", "began_on": D.today()}, "diagnosis_result"),
        ({"to": "closed", "began_on": D.today()}, "closed_because"),
        ({"to": "diagnostics", "began_on": D.today() + datetime.timedelta(days=1)}, "began_on"),
        ({"to": "diagnostics", "began_on": D.today() - datetime.timedelta(days=11)}, "began_on"),
        ({"to": "diagnostics", "began_on": None}, "began_on"),
    ]
    for kwargs, field in cases:
        with pytest.raises(ValidationError) as error:
            journeys.move_stage(actor=actor, journey=journey, expected_version=1, **kwargs)
        assert field in error.value.message_dict
    journey.refresh_from_db()
    assert journey.stage == "suspicion" and journey.version == 1 and journey.steps.count() == 1


@pytest.mark.django_db
def test_steps_are_skipped_with_a_reason_added_by_hand_and_a_delay_needs_a_known_reason(clinic):
    journey = enrol(clinic)
    actor = Actor(journey.assistant)
    [step] = journey.steps.all()
    with pytest.raises(ValidationError) as error:
        journeys.skip_step(actor=actor, step=step, reason="  \x00 ", expected_version=1)
    with pytest.raises(ValidationError) as error:
        journeys.explain_delay(actor=actor, step=step, reason="bored", note="", expected_version=1)
    assert "late_reason" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        journeys.explain_delay(actor=actor, step=step, reason="other", note="", expected_version=1)
    assert "note" in error.value.message_dict
    journeys.skip_step(actor=actor, step=step, reason="осмотрен онкологом в стационаре", expected_version=1)
    step.refresh_from_db()
    assert step.status == "not_needed" and step.note == "осмотрен онкологом в стационаре"
    with pytest.raises(ValidationError):
        journeys.complete_step(actor=actor, step=step, done_on=D.today(), expected_version=2)
    added = journeys.add_step(
        actor=actor, journey=journey, milestone="other", title="Консультация гинеколога", due_on=D.today()
    )
    assert added.stage == "suspicion" and added.status == "open" and added.target_working_days is None
    with pytest.raises(ValidationError) as error:
        journeys.add_step(actor=actor, journey=journey, milestone="x", title="", due_on=D(9999, 12, 31))
    assert set(error.value.message_dict) == {"milestone", "title", "due_on"}


@pytest.mark.django_db
def test_reassignment_hands_the_calls_not_yet_made_to_the_new_assistant(clinic):
    journey = enrol(clinic)
    new = clinic.colleague if journey.assistant == clinic.assistant else clinic.assistant
    done = CallTask.objects.create(
        journey=journey, kind="reminder", due_at=journey.created_at, assigned_to=journey.assistant,
        done_at=journey.created_at, result="дозвонились",
    )  # fmt: skip
    services.reassign(
        actor=Actor(clinic.supervisor), journey=journey, assistant=new, reason="отпуск", expected_version=1
    )
    welcome = CallTask.objects.get(journey=journey, kind="welcome")
    assert welcome.assigned_to == new
    done.refresh_from_db()
    assert done.assigned_to != new


@pytest.mark.django_db
def test_appointments_of_a_closed_journey_cannot_be_booked(clinic):
    places = make_facilities(clinic)
    journey = enrol(clinic, person=PersonFactory())
    move(journey, "closed", D.today(), closed_because="moved")
    with pytest.raises(ValidationError):
        booked(clinic, journey, places.slot("centre", "oncologist"))
    assert not Appointment.objects.exists()
