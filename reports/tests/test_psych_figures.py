"""The psychological service panel: every figure equals a SQL count over the same rows, in each scope."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from core.actor import Actor
from directory.models import Programme
from psych import services
from psych.models import Consultation
from psych.tests.conftest import build_clinic
from reports.figures import psych as psych_figures
from reports.periods import period

pytestmark = pytest.mark.django_db

TABLE = Consultation._meta.db_table
NOON = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=ZoneInfo("Europe/Moscow"))


@pytest.fixture(autouse=True)
def _at_noon():
    with time_machine.travel(NOON, tick=True):
        yield


def _sql(query: str, *params) -> int:
    adapted = [connection.ops.adapt_datetimefield_value(p) if isinstance(p, datetime.datetime) else p for p in params]
    with connection.cursor() as cursor:
        cursor.execute(query, adapted)
        return cursor.fetchone()[0]


def _held(user, *, minutes_ago: int, fmt="in_person", mode="walk_in", place=None, **client):
    return services.record_held(
        actor=Actor(user),
        client=services.Client(**client),
        details=services.HeldDetails(
            format=fmt,
            mode=mode,
            started_at=timezone.now() - datetime.timedelta(minutes=minutes_ago),
            duration_minutes=30,
            topic=clinic_topic(),
            outcome="supported",
            place=place,
        ),
    )


def clinic_topic():
    from psych.models import Topic

    return Topic.objects.get(code="diagnosis")


@pytest.fixture
def clinic(db):
    k = build_clinic()
    # Today: two in person at the hospital (the patient, an anonymous client), one online with the son, one by
    # phone at the oncological service; yesterday (out of "today"): one more.
    _held(k.psychologist, minutes_ago=120, person=k.patient)
    _held(k.psychologist, minutes_ago=100)
    _held(
        k.colleague, minutes_ago=90, fmt="online", mode="scheduled", person=k.patient, kind="relative", relative=k.son
    )
    _held(k.onco_psychologist, minutes_ago=80, fmt="phone", mode="hotline", person=k.other_patient)
    _held(k.psychologist, minutes_ago=25 * 60, person=k.other_patient)
    # Two walk-ins called in today after 10 and 20 minutes.
    for waited in (10, 20):
        with time_machine.travel(timezone.now() - datetime.timedelta(minutes=waited), tick=False):
            c = services.register_walk_in(actor=Actor(k.psychologist), client=services.Client())
        services.call_next(actor=Actor(k.psychologist), place=k.hospital)
    # The coordinators' side: a route step done today (counts), a psychologist's step done (does not).
    Programme.objects.get_or_create(code="hospital_coordination", defaults={"name": "Социальная координация"})
    case = case_services.open_hospital_case(
        actor=Actor(k.coordinator),
        person=k.patient,
        reason="поступила",
        stay=case_services.StayDetails(admitted_on=timezone.localdate()),
    )
    for kind in ("documents", "psychologist"):
        [step] = case_services.add_steps(
            actor=Actor(k.coordinator), case=case, steps=[case_services.NewStep(title=kind, kind=kind)]
        )
        case_services.move_step(actor=Actor(k.coordinator), step=step, to="done", expected_version=step.version)
    assert c.pk
    return k


def _figures(user, code="today"):
    found = psych_figures.panel(user, None, period(code))
    assert found is not None
    return found.context["psych_figures"]


def test_a_city_supervisor_counts_every_service_and_the_figures_equal_sql_counts(clinic):
    when = period("today")
    f = _figures(clinic.city_supervisor)
    held = f"SELECT COUNT(*) FROM {TABLE} WHERE status = 'done' AND ended_at >= %s AND ended_at <= %s"
    assert f.held == _sql(held, when.start, when.end) == 4
    for code, _label, n in f.by_format:
        assert n == _sql(held + " AND format = %s", when.start, when.end, code)
    for code, _label, n in f.by_mode:
        assert n == _sql(held + " AND mode = %s", when.start, when.end, code)
    for code, _label, n in f.by_place:
        assert n == _sql(held + " AND place_kind = %s", when.start, when.end, code)
    patients = (
        f"SELECT COUNT(DISTINCT person_id) FROM {TABLE} WHERE status = 'done' AND ended_at >= %s AND ended_at <= %s"
        " AND client_kind = 'patient' AND person_id IS NOT NULL"
    )
    assert f.patients == _sql(patients, when.start, when.end) == 2
    assert (f.relatives, f.anonymous) == (1, 1)
    assert [s.service for s in f.services] == ["ГКБ № 1", "Служба онкопсихологов"]
    assert [s.held for s in f.services] == [3, 1]


def test_the_share_in_hospitals_counts_consultations_against_the_other_issues_solved(clinic):
    f = _figures(clinic.city_supervisor)
    # 2 consultations in person at the hospital; the online one is remote; 1 step done that is not the psychologist's.
    assert (f.hospital_held, f.hospital_steps) == (2, 1)
    assert f.hospital_share == pytest.approx(66.7)


def test_the_median_wait_is_of_the_walk_ins_called_in(clinic):
    f = _figures(clinic.city_supervisor)
    assert f.waits == 2 and f.median_wait == pytest.approx(15, abs=0.2)


def test_the_30_days_take_in_yesterday(clinic):
    assert _figures(clinic.city_supervisor, "30d").held == 5


def test_a_hospital_supervisor_counts_their_hospital_only(clinic):
    f = _figures(clinic.hospital_supervisor)
    assert f.held == 3 and f.services == []


def test_a_coordinator_counts_their_hospital_without_groups_or_hotlines(clinic):
    f = _figures(clinic.coordinator)
    assert f.held == 3 and f.sessions is None and f.calls_by_risk is None


def test_a_tcso_narrows_to_the_citizens_of_its_districts_and_hides_groups_and_hotlines(clinic):
    from people.tests.factories import OrganisationFactory

    tcso = OrganisationFactory(kind="tcso")
    tcso.districts.add(clinic.patient.district_id)
    clinic.other_patient.district = None
    clinic.other_patient.save()
    found = psych_figures.panel(clinic.city_supervisor, tcso, period("today"))
    f = found.context["psych_figures"]
    assert f.held == 2 and f.sessions is None and f.calls_by_risk is None


@pytest.mark.parametrize("who", ["operator", "navigator", "volunteer", "administrator"])
def test_roles_that_see_no_consultations_get_no_panel(clinic, who):
    assert psych_figures.panel(getattr(clinic, who), None, period("today")) is None


def test_the_dashboard_shows_the_psych_section_to_a_city_supervisor(clinic):
    client = Client()
    client.force_login(clinic.city_supervisor)
    body = client.get(reverse("reports:dashboard")).content.decode()
    assert 'data-figure="psych-held">4<' in body and "66,7 %" in body
    assert "Психологические консультации" in body
