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
