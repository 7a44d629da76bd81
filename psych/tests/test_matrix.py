"""Every role and relationship against every page and action of consultations, cell by cell.

Columns: the hospital's psychologist who holds the consultation (psy), a colleague psychologist of the
same hospital (coll), a psychologist of another hospital (str), a psychologist of the city's oncological
service (onco), the hospital's coordinator (coord), the hospital's supervisor (hsup), a city supervisor
(csup), an administrator, an operator, a volunteer, a personal assistant (navig), anonymous. A cell is the
expected status code.
"""

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.actor import Actor
from psych import notes, services
from psych.models import Consultation
from psych.tests.conftest import Clinic
from scheduling.models import Resource, Slot

pytestmark = pytest.mark.django_db

COLUMNS = ("psy", "coll", "str", "onco", "coord", "hsup", "csup", "admin", "oper", "vol", "navig", "anon")
F = 403  # forbidden by role
N = 404  # not this user's: answered as a missing one
R = 302  # done, redirected back (a POST), or to the login page (anonymous)

Row = tuple[str, str, Callable[[Clinic], str], Callable[[Clinic], dict[str, Any]] | None, tuple[int, ...]]


def _held(clinic: Clinic) -> Consultation:
    """The patient's consultation held by the hospital's psychologist, with a note (made once)."""
    found = Consultation.objects.filter(person=clinic.patient, status="done").first()
    if found is not None:
        return found
    actor = Actor(clinic.psychologist)
    c = services.register_walk_in(actor=actor, client=services.Client(person=clinic.patient))
    c = services.move(actor=actor, consultation=c, to="in_progress", expected_version=c.version)
    c = services.finish(
        actor=actor, consultation=c, expected_version=c.version, topic=clinic.topic, outcome="supported"
    )
    notes.write_note(actor=actor, consultation=c, text="Конфиденциально", expected_version=0)
    return c


def _waiting(clinic: Clinic) -> Consultation:
    return services.register_walk_in(actor=Actor(clinic.psychologist), client=services.Client(label="Гость"))


def _in_progress(clinic: Clinic) -> Consultation:
    c = _waiting(clinic)
    return services.move(actor=Actor(clinic.psychologist), consultation=c, to="in_progress", expected_version=c.version)


def _fresh_held(clinic: Clinic) -> Consultation:
    c = _in_progress(clinic)
    return services.finish(
        actor=Actor(clinic.psychologist),
        consultation=c,
        expected_version=c.version,
        topic=clinic.topic,
        outcome="supported",
    )


def _slot(clinic: Clinic) -> Slot:
    """A new free slot of the hospital's psychologist."""
    worker = clinic.psychologist.worker
    resource, _ = Resource.objects.get_or_create(
        worker=worker,
        organisation=worker.organisation,
        defaults={"kind": "specialist", "code": "psychologist", "name": "Смирнова"},
    )
    start = timezone.now().replace(second=0, microsecond=0) + datetime.timedelta(
        days=1, minutes=Slot.objects.count() * 60
    )
    return Slot.objects.create(resource=resource, starts_at=start, ends_at=start + datetime.timedelta(minutes=50))


ROWS: list[Row] = [
    ("my day", "get", lambda k: reverse("psych:worklist"), None,
     (200, 200, 200, 200, F, F, F, F, F, F, F, R)),
    ("queue screen", "get", lambda k: reverse("psych:queue"), None,
     (200, 200, 200, 200, F, F, F, F, F, F, F, R)),
    ("give a number", "post", lambda k: reverse("psych:queue"),
     lambda k: {"client_kind": "patient", "client_label": "Ольга"},
     (R, R, R, R, F, F, F, F, F, F, F, R)),
    ("call in the next", "post", lambda k: reverse("psych:call_next"), lambda k: {},
     (R, R, R, R, F, F, F, F, F, F, F, R)),
    ("find a client", "get", lambda k: reverse("psych:find") + "?q=Соколова+Мария", None,
     (200, 200, 200, 200, F, F, F, F, F, F, F, R)),
    ("booking page", "get", lambda k: reverse("psych:book") + f"?person={k.patient.pk}", None,
     (200, 200, 200, 200, F, F, F, F, F, F, F, R)),
    ("book a slot", "post", lambda k: reverse("psych:book"),
     lambda k: {"slot": _slot(k).pk, "format": "phone", "client_kind": "patient", "client_phone": "+79161234567"},
     (R, R, 200, 200, F, F, F, F, F, F, F, R)),
    ("consultation list", "get", lambda k: reverse("psych:consultations"), None,
     (200, 200, 200, 200, 200, 200, 200, F, F, F, F, R)),
    ("consultation page", "get", lambda k: reverse("psych:consultation", args=[_held(k).pk]), None,
     (200, 200, N, N, 200, 200, 200, F, F, F, F, R)),
    ("move a consultation", "post", lambda k: reverse("psych:move", args=[_waiting(k).pk]),
     lambda k: {"to": "called", "version": Consultation.objects.latest("pk").version},
     (R, R, N, N, F, F, F, F, F, F, F, R)),
    ("end a consultation", "post", lambda k: reverse("psych:finish", args=[_in_progress(k).pk]),
     lambda k: {"version": Consultation.objects.latest("pk").version, "topic": k.topic.pk, "outcome": "supported"},
     (R, R, N, N, F, F, F, F, F, F, F, R)),
    ("write a note", "post", lambda k: reverse("psych:write_note", args=[_fresh_held(k).pk]),
     lambda k: {"text": "Текст", "version": 0},
     (R, R, N, N, F, F, F, F, F, F, F, R)),
    ("add an addendum", "post", lambda k: reverse("psych:add_addendum", args=[_held(k).pk]), lambda k: {"text": "Ещё"},
     (R, R, N, N, F, F, F, F, F, F, F, R)),
    ("record a break of confidentiality", "post",
     lambda k: reverse("psych:record_breach", args=[_held(k).pk]),
     lambda k: {"reason": "Угроза", "reported_to": "ambulance", "supervisor": k.hospital_supervisor.pk},
     (R, R, N, N, F, F, F, F, F, F, F, R)),
    ("psychological help tab of the card", "get",
     lambda k: reverse("people:tab", args=[_held(k).person_id, "psych"]), None,
     (200, N, N, N, N, 200, 200, F, F, F, N, R)),
]  # fmt: skip

MATRIX_ROWS = {name for name, *_rest in ROWS}
PERMISSIONS_COVERED = {
    "psych.run_queue": ["my day", "queue screen", "call in the next"],
    "psych.register_consultation": ["give a number", "find a client", "booking page", "book a slot"],
    "psych.view_consultation": ["consultation list", "consultation page"],
    "psych.change_consultation": ["move a consultation", "end a consultation"],
    "psych.read_note": ["consultation page", "write a note", "add an addendum"],
    "psych.record_breach": ["record a break of confidentiality"],
    "psych.view_breaches": ["consultation page"],
    "psych.see_psych_tab": ["psychological help tab of the card"],
    "scheduling.book_slot": ["book a slot"],
}


def _users(clinic: Clinic) -> dict[str, Any]:
    return {
        "psy": clinic.psychologist,
        "coll": clinic.colleague,
        "str": clinic.stranger,
        "onco": clinic.onco_psychologist,
        "coord": clinic.coordinator,
        "hsup": clinic.hospital_supervisor,
        "csup": clinic.city_supervisor,
        "admin": clinic.administrator,
        "oper": clinic.operator,
        "vol": clinic.volunteer,
        "navig": clinic.navigator,
        "anon": None,
    }


@pytest.mark.parametrize(("name", "method", "url", "data", "expected"), ROWS, ids=[row[0] for row in ROWS])
def test_matrix(clinic, name, method, url, data, expected):
    users = _users(clinic)
    got = {}
    for column in COLUMNS:
        client = Client()
        if users[column] is not None:
            client.force_login(users[column])
        path = url(clinic)
        response = getattr(client, method)(path, data(clinic) if data else None)
        got[column] = response.status_code
    assert got == dict(zip(COLUMNS, expected, strict=True))


def _psychologists_step(clinic: Clinic) -> Any:
    """A step «psychologist's consultation» of the patient's case at the hospital."""
    from cases import services as case_services
    from directory.models import Programme

    Programme.objects.get_or_create(code="hospital_coordination", defaults={"name": "Социальная координация"})
    case = case_services.open_hospital_case(
        actor=Actor(clinic.coordinator),
        person=clinic.patient,
        reason="поступила",
        stay=case_services.StayDetails(admitted_on=timezone.localdate()),
    )
    [step] = case_services.add_steps(
        actor=Actor(clinic.coordinator),
        case=case,
        steps=[case_services.NewStep(title="Консультация психолога", kind="psychologist", responsible="psychologist")],
    )
    return step


T, X = True, False
# Rules asked of objects that no page of this app names in a URL: whether the rule holds, cell by cell.
RULE_ROWS: list[tuple[str, str, Callable[[Clinic], Any] | None, tuple[bool, ...]]] = [
    ("move a psychologist's route step", "cases.move_psychologist_step", _psychologists_step,
     (T, T, X, X, X, X, X, X, X, X, X, X)),
    ("overbook a slot", "scheduling.overbook", None,
     (T, T, T, T, X, X, X, X, X, X, T, X)),
]  # fmt: skip
MATRIX_ROWS |= {name for name, *_rest in RULE_ROWS}
PERMISSIONS_COVERED["cases.move_psychologist_step"] = ["move a psychologist's route step"]
PERMISSIONS_COVERED["scheduling.overbook"] = ["overbook a slot"]


@pytest.mark.parametrize(("name", "perm", "obj", "expected"), RULE_ROWS, ids=[row[0] for row in RULE_ROWS])
def test_rule_matrix(clinic, name, perm, obj, expected):
    from django.contrib.auth.models import AnonymousUser

    users = _users(clinic)
    target = obj(clinic) if obj else None
    got = {column: (users[column] or AnonymousUser()).has_perm(perm, target) for column in COLUMNS}
    assert got == dict(zip(COLUMNS, expected, strict=True))
