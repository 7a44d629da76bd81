"""The consultations API: the list and one consultation (metadata for all who may see it, the client and
the note for the service's psychologists only), registering walk-ins and bookings, calling in, moves,
the end, the note, addenda and breaks of confidentiality; every refusal, the Idempotency-Key, and that a
note's text appears in no answer of the list or of a consultation to anyone but the service's psychologists.
"""

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
from notify.models import OutboxMessage
from people.models import ContactPerson
from people.tests.factories import PersonFactory
from psych import notes, services
from psych.models import ConfidentialityBreach, Consultation, NoteAddendum, SessionNote
from psych.tests.conftest import Clinic
from psych.tests.test_consultations import slot_of
from scheduling.models import Booking

# A working morning in the city, for tests whose outcome depends on the day changing.
MIDDAY = datetime.datetime(2027, 3, 3, 11, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=3)))

pytestmark = pytest.mark.django_db

API = "/api/v1/consultations"
SECRET = "Пациентка рассказала о страхе рецидива и о конфликте с дочерью"
SECRET_ADDENDUM = "Дочь приходит по средам, боится остаться одна"
Status = Consultation.Status


@pytest.fixture
def api_as(client: Client) -> Callable[..., JsonClient]:
    def make(user: User, language: str = "en") -> JsonClient:
        _record, token = ApiToken.issue(user=user, name="tests")
        return JsonClient(client, token, language)

    return make


def put(api: JsonClient, path: str, body: Any, **kwargs: Any) -> Any:
    return api.client.put(path, json.dumps(body), content_type="application/json", headers=api.headers(**kwargs))


def walk_in(clinic: Clinic, user: User | None = None, **client: Any) -> Consultation:
    return services.register_walk_in(actor=Actor(user or clinic.psychologist), client=services.Client(**client))


def started(clinic: Clinic, **client: Any) -> Consultation:
    c = walk_in(clinic, **client)
    return services.move(actor=Actor(clinic.psychologist), consultation=c, to=Status.IN_PROGRESS, expected_version=1)


def held(clinic: Clinic, **client: Any) -> Consultation:
    c = started(clinic, person=clinic.patient, **client)
    return services.finish(
        actor=Actor(clinic.psychologist),
        consultation=c,
        expected_version=c.version,
        topic=clinic.topic,
        outcome="supported",
        next_step="Группа поддержки",
    )


def noted(clinic: Clinic) -> Consultation:
    c = held(clinic)
    notes.write_note(actor=Actor(clinic.psychologist), consultation=c, text=SECRET, expected_version=0)
    notes.add_addendum(actor=Actor(clinic.colleague), consultation=c, text=SECRET_ADDENDUM)
    return c


def api_journal(action: str, **details: Any) -> list[AuditEvent]:
    entries = AuditEvent.objects.filter(object_type="psych.consultation", action=action, origin="api")
    return [e for e in entries if all(e.details.get(k) == v for k, v in details.items())]


# --- the list ------------------------------------------------------------------------------------------
def test_the_list_gives_the_client_to_the_services_psychologists_and_journals_it(clinic, api_as):
    c = noted(clinic)

    response = api_as(clinic.colleague).get(API)

    assert response.status_code == 200
    [item] = response.json()["results"]
    assert item["id"] == c.pk and item["status"] == "done" and item["has_note"] is True
    assert item["client"]["name"] == "Соколова Мария Петровна" and item["client"]["person_id"] == clinic.patient.pk
    assert item["topic"] == {"id": clinic.topic.pk, "name": str(clinic.topic)}
    assert item["service"] == {"id": clinic.hospital.pk, "name": "ГКБ № 1"}
    assert item["next_step"] == "Группа поддержки" and item["outcome"] == "supported"
    assert "note" not in item
    [entry] = api_journal("view", section="consultation_list")
    assert entry.person_id == clinic.patient.pk and entry.actor_id == clinic.colleague.pk


@pytest.mark.parametrize("who", ["coordinator", "hospital_supervisor", "city_supervisor"])
def test_others_get_the_metadata_only(clinic, api_as, who):
    c = noted(clinic)

    [item] = api_as(getattr(clinic, who)).get(API).json()["results"]

    assert item["id"] == c.pk and item["has_note"] is True and item["duration_minutes"] >= 1
    assert item["format"] == "in_person" and item["mode"] == "walk_in" and item["topic"]["id"] == clinic.topic.pk
    assert item["client"] is None and item["next_step"] is None and item["video_link"] is None
    assert item["moves"] == []
    assert not api_journal("view", section="consultation_list")


def test_each_role_lists_the_consultations_of_its_service(clinic, api_as):
    walk_in(clinic)
    services.register_walk_in(actor=Actor(clinic.onco_psychologist), client=services.Client(), place=clinic.onco_centre)

    def count(user: User) -> int:
        return api_as(user).get(API).json()["count"]

    assert count(clinic.city_supervisor) == 2
    assert count(clinic.hospital_supervisor) == count(clinic.coordinator) == count(clinic.psychologist) == 1
    assert count(clinic.onco_psychologist) == 1 and count(clinic.stranger) == 0


def test_the_list_filters_and_pages(clinic, api_as):
    with time_machine.travel(timezone.now() - datetime.timedelta(days=3)):
        old = held(clinic)
    waiting = walk_in(clinic, label="Ольга")
    booked = services.book(
        actor=Actor(clinic.psychologist),
        slot=slot_of(clinic.psychologist),
        client=services.Client(person=clinic.other_patient, phone="+79165550011"),
        format="phone",
    )
    api = api_as(clinic.psychologist)

    def ids(**params: Any) -> list[int]:
        response = api.get(API, params)
        assert response.status_code == 200, response.json()
        return [item["id"] for item in response.json()["results"]]

    assert ids() == [booked.pk, waiting.pk, old.pk]
    assert ids(status="waiting") == [waiting.pk]
    assert ids(format="phone") == [booked.pk]
    assert ids(mode="walk_in") == [waiting.pk, old.pk]
    assert ids(person=clinic.patient.pk) == [old.pk]
    today = timezone.localdate()
    assert ids(**{"from": today.isoformat()}) == [booked.pk, waiting.pk]
    assert ids(to=(today - datetime.timedelta(days=1)).isoformat()) == [old.pk]
    assert ids(**{"from": "0001-01-01", "to": "9999-12-31"}) == [booked.pk, waiting.pk, old.pk]
    assert ids(limit=1, offset=1) == [waiting.pk]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"format": "telepathy"}, "format"),
        ({"mode": "hotline2"}, "mode"),
        ({"person": 2**63}, "person"),
        ({"person": 10**40}, "person"),
        ({"limit": 10**30}, "limit"),
        ({"offset": -1}, "offset"),
        ({"from": "05.03.2026"}, "from"),
        ({"status": "x" * 21}, "status"),
    ],
)
def test_the_list_refuses_bad_filters(clinic, api_as, params, field):
    response = api_as(clinic.psychologist).get(API, params)
    assert response.status_code == 422
    assert field in response.json()["errors"]


@pytest.mark.parametrize("who", ["administrator", "operator", "volunteer", "navigator"])
def test_roles_without_psychology_get_403(clinic, api_as, who):
    c = noted(clinic)
    api = api_as(getattr(clinic, who))
    assert api.get(API).status_code == 403
    assert api.get(f"{API}/{c.pk}").status_code == 403


def test_without_a_token_401(clinic, client):
    c = walk_in(clinic)
    anonymous = JsonClient(client, None)
    assert anonymous.get(API).status_code == 401
    assert anonymous.get(f"{API}/{c.pk}").status_code == 401
    assert anonymous.post(API, {"mode": "walk_in"}).status_code == 401
    assert not Consultation.objects.exclude(pk=c.pk).exists()


# --- one consultation ----------------------------------------------------------------------------------
def test_a_psychologist_of_the_service_reads_the_note_with_its_addenda_and_the_reading_is_journaled(clinic, api_as):
    c = noted(clinic)

    response = api_as(clinic.colleague).get(f"{API}/{c.pk}")

    assert response.status_code == 200
    body = response.json()
    note = body["note"]
    assert note["text"] == SECRET and note["version"] == 1 and note["written_by"] == "Ирина Смирнова"
    assert note["editable"] is True and note["editable_until"] is not None
    assert [(a["text"], a["written_by"]) for a in note["addenda"]] == [(SECRET_ADDENDUM, "Ольга Смирнова")]
    assert body["client"]["name"] == "Соколова Мария Петровна" and body["has_note"] is True
    reads = AuditEvent.objects.filter(actor_id=clinic.colleague.pk, action="view", fields=["note"])
    assert reads.count() == 1 and reads.get().origin == "api"
    assert not any("рецидива" in str(e.details) for e in AuditEvent.objects.all())


def test_a_psychologist_of_the_service_sees_that_no_note_is_written_yet(clinic, api_as):
    c = started(clinic)
    body = api_as(clinic.psychologist).get(f"{API}/{c.pk}").json()
    assert body["has_note"] is False
    assert body["note"]["version"] == 0 and body["note"]["text"] == "" and body["note"]["editable"] is True
    assert body["moves"] == []  # in progress: only the end, by POST …/finish


@pytest.mark.parametrize("who", ["coordinator", "hospital_supervisor", "city_supervisor"])
def test_others_see_that_a_note_exists_but_not_the_note(clinic, api_as, who):
    c = noted(clinic)
    response = api_as(getattr(clinic, who)).get(f"{API}/{c.pk}")
    body = response.json()
    assert response.status_code == 200
    assert body["note"] is None and body["has_note"] is True and body["client"] is None
    assert not AuditEvent.objects.filter(actor_id=getattr(clinic, who).pk, fields=["note"]).exists()
    [entry] = api_journal("view", section="consultation")
    assert entry.actor_id == getattr(clinic, who).pk


@pytest.mark.parametrize("who", ["stranger", "onco_psychologist"])
def test_another_services_consultation_is_not_found(clinic, api_as, who):
    c = noted(clinic)
    response = api_as(getattr(clinic, who)).get(f"{API}/{c.pk}")
    assert response.status_code == 404 and response.json() == {"detail": "Not found."}


def test_a_missing_or_huge_id_is_not_found(clinic, api_as):
    api = api_as(clinic.psychologist)
    assert api.get(f"{API}/999999").status_code == 404
    assert api.get(f"{API}/{2**63}").status_code == 404
    assert api.get(f"{API}/{10**40}").status_code == 404
    assert api.post(f"{API}/{2**63}/moves", {"to": "called", "version": 1}).status_code == 404


# --- the note's text is nowhere else ---------------------------------------------------------------------
NOT_READERS = [
    "coordinator",
    "hospital_supervisor",
    "city_supervisor",
    "stranger",
    "onco_psychologist",
    "administrator",
    "operator",
    "volunteer",
    "navigator",
]


def _leaks(content: bytes) -> list[str]:
    """The forms in which a note's text could be in an answer: UTF-8, JSON's escapes, a fragment."""
    forms = []
    for secret in (SECRET, SECRET_ADDENDUM):
        for form in (secret.encode(), json.dumps(secret).encode(), secret[12:40].encode()):
            if form in content:
                forms.append(form.decode(errors="replace"))
    if "рецидива".encode() in content or "средам".encode() in content:
        forms.append("a fragment")
    return forms


@pytest.mark.parametrize("who", NOT_READERS)
def test_the_note_is_in_no_answer_of_the_list_or_of_the_consultation_for_any_other_role(clinic, api_as, who):
    c = noted(clinic)
    api = api_as(getattr(clinic, who))
    answers = [
        api.get(API),
        api.get(API, {"person": clinic.patient.pk}),
        api.get(API, {"status": "done", "mode": "walk_in", "format": "in_person"}),
        api.get(f"{API}/{c.pk}"),
        api.get(f"{API}/{c.pk}", language="ru"),
    ]
    for response in answers:
        assert response.status_code in (200, 403, 404)
        assert _leaks(response.content) == [], f"{who} got the note's text with {response.status_code}"
    assert not AuditEvent.objects.filter(actor_id=getattr(clinic, who).pk, fields=["note"]).exists()


def test_the_scan_finds_the_note_where_it_belongs(clinic, api_as):
    """The control of the test above: the service's psychologist gets the note, and the scan sees it."""
    c = noted(clinic)
    assert _leaks(api_as(clinic.psychologist).get(f"{API}/{c.pk}").content)
    assert _leaks(api_as(clinic.psychologist).get(API).content) == []


# --- registering -----------------------------------------------------------------------------------------
def test_a_walk_in_relative_is_registered_once_per_key(clinic, api_as):
    api = api_as(clinic.psychologist)
    body = {"mode": "walk_in", "person_id": clinic.patient.pk, "client_kind": "relative", "relative_id": clinic.son.pk}

    first = api.post(API, body, key="walk-1")
    again = api.post(API, body, key="walk-1")

    assert first.status_code == again.status_code == 201
    c = Consultation.objects.get()
    assert first["Location"] == f"{API}/{c.pk}"
    created = first.json()
    assert created["id"] == c.pk and created["ticket"] == 1 and created["status"] == "waiting"
    assert created["client"] == {
        "kind": "relative",
        "person_id": clinic.patient.pk,
        "relative_id": clinic.son.pk,
        "name": "Соколов Андрей Игоревич",
        "phone": "",
        "email": "",
    }
    assert created["place"] == {"id": clinic.hospital.pk, "name": "ГКБ № 1"}
    assert created["moves"] == ["called", "in_progress", "left"]
    assert again.json() == created and again["Idempotent-Replayed"] == "true"
    assert len(api_journal("create")) == 1


def test_an_anonymous_walk_in_is_numbered_in_the_days_queue(clinic, api_as):
    api = api_as(clinic.psychologist)
    first = api.post(API, {"mode": "walk_in"}).json()
    second = api.post(API, {"mode": "walk_in", "client_label": "Ольга"}).json()
    assert (first["ticket"], second["ticket"]) == (1, 2)
    assert first["client"]["name"] in ("anonymous", "анонимно") and second["client"]["name"] == "Ольга"


def test_an_onco_psychologist_registers_at_a_centre_of_the_service_only(clinic, api_as):
    api = api_as(clinic.onco_psychologist)
    refused = api.post(API, {"mode": "walk_in", "place_id": clinic.hospital.pk})
    assert refused.status_code == 422
    assert refused.json()["errors"] == {"place_id": ["Choose one of the places where your service sees clients."]}
    assert not Consultation.objects.exists()
    made = api.post(API, {"mode": "walk_in"})  # the service's only centre
    assert made.status_code == 201 and made.json()["place"]["id"] == clinic.onco_centre.pk
    assert made.json()["place_kind"] == "oncology_centre" and made.json()["service"]["id"] == clinic.onco_service.pk


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"mode": "hotline"}, "mode", "Choose walk_in or scheduled."),
        ({"client_label": "Оля\x00\x07"}, "client_label", None),
        ({"client_label": "x" * 201}, "client_label", None),
        ({"client_kind": "friend"}, "client_kind", "Choose whether the client is the patient or a relative."),
        ({"person_id": 10**12}, "person_id", "No such citizen."),
        ({"person_id": 2**63}, "person_id", None),
        ({"person_id": 10**40}, "person_id", None),
        ({"place_id": 10**12}, "place_id", "No such place."),
        ({"relative_id": 10**12}, "relative_id", "This relative is not on the patient's card."),
        ({"client_phone": "12"}, "client_phone", "Enter a Russian phone number, e.g. +7 916 123-45-67."),
        ({"slot_id": 1}, "slot_id", "Only for a scheduled consultation."),
        ({"format": "online"}, "format", "Only for a scheduled consultation."),
        ({"room": "5"}, "room", "Unknown field."),
    ],
)
def test_a_walk_in_with_bad_input_is_refused_per_field_and_nothing_written(clinic, api_as, change, field, message):
    response = api_as(clinic.psychologist).post(API, {"mode": "walk_in", **change})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert field in errors
    if message is not None:
        assert errors[field] == [message]
    assert not Consultation.objects.exists() and not api_journal("create")


def test_a_relative_of_another_patient_is_refused(clinic, api_as):
    other = ContactPerson.objects.create(person=clinic.other_patient, full_name="Орлова Анна", relation="child")
    body = {"mode": "walk_in", "person_id": clinic.patient.pk, "client_kind": "relative", "relative_id": other.pk}
    response = api_as(clinic.psychologist).post(API, body)
    assert response.status_code == 422
    assert response.json()["errors"] == {"relative_id": ["This relative is not on the patient's card."]}
    assert not Consultation.objects.exists()


def test_the_refusal_is_in_the_callers_language(clinic, api_as):
    response = api_as(clinic.psychologist, language="ru").post(API, {"mode": "walk_in", "client_kind": "friend"})
    assert response.status_code == 422
    assert response.json()["errors"]["client_kind"][0].startswith("Укажите")


@pytest.mark.parametrize("who", ["coordinator", "hospital_supervisor", "city_supervisor", "administrator"])
def test_only_psychologists_register(clinic, api_as, who):
    response = api_as(getattr(clinic, who)).post(API, {"mode": "walk_in"})
    assert response.status_code == 403
    assert not Consultation.objects.exists()


def test_a_psychologist_of_no_service_is_told_so(clinic, make_user, api_as):
    response = api_as(make_user("psychologist")).post(API, {"mode": "walk_in"})
    assert response.status_code == 422
    assert response.json()["detail"].startswith("Your account is not linked to a hospital or a psychological service")
    assert not Consultation.objects.exists()


def test_an_online_booking_answers_with_the_link_and_sends_it(clinic, api_as):
    slot = slot_of(clinic.colleague)
    body = {
        "mode": "scheduled",
        "slot_id": slot.pk,
        "format": "online",
        "person_id": clinic.patient.pk,
        "client_phone": "+7 916 555-00-11",
        "client_email": "maria@example.ru",
        "topic_id": clinic.topic.pk,
    }

    response = api_as(clinic.psychologist).post(API, body, key="book-1")

    assert response.status_code == 201
    created = response.json()
    assert created["status"] == "booked" and created["format"] == "online" and created["place"] is None
    assert created["psychologist"]["username"] == clinic.colleague.username
    assert created["scheduled_at"] is not None and created["topic"]["id"] == clinic.topic.pk
    assert created["video_link"].startswith("https://psy.example.ru/room/")
    assert created["client"]["phone"] == "+79165550011"
    sms = OutboxMessage.objects.get(channel="sms")
    assert created["video_link"] in sms.body
    assert Booking.objects.get(slot=slot).status == "booked"
    again = api_as(clinic.psychologist).post(API, body, key="book-1")
    assert again.json() == created and Consultation.objects.count() == 1 and OutboxMessage.objects.count() == 2


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"slot_id": None}, "slot_id", "This field is required."),
        ({"slot_id": 10**12}, "slot_id", "No such slot."),
        ({"format": ""}, "format", "Choose the format: in person, online or by phone."),
        (
            {"format": "online", "client_phone": ""},
            "client_phone",
            "An online consultation needs a mobile phone or an e-mail to send the link to.",
        ),
        ({"topic_id": 10**12}, "topic_id", "No such topic."),
        (
            {"route_step_id": 10**12},
            "route_step_id",
            "This step is not an open step of the patient's route at your hospital.",
        ),
        ({"place_id": 1}, "place_id", "Only for a walk-in: a booking is where its slot is."),
        ({"client_email": "not-an-address"}, "client_email", "Enter a valid e-mail address."),
    ],
)
def test_a_booking_with_bad_input_is_refused_per_field_and_nothing_written(clinic, api_as, change, field, message):
    body = {
        "mode": "scheduled",
        "slot_id": slot_of(clinic.psychologist).pk,
        "format": "phone",
        "client_phone": "+79165550011",
    }
    body.update(change)
    response = api_as(clinic.psychologist).post(API, body)
    assert response.status_code == 422
    assert response.json()["errors"][field] == [message]
    assert not Consultation.objects.exists() and not Booking.objects.exists() and not OutboxMessage.objects.exists()


def test_a_slot_of_another_service_or_booked_already_is_refused(clinic, api_as):
    api = api_as(clinic.psychologist)
    foreign = {
        "mode": "scheduled",
        "slot_id": slot_of(clinic.stranger).pk,
        "format": "phone",
        "client_phone": "+79165550011",
    }
    assert api.post(API, foreign).json()["errors"] == {"slot_id": ["Choose a slot of a psychologist of your service."]}
    slot = slot_of(clinic.psychologist)
    body = {**foreign, "slot_id": slot.pk}
    assert api.post(API, body).status_code == 201
    second = api.post(API, body)
    assert second.status_code == 422 and "slot_id" in second.json()["errors"]
    assert Consultation.objects.count() == 1


# --- calling in ------------------------------------------------------------------------------------------
def test_calling_in_takes_who_waited_longest_once_per_key(request, clinic, api_as):
    # Mid-morning, so that twenty minutes ago is the same day in the city (the queue restarts each day).
    noon = time_machine.travel(MIDDAY, tick=True)
    noon.start()
    request.addfinalizer(noon.stop)
    with time_machine.travel(MIDDAY - datetime.timedelta(minutes=20)):
        first = walk_in(clinic, label="Первая")
    second = walk_in(clinic, label="Вторая")
    api = api_as(clinic.colleague)

    called = api.post(f"{API}/next", {"place_id": clinic.hospital.pk}, key="next-1")
    again = api.post(f"{API}/next", {"place_id": clinic.hospital.pk}, key="next-1")

    assert called.status_code == again.status_code == 200
    body = called.json()
    assert body["consultation"]["id"] == first.pk and body["consultation"]["status"] == "called"
    assert body["consultation"]["psychologist"]["username"] == clinic.colleague.username
    assert body["consultation"]["client"]["name"] == "Первая" and body["waiting"] == 1
    assert again.json() == body and again["Idempotent-Replayed"] == "true"
    assert Consultation.objects.get(pk=second.pk).status == Status.WAITING
    assert api.post(f"{API}/next", {"place_id": clinic.hospital.pk}).json()["consultation"]["id"] == second.pk
    nobody = api.post(f"{API}/next", {"place_id": clinic.hospital.pk})
    assert nobody.status_code == 200 and nobody.json() == {"consultation": None, "waiting": 0}


def test_calling_in_at_a_place_not_the_services_is_refused(clinic, api_as):
    walk_in(clinic)
    for place_id in (clinic.onco_centre.pk, 10**12):
        response = api_as(clinic.psychologist).post(f"{API}/next", {"place_id": place_id})
        assert response.status_code == 422
        assert response.json()["errors"] == {"place_id": ["Choose one of the places where your service sees clients."]}
    assert api_as(clinic.psychologist).post(f"{API}/next", {"place_id": 2**63}).status_code == 422
    assert api_as(clinic.stranger).post(f"{API}/next", {"place_id": clinic.hospital.pk}).status_code == 422
    assert api_as(clinic.coordinator).post(f"{API}/next", {"place_id": clinic.hospital.pk}).status_code == 403
    assert Consultation.objects.get().status == Status.WAITING


# --- moves and the end -----------------------------------------------------------------------------------
def test_a_walk_in_is_called_in_and_started(clinic, api_as):
    c = walk_in(clinic)
    api = api_as(clinic.psychologist)
    called = api.post(f"{API}/{c.pk}/moves", {"to": "called", "version": 1}, key="m-1")
    assert called.status_code == 200 and called.json()["status"] == "called" and called.json()["version"] == 2
    replay = api.post(f"{API}/{c.pk}/moves", {"to": "called", "version": 1}, key="m-1")
    assert replay.json() == called.json() and replay["Idempotent-Replayed"] == "true"
    begun = api.post(f"{API}/{c.pk}/moves", {"to": "in_progress", "version": 2})
    assert begun.json()["status"] == "in_progress" and begun.json()["started_at"] is not None
    assert len(api_journal("change")) == 2


def test_a_stale_version_gets_409_with_the_current_one(clinic, api_as):
    c = walk_in(clinic)
    services.move(actor=Actor(clinic.colleague), consultation=c, to=Status.CALLED, expected_version=1)
    response = api_as(clinic.psychologist).post(f"{API}/{c.pk}/moves", {"to": "left", "version": 1})
    assert response.status_code == 409 and response.json()["current_version"] == 2
    assert Consultation.objects.get(pk=c.pk).status == Status.CALLED


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"to": "no_show", "version": 1}, "to"),
        ({"to": "done", "version": 1}, "to"),
        ({"to": "x" * 21, "version": 1}, "to"),
        ({"to": "called", "version": 2**31 - 1}, "version"),
        ({"to": "called", "version": 2**63}, "version"),
        ({"to": "called", "version": -1}, "version"),
        ({"to": "called"}, "version"),
    ],
)
def test_a_move_with_bad_input_is_refused(clinic, api_as, body, field):
    c = walk_in(clinic)
    response = api_as(clinic.psychologist).post(f"{API}/{c.pk}/moves", body)
    assert response.status_code == 422 and field in response.json()["errors"]
    assert Consultation.objects.get(pk=c.pk).version == 1


def test_cancelling_needs_a_reason_frees_the_slot_and_tells_the_client(clinic, api_as):
    slot = slot_of(clinic.psychologist)
    c = services.book(
        actor=Actor(clinic.psychologist), slot=slot, client=services.Client(phone="+79165550011"), format="phone"
    )
    api = api_as(clinic.psychologist)
    for reason in ("", "  ", "заболела\x1b"):
        refused = api.post(f"{API}/{c.pk}/moves", {"to": "cancelled", "version": 1, "reason": reason})
        assert refused.status_code == 422 and "reason" in refused.json()["errors"]
    cancelled = api.post(f"{API}/{c.pk}/moves", {"to": "cancelled", "version": 1, "reason": "заболела"})
    assert cancelled.status_code == 200 and cancelled.json()["cancel_reason"] == "заболела"
    assert Booking.objects.get(slot=slot).status == "cancelled"
    assert OutboxMessage.objects.filter(body__contains="отменена").count() == 1


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("stranger", 404),
        ("onco_psychologist", 404),
        ("coordinator", 403),
        ("hospital_supervisor", 403),
        ("city_supervisor", 403),
        ("operator", 403),
    ],
)
def test_only_the_services_psychologists_move_and_end(clinic, api_as, who, status):
    c = started(clinic)
    api = api_as(getattr(clinic, who))
    assert api.post(f"{API}/{c.pk}/moves", {"to": "left", "version": 2}).status_code == status
    finish = {"version": 2, "topic_id": clinic.topic.pk, "outcome": "supported"}
    assert api.post(f"{API}/{c.pk}/finish", finish).status_code == status
    assert Consultation.objects.get(pk=c.pk).status == Status.IN_PROGRESS


def test_the_end_records_topic_outcome_and_duration(clinic, api_as):
    c = started(clinic)
    body = {
        "version": 2,
        "topic_id": clinic.crisis_topic.pk,
        "outcome": "crisis",
        "next_step": "Повторная встреча",
        "duration_minutes": 35,
    }
    response = api_as(clinic.colleague).post(f"{API}/{c.pk}/finish", body, key="fin-1")
    assert response.status_code == 200
    done = response.json()
    assert done["status"] == "done" and done["duration_minutes"] == 35 and done["outcome"] == "crisis"
    assert done["topic"]["id"] == clinic.crisis_topic.pk and done["ended_at"] is not None
    assert done["next_step"] == "Повторная встреча" and done["moves"] == []
    again = api_as(clinic.colleague).post(f"{API}/{c.pk}/finish", body, key="fin-1")
    assert again.json() == done


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"version": 2}, {"topic_id", "outcome"}),
        ({"version": 2, "topic_id": 10**12, "outcome": "luck"}, {"topic_id", "outcome"}),
        ({"version": 2, "topic_id": 1, "outcome": "supported", "duration_minutes": 0}, {"duration_minutes"}),
        ({"version": 2, "topic_id": 1, "outcome": "supported", "duration_minutes": 481}, {"duration_minutes"}),
        ({"version": 2, "topic_id": 1, "outcome": "supported", "duration_minutes": 10**9}, {"duration_minutes"}),
        ({"version": 2, "topic_id": 1, "outcome": "supported", "next_step": "a\x00b"}, {"next_step"}),
        ({"version": 2, "topic_id": 1, "outcome": "supported", "close_step": True}, {"close_step"}),
        ({"version": 2, "topic_id": 2**63, "outcome": "supported"}, {"topic_id"}),
    ],
)
def test_an_end_with_bad_input_is_refused_and_nothing_written(clinic, api_as, body, fields):
    c = started(clinic)
    if body.get("topic_id") == 1:
        body = {**body, "topic_id": clinic.topic.pk}
    response = api_as(clinic.psychologist).post(f"{API}/{c.pk}/finish", body)
    assert response.status_code == 422
    assert set(response.json()["errors"]) == fields
    c.refresh_from_db()
    assert c.status == Status.IN_PROGRESS and c.ended_at is None and c.version == 2


def test_a_stale_end_gets_409(clinic, api_as):
    c = started(clinic)
    body = {"version": 1, "topic_id": clinic.topic.pk, "outcome": "supported"}
    response = api_as(clinic.psychologist).post(f"{API}/{c.pk}/finish", body)
    assert response.status_code == 409 and response.json()["current_version"] == 2


def test_ending_a_consultation_not_in_progress_says_why(clinic, api_as):
    c = walk_in(clinic)
    body = {"version": 1, "topic_id": clinic.topic.pk, "outcome": "supported"}
    response = api_as(clinic.psychologist).post(f"{API}/{c.pk}/finish", body)
    assert response.status_code == 422
    assert response.json()["detail"] == "Only a consultation in progress can be ended."


# --- the note --------------------------------------------------------------------------------------------
def test_the_note_is_written_rewritten_and_its_text_is_not_echoed_nor_kept_for_replays(clinic, api_as):
    c = held(clinic)
    api = api_as(clinic.psychologist)
    path = f"{API}/{c.pk}/note"

    first = put(api, path, {"text": SECRET, "version": 0}, key="note-1")
    replay = put(api, path, {"text": SECRET, "version": 0}, key="note-1")
    second = put(api, path, {"text": SECRET + "!", "version": 1})

    assert first.status_code == 201 and first.json()["version"] == 1
    assert first.json()["written_by"] == "Ирина Смирнова" and first.json()["consultation_id"] == c.pk
    assert replay.status_code == 201 and replay.json() == first.json() and replay["Idempotent-Replayed"] == "true"
    assert second.status_code == 200 and second.json()["version"] == 2
    for response in (first, replay, second):
        assert _leaks(response.content) == []
    assert not any(
        "рецидива" in json.dumps(r.response_body, ensure_ascii=False) for r in IdempotencyRecord.objects.all()
    )
    assert notes.read_note(actor=Actor(clinic.colleague), consultation=c).text == SECRET + "!"
    assert AuditEvent.objects.filter(object_id=str(c.pk), fields=["note"], action__in=["create", "change"]).count() == 2


def test_a_stale_note_gets_409_with_the_current_version(clinic, api_as):
    c = noted(clinic)
    api = api_as(clinic.colleague)
    again = put(api, f"{API}/{c.pk}/note", {"text": "моя версия", "version": 0})
    stale = put(api, f"{API}/{c.pk}/note", {"text": "моя версия", "version": 5})
    assert again.status_code == stale.status_code == 409
    assert again.json()["current_version"] == stale.json()["current_version"] == 1
    assert notes.read_note(actor=Actor(clinic.psychologist), consultation=c).text == SECRET


@pytest.mark.parametrize(
    "body",
    [
        {"text": "  \n ", "version": 0},
        {"text": "Запись\x00", "version": 0},
        {"text": "x" * 20001, "version": 0},
        {"text": "Запись", "version": 2**31 - 1},
        {"text": "Запись", "version": 10**30},
        {"text": "Запись"},
        {"text": 5, "version": 0},
    ],
)
def test_a_bad_note_is_refused_and_nothing_written(clinic, api_as, body):
    c = held(clinic)
    response = put(api_as(clinic.psychologist), f"{API}/{c.pk}/note", body)
    assert response.status_code == 422
    assert set(response.json()["errors"]) <= {"text", "version"}
    assert not SessionNote.objects.exists()


def test_no_note_before_the_start_nor_after_24_hours(clinic, api_as):
    waiting = walk_in(clinic)
    api = api_as(clinic.psychologist)
    early = put(api, f"{API}/{waiting.pk}/note", {"text": "Запись", "version": 0})
    assert early.status_code == 422 and early.json()["errors"] == {
        "text": ["A note is written once the consultation has started."]
    }
    c = held(clinic)
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=25)):
        late = put(api, f"{API}/{c.pk}/note", {"text": "Запись", "version": 0})
        assert late.status_code == 422 and "addendum" in late.json()["errors"]["text"][0]
        assert api.get(f"{API}/{c.pk}").json()["note"]["editable"] is False
    assert not SessionNote.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("stranger", 404),
        ("onco_psychologist", 404),
        ("coordinator", 403),
        ("hospital_supervisor", 403),
        ("city_supervisor", 403),
        ("administrator", 403),
        ("navigator", 403),
    ],
)
def test_only_the_services_psychologists_write_notes_addenda_and_breaches(clinic, api_as, who, status):
    c = held(clinic)
    api = api_as(getattr(clinic, who))
    assert put(api, f"{API}/{c.pk}/note", {"text": "Запись", "version": 0}).status_code == status
    assert api.post(f"{API}/{c.pk}/addenda", {"text": "Уточнение"}).status_code == status
    breach = {"reason": "угроза жизни", "reported_to": "ambulance", "supervisor_id": clinic.hospital_supervisor.pk}
    assert api.post(f"{API}/{c.pk}/breaches", breach).status_code == status
    assert not SessionNote.objects.exists() and not NoteAddendum.objects.exists()
    assert not ConfidentialityBreach.objects.exists()


def test_not_even_a_superuser_writes_a_note(clinic, api_as):
    c = held(clinic)
    root = User.objects.create_superuser("root-psy-api", password=None)
    response = put(api_as(root), f"{API}/{c.pk}/note", {"text": "Запись", "version": 0})
    assert response.status_code == 403
    detail = api_as(root).get(f"{API}/{c.pk}")
    assert detail.status_code == 200 and detail.json()["note"] is None and detail.json()["client"] is None
    assert not SessionNote.objects.exists()


def test_an_addendum_is_added_once_per_key_without_echoing_its_text(clinic, api_as):
    c = held(clinic)
    api = api_as(clinic.colleague)
    first = api.post(f"{API}/{c.pk}/addenda", {"text": SECRET_ADDENDUM}, key="add-1")
    again = api.post(f"{API}/{c.pk}/addenda", {"text": SECRET_ADDENDUM}, key="add-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["addenda"] == 1 and first.json()["written_by"] == "Ольга Смирнова"
    assert again.json() == first.json() and NoteAddendum.objects.count() == 1
    assert _leaks(first.content) == []
    view = api_as(clinic.psychologist).get(f"{API}/{c.pk}").json()["note"]
    assert [a["text"] for a in view["addenda"]] == [SECRET_ADDENDUM]


def test_an_addendum_needs_a_consultation_held_and_a_text(clinic, api_as):
    c = started(clinic)
    api = api_as(clinic.psychologist)
    early = api.post(f"{API}/{c.pk}/addenda", {"text": "Уточнение"})
    assert early.status_code == 422 and early.json()["errors"] == {
        "text": ["An addendum is added to a consultation that has been held."]
    }
    c = held(clinic)
    for text in ("", "\x07", "x" * 20001):
        assert api.post(f"{API}/{c.pk}/addenda", {"text": text}).status_code == 422
    assert not NoteAddendum.objects.exists()


# --- breaks of confidentiality ----------------------------------------------------------------------
def test_a_break_of_confidentiality_is_recorded_once_and_the_supervisor_told(clinic, api_as):
    c = held(clinic)
    body = {
        "reason": "Высказывала намерение покончить с собой сегодня",
        "reported_to": "ambulance",
        "reference_number": "103-4471",
        "supervisor_id": clinic.hospital_supervisor.pk,
    }
    api = api_as(clinic.psychologist)
    first = api.post(f"{API}/{c.pk}/breaches", body, key="br-1")
    again = api.post(f"{API}/{c.pk}/breaches", body, key="br-1")
    assert first.status_code == again.status_code == 201
    out = first.json()
    assert out["consultation_id"] == c.pk and out["reference_number"] == "103-4471"
    assert out["supervisor"]["username"] == clinic.hospital_supervisor.username
    assert out["recorded_by"]["username"] == clinic.psychologist.username
    assert again.json() == out and ConfidentialityBreach.objects.count() == 1
    message = OutboxMessage.objects.get(related_type="psych.confidentialitybreach")
    assert "103-4471" in message.body and "Соколова" not in message.body


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"reason": " "}, {"reason"}),
        ({"reason": "угроза\x00"}, {"reason"}),
        ({"reported_to": "nobody"}, {"reported_to"}),
        ({"supervisor_id": None}, {"supervisor_id"}),
        ({"supervisor_id": 10**12}, {"supervisor_id"}),
        ({"supervisor_id": 2**63}, {"supervisor_id"}),
        ({"supervisor_id": "coordinator"}, {"supervisor_id"}),
        ({"reference_number": "x" * 101}, {"reference_number"}),
        ({"reported_at": "2999-01-01T10:00:00+03:00"}, {"reported_at"}),
    ],
)
def test_a_bad_break_is_refused_per_field_and_nothing_written(clinic, api_as, change, fields):
    c = held(clinic)
    body = {"reason": "угроза жизни", "reported_to": "ambulance", "supervisor_id": clinic.city_supervisor.pk}
    body.update(change)
    if body["supervisor_id"] == "coordinator":
        body["supervisor_id"] = clinic.coordinator.pk
    response = api_as(clinic.psychologist).post(f"{API}/{c.pk}/breaches", body)
    assert response.status_code == 422
    assert set(response.json()["errors"]) == fields
    assert not ConfidentialityBreach.objects.exists() and not OutboxMessage.objects.exists()


def test_a_break_reported_earlier_keeps_its_time_in_moscow(clinic, api_as):
    c = held(clinic)
    earlier = timezone.localtime() - datetime.timedelta(hours=1)
    body = {
        "reason": "угроза жизни",
        "reported_to": "police",
        "supervisor_id": clinic.city_supervisor.pk,
        "reported_at": earlier.replace(tzinfo=None, microsecond=0).isoformat(),
    }
    response = api_as(clinic.psychologist).post(f"{API}/{c.pk}/breaches", body)
    assert response.status_code == 201
    assert ConfidentialityBreach.objects.get().reported_at == earlier.replace(microsecond=0)


# --- the contract ----------------------------------------------------------------------------------------
def test_every_write_of_consultations_declares_the_idempotency_key(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    ours = {p: ops for p, ops in paths.items() if p.startswith(API)}
    assert len(ours) == 8
    for path, operations in ours.items():
        for method, operation in operations.items():
            if method in ("post", "put"):
                names = [p["name"] for p in operation.get("parameters", [])]
                assert "Idempotency-Key" in names, f"{method} {path}"
            assert operation["tags"] == ["consultations"]
            assert operation["description"], f"{method} {path} has no documentation"


def test_the_consultation_person_filter_does_not_reveal_other_patients(clinic, api_as):
    held(clinic)
    other = PersonFactory()
    assert api_as(clinic.coordinator).get(API, {"person": other.pk}).json()["count"] == 0
