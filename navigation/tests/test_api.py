"""The navigation API: referrals and the patient's answer, free slots across facilities, and appointments
booked, moved, cancelled and closed with their outcome; who may do what (403 for roles with no business in
the programme, 404 for another assistant's patient), stale versions, a slot taken, Idempotency-Key replays,
the journal of reads, and input that must be refused rather than break the server."""

import datetime
import json
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from api.models import ApiToken, IdempotencyRecord
from api.tests.conftest import JsonClient
from audit.models import AuditEvent
from core.actor import Actor
from navigation import services
from navigation.models import Appointment, CallTask, Journey, Referral
from navigation.tests.conftest import Clinic, referral_input
from navigation.tests.test_appointments import Facilities, booked, enrolled, make_facilities
from people.tests.factories import DistrictFactory, PersonFactory
from scheduling.models import Booking, Slot

pytestmark = pytest.mark.django_db

REFERRALS = "/api/v1/referrals"
SLOTS = "/api/v1/slots"
APPOINTMENTS = "/api/v1/appointments"


@pytest.fixture
def api_as(client: Client) -> Callable[..., JsonClient]:
    def make(user: User, language: str = "en") -> JsonClient:
        _record, token = ApiToken.issue(user=user, name="tests")
        return JsonClient(client, token, language)

    return make


@pytest.fixture
def places(clinic: Clinic) -> Facilities:
    return make_facilities(clinic)


def referral_body(clinic: Clinic, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "person_id": clinic.patient.pk,
        "polyclinic_id": clinic.polyclinic.pk,
        "referring_doctor": "Петров И. С., терапевт",
        "referred_on": timezone.localdate().isoformat(),
        "diagnosis": "C50",
        "urgency": "urgent",
        "note": "Уплотнение в левой молочной железе",
    }
    body.update(overrides)
    return body


def registered(clinic: Clinic, person: Any = None) -> Referral:
    return services.register_referral(
        actor=Actor(clinic.assistant), person=person or clinic.patient, data=referral_input(clinic)
    )


def api_views(section: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="view", origin="api", details__section=section).order_by("pk"))


# --- referrals ---------------------------------------------------------------------------------------
def test_an_assistant_registers_a_referral_and_reads_it_back(clinic, api_as):
    api = api_as(clinic.assistant)

    response = api.post(REFERRALS, referral_body(clinic, diagnosis="c50"))

    assert response.status_code == 201, response.json()
    body = response.json()
    referral = Referral.objects.get()
    assert response["Location"] == f"{REFERRALS}/{referral.pk}"
    assert body["id"] == referral.pk and body["version"] == 1 and body["consent"] == "pending"
    assert body["person"] == {"id": clinic.patient.pk, "name": "Соколова Мария Петровна"}
    assert body["polyclinic"] == {"id": clinic.polyclinic.pk, "name": "Городская поликлиника № 1"}
    assert body["diagnosis"]["code"] == "C50" and body["urgency"] == "urgent" and body["journey"] is None
    assert referral.created_by == clinic.assistant and referral.note == "Уплотнение в левой молочной железе"
    [created] = AuditEvent.objects.filter(object_type="navigation.referral", action="create")
    assert created.origin == "api" and created.person_id == clinic.patient.pk

    again = api.get(f"{REFERRALS}/{referral.pk}")

    assert again.status_code == 200 and again.json() == body
    [view] = api_views("referral")
    assert view.person_id == clinic.patient.pk and view.actor_id == clinic.assistant.pk


def test_the_list_holds_the_callers_referrals_filters_and_journals_each_read(clinic, api_as):
    mine = registered(clinic)
    other_patient = PersonFactory()
    theirs = services.register_referral(
        actor=Actor(clinic.stranger),
        person=other_patient,
        data=referral_input(clinic, polyclinic=clinic.other_polyclinic),
    )

    listed = api_as(clinic.assistant).get(REFERRALS).json()

    assert listed["count"] == 1 and [r["id"] for r in listed["results"]] == [mine.pk]
    assert [e.object_id for e in api_views("referral_list")] == [str(mine.pk)]
    supervisor = api_as(clinic.supervisor)
    assert supervisor.get(REFERRALS).json()["count"] == 2
    by_polyclinic = supervisor.get(REFERRALS, {"polyclinic_id": clinic.other_polyclinic.pk}).json()
    assert [r["id"] for r in by_polyclinic["results"]] == [theirs.pk]
    assert supervisor.get(REFERRALS, {"consent": "refused"}).json()["count"] == 0
    paged = supervisor.get(REFERRALS, {"limit": 1, "offset": 1}).json()
    assert paged["count"] == 2 and len(paged["results"]) == 1
    assert api_as(clinic.colleague).get(REFERRALS).json() == {"count": 0, "results": []}
    bad = supervisor.get(REFERRALS, {"consent": "maybe"})
    assert bad.status_code == 422 and bad.json()["errors"] == {"consent": ["Choose pending, given or refused."]}


def test_agreeing_opens_the_journey_and_names_the_assistant_for_the_card(clinic, api_as):
    referral = registered(clinic)

    response = api_as(clinic.assistant).post(
        f"{REFERRALS}/{referral.pk}/agree", {"reminders_by": "call", "evidence": "устно, в поликлинике", "version": 1}
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    journey = Journey.objects.get()
    assert body["consent"] == "given" and body["version"] == 2 and body["reminders_by"] == "call"
    assert body["journey"] == {
        "id": journey.pk,
        "stage": "suspicion",
        "assistant": {"name": "Кузнецова Наталья", "phone": "+79161230010", "hours": "пн–пт 09:00–18:00"},
    }
    assert journey.assistant == clinic.assistant and journey.case.person == clinic.patient


def test_refusing_keeps_the_reason(clinic, api_as):
    referral = registered(clinic)

    response = api_as(clinic.assistant).post(
        f"{REFERRALS}/{referral.pk}/refuse", {"reason": "Лечится в частной клинике", "version": 1}
    )

    assert response.status_code == 200
    assert response.json()["consent"] == "refused" and response.json()["refusal_reason"] == "Лечится в частной клинике"
    referral.refresh_from_db()
    assert referral.consent == "refused" and not Journey.objects.exists()


def test_an_answer_on_a_stale_version_is_409_with_the_current_one_and_writes_nothing(clinic, api_as):
    referral = registered(clinic)
    api = api_as(clinic.assistant)

    agreed = api.post(f"{REFERRALS}/{referral.pk}/agree", {"reminders_by": "sms", "evidence": "устно", "version": 7})
    refused = api.post(f"{REFERRALS}/{referral.pk}/refuse", {"reason": "Не хочет", "version": 0})

    assert agreed.status_code == refused.status_code == 409
    assert agreed.json()["current_version"] == refused.json()["current_version"] == 1
    referral.refresh_from_db()
    assert referral.consent == "pending" and referral.version == 1 and not Journey.objects.exists()


def test_an_answer_recorded_already_is_refused_as_a_whole(clinic, api_as):
    referral = registered(clinic)
    api = api_as(clinic.assistant)
    api.post(f"{REFERRALS}/{referral.pk}/refuse", {"reason": "Не хочет", "version": 1})

    again = api.post(f"{REFERRALS}/{referral.pk}/agree", {"reminders_by": "sms", "evidence": "устно", "version": 2})

    assert again.status_code == 422
    assert again.json()["detail"] == "The patient's answer is already recorded."
    assert not Journey.objects.exists()


def test_a_repeated_registration_with_one_key_registers_once_and_replays_the_answer(clinic, api_as):
    api = api_as(clinic.assistant)

    first = api.post(REFERRALS, referral_body(clinic), key="ref-1")
    second = api.post(REFERRALS, referral_body(clinic), key="ref-1")

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json() and second["Idempotent-Replayed"] == "true"
    assert Referral.objects.count() == 1 and IdempotencyRecord.objects.count() == 1


def test_a_repeated_agreement_with_one_key_enrols_once(clinic, api_as):
    referral = registered(clinic)
    api = api_as(clinic.assistant)
    body = {"reminders_by": "sms", "evidence": "устно", "version": 1}

    first = api.post(f"{REFERRALS}/{referral.pk}/agree", body, key="agree-1")
    second = api.post(f"{REFERRALS}/{referral.pk}/agree", body, key="agree-1")

    assert first.status_code == second.status_code == 200
    assert second.json() == first.json() and second["Idempotent-Replayed"] == "true"
    assert Journey.objects.count() == 1


@pytest.mark.parametrize("who", ["volunteer", "operator", "coordinator", "psychologist"])
def test_roles_outside_the_programme_get_403_for_referrals(clinic, api_as, who):
    referral = registered(clinic)
    api = api_as(getattr(clinic, who))

    answers = [
        api.get(REFERRALS),
        api.get(f"{REFERRALS}/{referral.pk}"),
        api.post(REFERRALS, referral_body(clinic)),
        api.post(f"{REFERRALS}/{referral.pk}/agree", {"reminders_by": "sms", "evidence": "устно", "version": 1}),
        api.post(f"{REFERRALS}/{referral.pk}/refuse", {"reason": "Не хочет", "version": 1}),
    ]

    assert [a.status_code for a in answers] == [403] * 5
    assert Referral.objects.count() == 1 and not Journey.objects.exists()
    assert not api_views("referral") and not api_views("referral_list")


@pytest.mark.parametrize("who", ["colleague", "stranger"])
def test_another_assistants_referral_is_not_found(clinic, api_as, who):
    referral = registered(clinic)
    api = api_as(getattr(clinic, who))

    answers = [
        api.get(f"{REFERRALS}/{referral.pk}"),
        api.post(f"{REFERRALS}/{referral.pk}/agree", {"reminders_by": "sms", "evidence": "устно", "version": 1}),
        api.post(f"{REFERRALS}/{referral.pk}/refuse", {"reason": "Не хочет", "version": 1}),
        api.get(f"{REFERRALS}/{10**30}"),
    ]

    assert [a.status_code for a in answers] == [404] * 4
    assert answers[0].json() == answers[3].json() == {"detail": "Not found."}
    referral.refresh_from_db()
    assert referral.consent == "pending"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"person_id": 10**30}, "person_id"),
        ({"person_id": 2**63 - 1}, "person_id"),
        ({"polyclinic_id": -1}, "polyclinic_id"),
        ({"polyclinic_id": 10**30}, "polyclinic_id"),
        ({"referring_doctor": "Петров\x00 И. С."}, "referring_doctor"),
        ({"referring_doctor": "   "}, "referring_doctor"),
        ({"note": "строка\x1b[31m"}, "note"),
        ({"diagnosis": "C5\x000"}, "diagnosis"),
        ({"diagnosis": "J18"}, "diagnosis"),
        ({"diagnosis": "'; DROP TABLE x; --"}, "diagnosis"),
        ({"referred_on": "2026-02-30"}, "referred_on"),
        ({"referred_on": "03.05.2026"}, "referred_on"),
        ({"referred_on": "0001-01-01"}, "referred_on"),
        ({"referred_on": "9999-12-31"}, "referred_on"),
        ({"urgency": "whenever"}, "urgency"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_referral_is_refused_per_field_and_registers_nothing(clinic, api_as, change, field):
    response = api_as(clinic.assistant).post(REFERRALS, referral_body(clinic, **change))

    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reminders_by": "pigeon", "evidence": "устно", "version": 1}, "reminders_by"),
        ({"reminders_by": "sms", "evidence": "устно\x07", "version": 1}, "evidence"),
        ({"reminders_by": "sms", "evidence": "устно", "version": 2**40}, "version"),
        ({"reminders_by": "sms", "evidence": "устно", "version": -1}, "version"),
        ({"reminders_by": "sms", "evidence": "устно", "version": "one"}, "version"),
    ],
)
def test_a_bad_agreement_is_refused_per_field(clinic, api_as, body, field):
    referral = registered(clinic)

    response = api_as(clinic.assistant).post(f"{REFERRALS}/{referral.pk}/agree", body)

    assert response.status_code == 422 and field in response.json()["errors"]
    assert not Journey.objects.exists()


def test_a_refusal_needs_a_reason(clinic, api_as):
    referral = registered(clinic)

    response = api_as(clinic.assistant).post(f"{REFERRALS}/{referral.pk}/refuse", {"reason": " ", "version": 1})

    assert response.status_code == 422 and response.json()["errors"] == {"reason": ["This field is required."]}


# --- slots -------------------------------------------------------------------------------------------
def test_slots_come_earliest_first_and_the_patients_okrug_first_at_the_same_time(clinic, api_as, places):
    journey = enrolled(clinic)
    at_hospital = places.slot("hospital", "ct", days=2, hour=10)
    at_centre = places.slot("centre", "ct", days=2, hour=10)
    earliest = places.slot("hospital", "ct", days=1, hour=15)
    places.slot("centre", "oncologist", days=1, hour=9)  # another resource

    response = api_as(clinic.assistant).get(SLOTS, {"resource": "ct", "person_id": journey.case.person_id})

    assert response.status_code == 200, response.json()
    body = response.json()
    assert [s["id"] for s in body["results"]] == [earliest.pk, at_centre.pk, at_hospital.pk]
    assert body["count"] == 3
    centre = places.places["centre"]
    assert body["results"][1]["facility"] == {
        "id": centre.pk,
        "name": "ЦАОП на Ключевой",
        "address": "ул. Ключевая, д. 1",
        "okrug": clinic.patient.district.okrug.name,
    }
    assert body["results"][1]["resource"] == {
        "id": places.resources["centre", "ct"].pk,
        "name": "Компьютерная томография",
        "code": "ct",
    }
    assert datetime.datetime.fromisoformat(body["results"][1]["starts_at"]) == at_centre.starts_at
    [view] = api_views("slot_search")
    assert view.person_id == clinic.patient.pk and view.actor_id == clinic.assistant.pk
    # A patient who lives in the hospital's okrug gets the hospital first at the same time.
    north = PersonFactory(district=DistrictFactory(okrug=places.places["hospital"].okrug))
    theirs = enrolled(clinic, person=north)
    other = api_as(theirs.assistant).get(SLOTS, {"resource": "ct", "person_id": north.pk}).json()
    assert [s["id"] for s in other["results"]] == [earliest.pk, at_hospital.pk, at_centre.pk]


def test_slots_keep_to_the_range_and_the_limit_and_leave_out_taken_ones(clinic, api_as, places):
    journey = enrolled(clinic)
    taken = places.slot("centre", "oncologist", days=1)
    free = [places.slot("centre", "oncologist", days=d) for d in (2, 3, 4)]
    booked(clinic, journey, taken)
    api = api_as(clinic.assistant)

    everything = api.get(SLOTS, {"resource": "oncologist"}).json()
    window = api.get(
        SLOTS,
        {
            "resource": "oncologist",
            "from": (free[0].starts_at + datetime.timedelta(minutes=1)).isoformat(),
            "to": timezone.localtime(free[2].starts_at).replace(tzinfo=None).isoformat(),  # Moscow time, no offset
        },
    ).json()
    first_two = api.get(SLOTS, {"resource": "oncologist", "limit": 2}).json()

    assert [s["id"] for s in everything["results"]] == [s.pk for s in free]
    assert [s["id"] for s in window["results"]] == [free[1].pk]
    assert [s["id"] for s in first_two["results"]] == [free[0].pk, free[1].pk]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"resource": "pet"}, "resource"),
        ({"resource": "ct\x00"}, "resource"),
        ({"resource": "CT; DROP"}, "resource"),
        ({"resource": ""}, "resource"),
        ({}, "resource"),
        ({"resource": "ct", "from": "2026-05-10T10:00", "to": "2026-05-09T10:00"}, "to"),
        ({"resource": "ct", "from": "2026-01-01T00:00", "to": "2027-01-03T00:00"}, "to"),
        ({"resource": "ct", "from": "tomorrow"}, "from"),
        ({"resource": "ct", "to": "2026-02-30T10:00"}, "to"),
        ({"resource": "ct", "from": "9999-12-31T23:59:59-12:00"}, "from"),
        ({"resource": "ct", "from": "0001-01-01T00:00:00+14:00"}, "from"),
        ({"resource": "ct", "to": "99999999999999999999"}, "to"),
        ({"resource": "ct", "person_id": 10**30}, "person_id"),
        ({"resource": "ct", "person_id": 0}, "person_id"),
        ({"resource": "ct", "limit": 10**6}, "limit"),
    ],
)
def test_a_bad_search_is_refused_per_field(clinic, api_as, places, params, field):
    response = api_as(clinic.assistant).get(SLOTS, params)

    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]


def test_a_search_for_a_patient_the_assistant_may_not_see_is_refused(clinic, api_as, places):
    stranger_patient = PersonFactory()

    response = api_as(clinic.assistant).get(SLOTS, {"resource": "ct", "person_id": stranger_patient.pk})

    assert response.status_code == 422 and response.json()["errors"] == {"person_id": ["No such citizen."]}
    assert not api_views("slot_search")


@pytest.mark.parametrize("who", ["supervisor", "volunteer", "operator", "coordinator"])
def test_only_assistants_search_slots(clinic, api_as, places, who):
    places.slot("centre", "ct")

    response = api_as(getattr(clinic, who)).get(SLOTS, {"resource": "ct"})

    assert response.status_code == 403


# --- appointments ------------------------------------------------------------------------------------
def book_body(journey: Journey, slot: Slot, **extra: Any) -> dict[str, Any]:
    return {"journey_id": journey.pk, "slot_id": slot.pk, "kind": "ct", **extra}


def test_an_assistant_books_a_ct_and_reads_it_back_without_the_diagnosis(clinic, api_as, places):
    journey = enrolled(clinic)
    slot = places.slot("centre", "ct", days=3)
    api = api_as(clinic.assistant)

    response = api.post(APPOINTMENTS, book_body(journey, slot))

    assert response.status_code == 201, response.json()
    body = response.json()
    appointment = Appointment.objects.get()
    assert response["Location"] == f"{APPOINTMENTS}/{appointment.pk}"
    assert body["id"] == appointment.pk and body["version"] == 1 and body["journey_id"] == journey.pk
    assert body["kind"] == "ct" and body["status"] == "booked" and body["result"] == body["cancel_reason"] == ""
    assert body["facility"]["id"] == places.places["centre"].pk and body["resource"]["code"] == "ct"
    assert datetime.datetime.fromisoformat(body["starts_at"]) == slot.starts_at
    assert [(r["offset_minutes"], r["channel"], r["sent_at"]) for r in body["reminders"]] == [
        (1440, "sms", None),
        (120, "sms", None),
    ]
    assert appointment.booking.slot == slot and appointment.booked_by == clinic.assistant
    text = response.content.decode()
    assert "C50" not in text and "молочной железы" not in text and "diagnosis" not in text

    read = api.get(f"{APPOINTMENTS}/{appointment.pk}")
    listed = api.get(APPOINTMENTS, {"journey_id": journey.pk})

    assert read.status_code == 200 and read.json() == body
    assert listed.json() == {"count": 1, "results": [body]}
    assert "C50" not in read.content.decode() + listed.content.decode()
    [view] = api_views("appointment")
    assert view.person_id == clinic.patient.pk and view.object_id == str(appointment.pk)
    assert len(api_views("appointment_list")) == 1


def test_a_slot_taken_by_another_assistant_is_refused_on_slot_id(clinic, api_as, places):
    first = enrolled(clinic)
    second = enrolled(clinic, person=PersonFactory(district=clinic.patient.district))
    assert second.assistant == clinic.colleague
    slot = places.slot("centre", "ct")

    won = api_as(clinic.assistant).post(APPOINTMENTS, book_body(first, slot))
    lost = api_as(clinic.colleague).post(APPOINTMENTS, book_body(second, slot))

    assert won.status_code == 201
    assert lost.status_code == 422
    assert lost.json()["errors"] == {"slot_id": ["This time has just been taken: choose another slot."]}
    assert Booking.objects.filter(slot=slot).count() == 1 and Appointment.objects.count() == 1


def test_overbooking_a_taken_slot_needs_a_reason(clinic, api_as, places):
    first = enrolled(clinic)
    second = enrolled(clinic, person=PersonFactory(district=clinic.patient.district))
    slot = places.slot("centre", "ct")
    booked(clinic, first, slot, kind="ct")
    api = api_as(clinic.colleague)

    without = api.post(APPOINTMENTS, book_body(second, slot, overbook=True))
    with_reason = api.post(APPOINTMENTS, book_body(second, slot, overbook=True, reason="Cito, согласовано с ЦАОП"))

    assert without.status_code == 422 and "reason" in without.json()["errors"]
    assert with_reason.status_code == 201
    assert Booking.objects.filter(slot=slot, status="booked").count() == 2


def test_a_repeated_booking_with_one_key_books_once_and_replays_the_answer(clinic, api_as, places):
    journey = enrolled(clinic)
    slot = places.slot("centre", "ct")
    api = api_as(clinic.assistant)

    first = api.post(APPOINTMENTS, book_body(journey, slot), key="book-1")
    second = api.post(APPOINTMENTS, book_body(journey, slot), key="book-1")

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json() and second["Idempotent-Replayed"] == "true"
    assert second["Location"] == first["Location"]
    assert Appointment.objects.count() == 1 and Booking.objects.count() == 1


def test_moving_holds_the_new_slot_frees_the_old_and_plans_the_reminders_again(clinic, api_as, places):
    journey = enrolled(clinic)
    old = places.slot("centre", "ct", days=3)
    new = places.slot("hospital", "ct", days=5, hour=12)
    appointment = booked(clinic, journey, old, kind="ct")
    api = api_as(clinic.assistant)

    response = api.post(f"{APPOINTMENTS}/{appointment.pk}/move", {"slot_id": new.pk, "version": 1})

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["version"] == 2 and body["facility"]["id"] == places.places["hospital"].pk
    assert datetime.datetime.fromisoformat(body["starts_at"]) == new.starts_at
    assert [datetime.datetime.fromisoformat(r["due_at"]) for r in body["reminders"]] == [
        new.starts_at - datetime.timedelta(days=1),
        new.starts_at - datetime.timedelta(hours=2),
    ]
    assert Booking.objects.get(slot=old).status == "cancelled" and Booking.objects.get(slot=new).status == "booked"
    free = api.get(SLOTS, {"resource": "ct"}).json()
    assert old.pk in [s["id"] for s in free["results"]]


def test_a_move_on_a_stale_version_is_409_and_changes_nothing(clinic, api_as, places):
    journey = enrolled(clinic)
    old = places.slot("centre", "ct", days=3)
    new = places.slot("hospital", "ct", days=5)
    appointment = booked(clinic, journey, old, kind="ct")
    api = api_as(clinic.assistant)
    api.post(f"{APPOINTMENTS}/{appointment.pk}/move", {"slot_id": new.pk, "version": 1})

    stale = api.post(f"{APPOINTMENTS}/{appointment.pk}/move", {"slot_id": old.pk, "version": 1})
    cancel = api.post(f"{APPOINTMENTS}/{appointment.pk}/cancel", {"reason": "Заболела", "version": 1})

    assert stale.status_code == cancel.status_code == 409
    assert stale.json()["current_version"] == cancel.json()["current_version"] == 2
    appointment.refresh_from_db()
    assert appointment.version == 2 and appointment.status == "booked" and appointment.booking.slot == new


def test_a_move_to_a_taken_slot_is_refused_and_keeps_the_old_one(clinic, api_as, places):
    first = enrolled(clinic)
    second = enrolled(clinic, person=PersonFactory(district=clinic.patient.district))
    mine = places.slot("centre", "ct", days=3)
    theirs = places.slot("hospital", "ct", days=4)
    appointment = booked(clinic, first, mine, kind="ct")
    booked(clinic, second, theirs, kind="ct")

    response = api_as(clinic.assistant).post(
        f"{APPOINTMENTS}/{appointment.pk}/move", {"slot_id": theirs.pk, "version": 1}
    )

    assert response.status_code == 422 and "slot_id" in response.json()["errors"]
    appointment.refresh_from_db()
    assert appointment.version == 1 and appointment.booking.slot == mine and appointment.booking.status == "booked"


def test_a_repeated_move_with_one_key_moves_once(clinic, api_as, places):
    journey = enrolled(clinic)
    appointment = booked(clinic, journey, places.slot("centre", "ct", days=3), kind="ct")
    new = places.slot("hospital", "ct", days=5)
    api = api_as(clinic.assistant)

    first = api.post(f"{APPOINTMENTS}/{appointment.pk}/move", {"slot_id": new.pk, "version": 1}, key="mv")
    second = api.post(f"{APPOINTMENTS}/{appointment.pk}/move", {"slot_id": new.pk, "version": 1}, key="mv")

    assert first.status_code == second.status_code == 200 and second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Booking.objects.filter(slot=new).count() == 1 and Booking.objects.count() == 2


def test_cancelling_needs_a_reason_and_frees_the_slot(clinic, api_as, places):
    journey = enrolled(clinic)
    slot = places.slot("centre", "ct")
    appointment = booked(clinic, journey, slot, kind="ct")
    api = api_as(clinic.assistant)

    without = api.post(f"{APPOINTMENTS}/{appointment.pk}/cancel", {"reason": "", "version": 1})
    garbled = api.post(f"{APPOINTMENTS}/{appointment.pk}/cancel", {"reason": "\u202eболеет", "version": 1})
    cancelled = api.post(f"{APPOINTMENTS}/{appointment.pk}/cancel", {"reason": "Заболела", "version": 1})

    assert without.status_code == garbled.status_code == 422
    assert "reason" in without.json()["errors"] and "reason" in garbled.json()["errors"]
    assert cancelled.status_code == 200
    body = cancelled.json()
    assert body["status"] == "cancelled" and body["cancel_reason"] == "Заболела" and body["reminders"] == []
    assert Booking.objects.get(slot=slot).status == "cancelled"
    again = api.post(f"{APPOINTMENTS}/{appointment.pk}/cancel", {"reason": "Заболела", "version": 2})
    assert again.status_code == 422 and again.json()["detail"] == "The appointment is cancelled already."


def test_the_patients_reply_is_recorded_and_a_cancel_frees_the_slot(clinic, api_as, places):
    journey = enrolled(clinic)
    slot = places.slot("centre", "ct", days=2)
    appointment = booked(clinic, journey, slot, kind="ct")
    api = api_as(clinic.assistant)

    unknown = api.post(f"{APPOINTMENTS}/{appointment.pk}/reply", {"reply": "perhaps", "version": 1})
    confirmed = api.post(f"{APPOINTMENTS}/{appointment.pk}/reply", {"reply": "confirmed", "version": 1})
    stale = api.post(f"{APPOINTMENTS}/{appointment.pk}/reply", {"reply": "cancel", "version": 1})
    cancelled = api.post(f"{APPOINTMENTS}/{appointment.pk}/reply", {"reply": "cancel", "version": 2})

    assert unknown.status_code == 422 and stale.status_code == 409
    assert confirmed.status_code == 200 and confirmed.json()["reply"] == "confirmed"
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled" and cancelled.json()["reply"] == "cancel"
    assert Booking.objects.get(slot=slot).status == "cancelled"
    assert (
        api_as(clinic.colleague)
        .post(f"{APPOINTMENTS}/{appointment.pk}/reply", {"reply": "confirmed", "version": 3})
        .status_code
        == 404
    )


def test_a_missed_visit_is_recorded_after_it_began_and_gives_a_call_task(clinic, api_as, places):
    journey = enrolled(clinic)
    slot = places.slot("centre", "ct", days=1)
    appointment = booked(clinic, journey, slot, kind="ct")
    api = api_as(clinic.assistant)
    body = {"outcome": "missed", "result": "Не пришла, телефон не отвечает", "version": 1}

    early = api.post(f"{APPOINTMENTS}/{appointment.pk}/outcome", body)
    with time_machine.travel(slot.starts_at + datetime.timedelta(minutes=40)):
        late = api.post(f"{APPOINTMENTS}/{appointment.pk}/outcome", body)

    assert early.status_code == 422
    assert early.json()["detail"] == "The appointment has not begun yet: record its outcome afterwards."
    assert late.status_code == 200, late.json()
    assert late.json()["status"] == "missed" and late.json()["result"] == "Не пришла, телефон не отвечает"
    [task] = CallTask.objects.filter(kind="missed_visit")
    assert task.appointment_id == appointment.pk and task.assigned_to == clinic.assistant


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"outcome": "cancelled", "result": "", "version": 1}, "outcome"),
        ({"outcome": "attended", "result": "норма\x00", "version": 1}, "result"),
        ({"outcome": "attended", "result": "", "version": 2**31}, "version"),
    ],
)
def test_a_bad_outcome_is_refused_per_field(clinic, api_as, places, body, field):
    journey = enrolled(clinic)
    slot = places.slot("centre", "ct", days=1)
    appointment = booked(clinic, journey, slot, kind="ct")

    with time_machine.travel(slot.starts_at + datetime.timedelta(minutes=40)):
        response = api_as(clinic.assistant).post(f"{APPOINTMENTS}/{appointment.pk}/outcome", body)

    assert response.status_code == 422 and field in response.json()["errors"]
    appointment.refresh_from_db()
    assert appointment.status == "booked"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"journey_id": 10**30}, "journey_id"),
        ({"journey_id": 2**63 - 1}, "journey_id"),
        ({"slot_id": 10**30}, "slot_id"),
        ({"slot_id": 2**63 - 1}, "slot_id"),
        ({"kind": "séance"}, "kind"),
        ({"kind": "ct\x00"}, "kind"),
        ({"overbook": "perhaps"}, "overbook"),
        ({"reason": "x" * 301}, "reason"),
        ({"when": "now"}, "when"),
    ],
)
def test_a_bad_booking_is_refused_per_field_and_books_nothing(clinic, api_as, places, change, field):
    journey = enrolled(clinic)
    body = {**book_body(journey, places.slot("centre", "ct")), **change}

    response = api_as(clinic.assistant).post(APPOINTMENTS, body)

    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    assert not Booking.objects.exists() and not Appointment.objects.exists()


def test_a_slot_that_has_passed_is_refused(clinic, api_as, places):
    journey = enrolled(clinic)
    passed = places.slot("centre", "ct", days=-1)

    response = api_as(clinic.assistant).post(APPOINTMENTS, book_body(journey, passed))

    assert response.status_code == 422
    assert response.json()["errors"] == {"slot_id": ["This time has already passed: choose a later slot."]}


def test_a_non_json_or_broken_body_is_refused_not_a_server_error(clinic, api_as, places):
    api = api_as(clinic.assistant)
    headers = api.headers()

    broken = api.client.post(APPOINTMENTS, "{", content_type="application/json", headers=headers)
    form = api.client.post(APPOINTMENTS, "kind=ct", content_type="application/x-www-form-urlencoded", headers=headers)
    listed = api.client.post(APPOINTMENTS, json.dumps([1, 2]), content_type="application/json", headers=headers)

    assert (broken.status_code, form.status_code, listed.status_code) == (400, 415, 422)


@pytest.mark.parametrize("who", ["volunteer", "operator", "coordinator", "psychologist"])
def test_roles_outside_the_programme_get_403_for_appointments(clinic, api_as, places, who):
    journey = enrolled(clinic)
    slot = places.slot("centre", "ct")
    appointment = booked(clinic, journey, slot, kind="ct")
    api = api_as(getattr(clinic, who))
    other = places.slot("hospital", "ct")

    answers = [
        api.get(APPOINTMENTS),
        api.get(f"{APPOINTMENTS}/{appointment.pk}"),
        api.post(APPOINTMENTS, book_body(journey, other)),
        api.post(f"{APPOINTMENTS}/{appointment.pk}/move", {"slot_id": other.pk, "version": 1}),
        api.post(f"{APPOINTMENTS}/{appointment.pk}/cancel", {"reason": "Заболела", "version": 1}),
        api.post(f"{APPOINTMENTS}/{appointment.pk}/outcome", {"outcome": "attended", "version": 1}),
    ]

    assert [a.status_code for a in answers] == [403] * 6
    assert Appointment.objects.count() == 1 and Booking.objects.count() == 1
    assert not api_views("appointment") and not api_views("appointment_list")


def test_a_supervisor_reads_appointments_but_neither_books_nor_changes_them(clinic, api_as, places):
    journey = enrolled(clinic)
    appointment = booked(clinic, journey, places.slot("centre", "ct"), kind="ct")
    other = places.slot("hospital", "ct")
    api = api_as(clinic.supervisor)

    assert api.get(f"{APPOINTMENTS}/{appointment.pk}").status_code == 200
    assert api.get(APPOINTMENTS, {"journey_id": journey.pk}).json()["count"] == 1
    assert api.post(APPOINTMENTS, book_body(journey, other)).status_code == 403
    assert api.post(f"{APPOINTMENTS}/{appointment.pk}/move", {"slot_id": other.pk, "version": 1}).status_code == 403
    assert api.post(f"{APPOINTMENTS}/{appointment.pk}/cancel", {"reason": "x", "version": 1}).status_code == 403
    assert Appointment.objects.count() == 1 and Booking.objects.count() == 1


@pytest.mark.parametrize("who", ["colleague", "stranger"])
def test_another_assistants_patients_appointments_are_not_found(clinic, api_as, places, who):
    journey = enrolled(clinic)
    slot = places.slot("centre", "ct")
    appointment = booked(clinic, journey, slot, kind="ct")
    other = places.slot("hospital", "ct")
    api = api_as(getattr(clinic, who))

    answers = [
        api.get(f"{APPOINTMENTS}/{appointment.pk}"),
        api.get(APPOINTMENTS, {"journey_id": journey.pk}),
        api.post(f"{APPOINTMENTS}/{appointment.pk}/move", {"slot_id": other.pk, "version": 1}),
        api.post(f"{APPOINTMENTS}/{appointment.pk}/cancel", {"reason": "Заболела", "version": 1}),
        api.post(f"{APPOINTMENTS}/{appointment.pk}/outcome", {"outcome": "attended", "version": 1}),
        api.get(f"{APPOINTMENTS}/{10**30}"),
    ]
    booking = api.post(APPOINTMENTS, book_body(journey, other))

    assert [a.status_code for a in answers] == [404] * 6
    assert booking.status_code == 422 and list(booking.json()["errors"]) == ["journey_id"]
    assert api.get(APPOINTMENTS).json() == {"count": 0, "results": []}
    appointment.refresh_from_db()
    assert appointment.status == "booked" and appointment.version == 1
    assert Booking.objects.count() == 1 and not api_views("appointment")


def test_the_list_filters_by_status_and_pages(clinic, api_as, places):
    journey = enrolled(clinic)
    first = booked(clinic, journey, places.slot("centre", "ct", days=2), kind="ct")
    second = booked(clinic, journey, places.slot("centre", "oncologist", days=4))
    api = api_as(clinic.assistant)
    api.post(f"{APPOINTMENTS}/{first.pk}/cancel", {"reason": "Заболела", "version": 1})

    booked_only = api.get(APPOINTMENTS, {"status": "booked"}).json()
    page = api.get(APPOINTMENTS, {"limit": 1, "offset": 1}).json()
    unknown = api.get(APPOINTMENTS, {"status": "lost"})

    assert [a["id"] for a in booked_only["results"]] == [second.pk]
    assert page["count"] == 2 and [a["id"] for a in page["results"]] == [second.pk]
    assert unknown.status_code == 422 and "status" in unknown.json()["errors"]
