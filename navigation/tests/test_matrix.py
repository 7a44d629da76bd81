"""Every role and relationship against every rule of oncology navigation, cell by cell.

Columns: the assistant who registered the referral and assists the patient (own), a colleague assistant
(coll), a supervisor (sup), and the roles with no business in the programme: operator, volunteer, hospital
coordinator, psychologist, anonymous. The programme's pages come with the next part of issue 14; until then
the rules are asked of the objects directly.
"""

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from core.actor import Actor
from navigation import services
from navigation.tests.conftest import Clinic, referral_input
from navigation.tests.test_appointments import booked, make_facilities

pytestmark = pytest.mark.django_db

COLUMNS = ("own", "coll", "sup", "oper", "vol", "coord", "psych", "anon")
T, X = True, False


def _referral(clinic: Clinic) -> Any:
    return services.register_referral(actor=Actor(clinic.assistant), person=clinic.patient, data=referral_input(clinic))


def _journey(clinic: Clinic) -> Any:
    referral = _referral(clinic)
    return services.enrol(
        actor=Actor(clinic.assistant), referral=referral, reminders_by="sms", evidence="устно", expected_version=1
    )


RULE_ROWS: list[tuple[str, str, Callable[[Clinic], Any] | None, tuple[bool, ...]]] = [
    ("register a referral", "navigation.register_referral", None, (T, T, T, X, X, X, X, X)),
    ("record the patient's answer", "navigation.record_answer", _referral, (T, X, T, X, X, X, X, X)),
    ("see a journey", "navigation.view_journey", _journey, (T, X, T, X, X, X, X, X)),
    ("work on a journey", "navigation.change_journey", _journey, (T, X, X, X, X, X, X, X)),
    ("reassign a patient", "navigation.reassign", _journey, (X, X, T, X, X, X, X, X)),
    ("open the patient's card", "people.view_person", lambda k: _journey(k).case.person, (T, X, T, T, X, X, X, X)),
]  # fmt: skip
MATRIX_ROWS = {name for name, *_rest in RULE_ROWS}
PERMISSIONS_COVERED = {
    "navigation.register_referral": ["register a referral"],
    "navigation.record_answer": ["record the patient's answer"],
    "navigation.view_journey": ["see a journey"],
    "navigation.change_journey": ["work on a journey"],
    "navigation.reassign": ["reassign a patient"],
}


@pytest.mark.parametrize(("name", "perm", "obj", "expected"), RULE_ROWS, ids=[row[0] for row in RULE_ROWS])
def test_rule_matrix(clinic, name, perm, obj, expected):
    users = {
        "own": clinic.assistant,
        "coll": clinic.colleague,
        "sup": clinic.supervisor,
        "oper": clinic.operator,
        "vol": clinic.volunteer,
        "coord": clinic.coordinator,
        "psych": clinic.psychologist,
        "anon": AnonymousUser(),
    }
    target = obj(clinic) if obj else None
    got = {column: users[column].has_perm(perm, target) for column in COLUMNS}
    assert got == dict(zip(COLUMNS, expected, strict=True))


# --- pages ---------------------------------------------------------------------------------------------
F, N, R = 403, 404, 302


def _pending(clinic: Clinic) -> Any:
    from people.tests.factories import PersonFactory

    return services.register_referral(
        actor=Actor(clinic.assistant), person=PersonFactory(), data=referral_input(clinic)
    )


def _page_journey(clinic: Clinic) -> Any:
    from navigation.models import Journey

    return Journey.objects.first() or _journey(clinic)


PageRow = tuple[str, str, Callable[[Clinic], str], Callable[[Clinic], dict[str, Any]] | None, tuple[int, ...]]
PAGE_ROWS: list[PageRow] = [
    ("my patients", "get", lambda k: "/navigation/", None, (200, 200, 200, F, F, F, F, R)),
    ("find the referred patient", "get", lambda k: "/navigation/find/?q=Соколова+Мария", None,
     (200, 200, 200, F, F, F, F, R)),
    ("register a referral form", "get", lambda k: f"/navigation/referrals/new/?person={k.patient.pk}", None,
     (200, 200, 200, F, F, F, F, R)),
    ("register a referral", "post", lambda k: "/navigation/referrals/new/",
     lambda k: {"person": k.patient.pk, "polyclinic": k.polyclinic.pk, "referring_doctor": "Петров",
                "referred_on": "2026-12-01", "diagnosis": "C50", "urgency": "routine"},
     (R, R, R, F, F, F, F, R)),
    ("a referral", "get", lambda k: f"/navigation/referrals/{_pending(k).pk}/", None, (200, N, 200, F, F, F, F, R)),
    ("record the agreement", "post", lambda k: f"/navigation/referrals/{_pending(k).pk}/agree/",
     lambda k: {"version": 1, "reminders_by": "sms", "evidence": "подпись"}, (R, N, R, F, F, F, F, R)),
    ("record the refusal", "post", lambda k: f"/navigation/referrals/{_pending(k).pk}/refuse/",
     lambda k: {"version": 1, "refusal_reason": "не хочет"}, (R, N, R, F, F, F, F, R)),
    ("a journey", "get", lambda k: f"/navigation/journeys/{_page_journey(k).pk}/", None, (200, N, 200, F, F, F, F, R)),
    ("print the card", "get", lambda k: f"/navigation/journeys/{_page_journey(k).pk}/card.pdf", None,
     (200, N, 200, F, F, F, F, R)),
    ("oncology tab of the card", "get", lambda k: f"/people/{_page_journey(k).case.person_id}/oncology/", None,
     (200, N, 200, F, F, N, N, R)),
]  # fmt: skip
MATRIX_ROWS |= {name for name, *_rest in PAGE_ROWS}
PERMISSIONS_COVERED["navigation.register_referral"] += ["my patients", "register a referral", "a referral"]
PERMISSIONS_COVERED["navigation.record_answer"] += ["record the agreement", "record the refusal"]
PERMISSIONS_COVERED["navigation.view_journey"] += ["a journey", "print the card"]
PERMISSIONS_COVERED["navigation.see_tab"] = ["oncology tab of the card"]


@pytest.mark.parametrize(("name", "method", "url", "data", "expected"), PAGE_ROWS, ids=[row[0] for row in PAGE_ROWS])
def test_page_matrix(clinic, name, method, url, data, expected):
    from django.test import Client

    users = {
        "own": clinic.assistant,
        "coll": clinic.colleague,
        "sup": clinic.supervisor,
        "oper": clinic.operator,
        "vol": clinic.volunteer,
        "coord": clinic.coordinator,
        "psych": clinic.psychologist,
        "anon": None,
    }
    got = {}
    for column in COLUMNS:
        client = Client()
        if users[column] is not None:
            client.force_login(users[column])
        response = getattr(client, method)(url(clinic), data(clinic) if data else None)
        got[column] = response.status_code
    assert got == dict(zip(COLUMNS, expected, strict=True))


# --- appointments (issue 14, §3–§4) ---------------------------------------------------------------------


def _appointment(clinic: Clinic) -> Any:
    facilities = make_facilities(clinic)
    return booked(clinic, _journey(clinic), facilities.slot("centre", "oncologist", days=3))


APPOINTMENT_ROWS: list[tuple[str, str, Callable[[Clinic], Any] | None, tuple[bool, ...]]] = [
    ("book an appointment", "navigation.book_appointment", _journey, (T, X, X, X, X, X, X, X)),
    ("move, cancel or record an appointment", "navigation.change_appointment", _appointment,
     (T, X, X, X, X, X, X, X)),
    ("see an appointment", "navigation.view_appointment", _appointment, (T, X, T, X, X, X, X, X)),
]  # fmt: skip
MATRIX_ROWS |= {name for name, *_rest in APPOINTMENT_ROWS}
PERMISSIONS_COVERED["navigation.book_appointment"] = ["book an appointment"]
PERMISSIONS_COVERED["navigation.change_appointment"] = ["move, cancel or record an appointment"]
PERMISSIONS_COVERED["navigation.view_appointment"] = ["see an appointment"]


@pytest.mark.parametrize(
    ("name", "perm", "obj", "expected"), APPOINTMENT_ROWS, ids=[row[0] for row in APPOINTMENT_ROWS]
)
def test_appointment_rule_matrix(clinic, name, perm, obj, expected):
    test_rule_matrix(clinic, name, perm, obj, expected)


# --- the journey's and the appointments' pages (issue 14, §2–§4) -----------------------------------------


def _step(clinic: Clinic) -> Any:
    return _page_journey(clinic).steps.get()


def _page_appointment(clinic: Clinic) -> Any:
    from navigation.models import Appointment

    return Appointment.objects.first() or _appointment(clinic)


def _call(clinic: Clinic) -> Any:
    from navigation.models import CallTask

    return CallTask.objects.filter(kind="welcome").first() or _page_journey(clinic).call_tasks.get()


def _slot(clinic: Clinic) -> Any:
    from scheduling.models import Resource, Slot

    journey = _page_journey(clinic)
    resource = Resource.objects.filter(code="oncologist").first()
    if resource is None:
        make_facilities(clinic)
        resource = Resource.objects.filter(code="oncologist").first()
    assert resource is not None and journey is not None
    free = Slot.objects.filter(resource=resource).exclude(bookings__status="booked")
    return free.order_by("starts_at").first() or make_facilities_slot(resource)


def make_facilities_slot(resource: Any) -> Any:
    import datetime

    from django.utils import timezone

    from scheduling.models import Slot

    later = Slot.objects.filter(resource=resource).count()
    starts = timezone.now().replace(microsecond=0) + datetime.timedelta(days=5, minutes=30 * later)
    return Slot.objects.create(resource=resource, starts_at=starts, ends_at=starts + datetime.timedelta(minutes=30))


JOURNEY_PAGE_ROWS: list[PageRow] = [
    ("move the journey on", "post", lambda k: f"/navigation/journeys/{_page_journey(k).pk}/stage/",
     lambda k: {"version": 1, "stage": "diagnostics", "began_on": _today()}, (R, N, F, F, F, F, F, R)),
    ("mark a step done", "post", lambda k: f"/navigation/steps/{_step(k).pk}/done/",
     lambda k: {f"s{_step(k).pk}-version": 1, f"s{_step(k).pk}-done_on": _today()}, (R, N, F, F, F, F, F, R)),
    ("mark a step not needed", "post", lambda k: f"/navigation/steps/{_step(k).pk}/skip/",
     lambda k: {f"k{_step(k).pk}-version": 1, f"k{_step(k).pk}-note": "в стационаре"}, (R, N, F, F, F, F, F, R)),
    ("say why a step is late", "post", lambda k: f"/navigation/steps/{_step(k).pk}/delay/",
     lambda k: {f"d{_step(k).pk}-version": 1, f"d{_step(k).pk}-late_reason": "no_slots"}, (R, N, F, F, F, F, F, R)),
    ("add a step", "post", lambda k: f"/navigation/journeys/{_page_journey(k).pk}/steps/",
     lambda k: {"add-milestone": "other", "add-title": "Маммография", "add-due_on": _today()},
     (R, N, F, F, F, F, F, R)),
    ("ask for a psychologist", "post", lambda k: f"/navigation/journeys/{_page_journey(k).pk}/psychologist/",
     lambda k: {"psy-service": _psych_service(k).pk, "psy-note": ""}, (R, N, F, F, F, F, F, R)),
    ("ask the TCSO for help", "post", lambda k: f"/navigation/journeys/{_page_journey(k).pk}/tcso/",
     lambda k: {"tcso-details": "купить продукты"}, (R, N, F, F, F, F, F, R)),
    ("reassign the patient", "post", lambda k: f"/navigation/journeys/{_page_journey(k).pk}/reassign/",
     lambda k: {"re-version": _page_journey(k).version, "re-assistant": k.stranger.pk, "re-reason": "отпуск"},
     (F, N, R, F, F, F, F, R)),
    ("record a call", "post", lambda k: f"/navigation/calls/{_call(k).pk}/done/",
     lambda k: {f"c{_call(k).pk}-version": 1, f"c{_call(k).pk}-result": "дозвонились"}, (R, N, N, N, N, N, N, R)),
    ("find a free time", "get", lambda k: f"/navigation/journeys/{_page_journey(k).pk}/slots/?resource=oncologist",
     None, (200, N, F, F, F, F, F, R)),
    ("book a slot", "post", lambda k: f"/navigation/journeys/{_page_journey(k).pk}/book/",
     lambda k: {"slot": _slot(k).pk, "kind": "oncologist"}, (R, N, F, F, F, F, F, R)),
    ("an appointment", "get", lambda k: f"/navigation/appointments/{_page_appointment(k).pk}/", None,
     (200, N, 200, F, F, F, F, R)),
    ("move an appointment", "post", lambda k: f"/navigation/appointments/{_page_appointment(k).pk}/move/",
     lambda k: {"version": 1, "slot": _slot(k).pk}, (R, N, F, F, F, F, F, R)),
    ("cancel an appointment", "post", lambda k: f"/navigation/appointments/{_page_appointment(k).pk}/cancel/",
     lambda k: {"version": 1, "reason": "заболела"}, (R, N, F, F, F, F, F, R)),
    ("record the patient's reply", "post", lambda k: f"/navigation/appointments/{_page_appointment(k).pk}/reply/",
     lambda k: {"version": 1, "reply": "confirmed"}, (R, N, F, F, F, F, F, R)),
    ("record a visit's outcome", "post", lambda k: f"/navigation/appointments/{_page_appointment(k).pk}/outcome/",
     lambda k: {"version": 1, "outcome": "attended"}, (R, N, F, F, F, F, F, R)),
]  # fmt: skip
MATRIX_ROWS |= {name for name, *_rest in JOURNEY_PAGE_ROWS}
PERMISSIONS_COVERED["navigation.change_journey"] += [
    "move the journey on",
    "mark a step done",
    "mark a step not needed",
    "say why a step is late",
    "add a step",
    "ask for a psychologist",
    "ask the TCSO for help",
    "record a call",
]
PERMISSIONS_COVERED["navigation.reassign"] += ["reassign the patient"]
PERMISSIONS_COVERED["navigation.book_appointment"] += ["find a free time", "book a slot"]
PERMISSIONS_COVERED["navigation.view_appointment"] += ["an appointment"]
PERMISSIONS_COVERED["navigation.change_appointment"] += [
    "move an appointment",
    "cancel an appointment",
    "record the patient's reply",
    "record a visit's outcome",
]


def _today() -> str:
    from django.utils import timezone

    return timezone.localdate().isoformat()


def _psych_service(clinic: Clinic) -> Any:
    from directory.models import Organisation
    from people.tests.factories import OrganisationFactory

    return Organisation.objects.filter(kind="psych_service").first() or OrganisationFactory(
        name="Московская служба психологической помощи населению", kind=Organisation.Kind.PSYCH_SERVICE
    )


@pytest.mark.parametrize(
    ("name", "method", "url", "data", "expected"), JOURNEY_PAGE_ROWS, ids=[row[0] for row in JOURNEY_PAGE_ROWS]
)
def test_journey_page_matrix(clinic, name, method, url, data, expected):
    test_page_matrix(clinic, name, method, url, data, expected)


# --- the administrators' reference data (issue 14 §1: administrators set capacities) -------------------


@pytest.mark.parametrize(
    "url",
    [
        "/admin/navigation/assistantcapacity/",
        "/admin/navigation/steptemplate/",
        "/admin/scheduling/resource/",
        "/admin/scheduling/calendarday/",
    ],
)
def test_administrators_keep_the_programmes_reference_data_and_other_roles_cannot(clinic, make_user, url):
    from django.test import Client

    from directory.reference import load_roles

    load_roles()
    administrator = make_user("administrator", is_staff=True)
    client = Client()
    client.force_login(administrator)
    assert client.get(url).status_code == 200
    client.force_login(clinic.assistant)
    assert client.get(url).status_code in (302, 403)
