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
