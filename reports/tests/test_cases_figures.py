"""The hospital coordination panel: every figure equals a SQL count over the same rows, in each scope."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from assistance.tests.factories import ServiceTypeFactory
from cases import handoffs, services
from cases.models import Case, CrisisAlert, Handoff, RouteStep
from cases.tests.conftest import build_ward, ensure_city_templates
from core.actor import Actor
from core.roles import Role
from people import services as people_services
from people.tests.factories import OrganisationFactory, PersonFactory
from reports.figures import cases as cases_figures
from reports.periods import period

pytestmark = pytest.mark.django_db

CASES = Case._meta.db_table
STEPS = RouteStep._meta.db_table
KINDS = ("documents", "relatives", "food", "benefits", "housing")  # the kinds the fixture's steps have
NOON = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=ZoneInfo("Europe/Moscow"))


@pytest.fixture(autouse=True)
def _at_noon():
    """Midday in Moscow, so that "40 minutes ago" is today and "25 hours ago" yesterday."""
    with time_machine.travel(NOON, tick=True):
        yield


def _sql(query: str, *params) -> int:
    """A plain SQL count; datetimes adapted as the backend stores them (UTC text on SQLite)."""
    adapted = [connection.ops.adapt_datetimefield_value(p) if isinstance(p, datetime.datetime) else p for p in params]
    with connection.cursor() as cursor:
        cursor.execute(query, adapted)
        return cursor.fetchone()[0]


def _open(ward, user, person):
    stay = services.StayDetails(department="Терапия", admitted_on=timezone.localdate())
    return services.open_hospital_case(actor=Actor(user), person=person, reason="поступил", stay=stay)


def _steps(user, case, *kinds):
    return services.add_steps(
        actor=Actor(user), case=case, steps=[services.NewStep(title=f"Шаг {kind}", kind=kind) for kind in kinds]
    )


def _move(user, step, to, **extra):
    step.refresh_from_db()
    services.move_step(actor=Actor(user), step=step, to=to, expected_version=step.version, **extra)


@pytest.fixture
def hospitals():
    """Hospital 1: two patients helped today (three steps done), one step failed, one done yesterday,
    a case closed today and a crisis answered in 30 minutes, another unanswered. Hospital 2: one
    patient with one step done and one case opened yesterday."""
    ensure_city_templates()
    ward = build_ward()
    now = timezone.now()
    second = PersonFactory(surname="Петров", district=ward.patient.district)
    third = PersonFactory(surname="Орлов")

    first_case = _open(ward, ward.coordinator, ward.patient)
    done = _steps(ward.coordinator, first_case, "documents", "relatives", "documents")
    for step in done[:2]:
        _move(ward.coordinator, step, "done")
    _move(ward.coordinator, done[2], "failed", reason="нет данных")

    closed_case = _open(ward, ward.colleague, second)
    (solved,) = _steps(ward.colleague, closed_case, "food")
    _move(ward.colleague, solved, "done")
    closed_case.refresh_from_db()
    services.close_case(
        actor=Actor(ward.colleague), case=closed_case, outcome="helped", note="", expected_version=closed_case.version
    )

    old_case = _open(ward, ward.coordinator, third)
    (old,) = _steps(ward.coordinator, old_case, "benefits")
    _move(ward.coordinator, old, "done")
    yesterday = now - datetime.timedelta(days=1, hours=1)
    RouteStep.objects.filter(pk=old.pk).update(finished_at=yesterday)
    Case.objects.filter(pk=old_case.pk).update(created_at=yesterday)

    CrisisAlert.objects.create(
        case=first_case,
        note="паника",
        raised_by=ward.coordinator,
        raised_at=now - datetime.timedelta(minutes=40),
        answered_at=now - datetime.timedelta(minutes=10),
        answered_by=ward.coordinator,
    )
    CrisisAlert.objects.create(
        case=old_case, note="угрозы", raised_by=ward.coordinator, raised_at=now - datetime.timedelta(minutes=5)
    )

    # Hand-offs: two from hospital 1 today, one of them completed; one made yesterday.
    tcso = OrganisationFactory(kind="tcso")
    tcso.districts.add(ward.patient.district)
    service = ServiceTypeFactory(code="home_care", handles_money=False)
    made = []
    for case in (first_case, old_case, first_case):
        if not case.person.consents.filter(scope="share_with_tcso").exists():
            people_services.give_consent(
                person=case.person, scope="share_with_tcso", actor=Actor(ward.coordinator), evidence="устно"
            )
        (step,) = _steps(ward.coordinator, case, "home_care")
        if case.person.district_id is not None:
            tcso.districts.add(case.person.district_id)
        step.case = case
        made.append(handoffs.create_handoff(actor=Actor(ward.coordinator), step=step, service_type=service))
    Handoff.objects.filter(pk=made[0].pk).update(status="completed")
    Handoff.objects.filter(pk=made[2].pk).update(created_at=yesterday)

    away_case = _open(ward, ward.stranger, third)
    (away,) = _steps(ward.stranger, away_case, "housing")
    _move(ward.stranger, away, "done")
    other_old = _open(ward, ward.stranger, second)
    Case.objects.filter(pk=other_old.pk).update(created_at=yesterday)
    return ward


def _expected(when, hospital_ids):
    """The figures as SQL counts over the cases of ``hospital_ids``."""
    ids = ",".join(str(int(pk)) for pk in hospital_ids)
    in_scope = f"c.organisation_id IN ({ids})"
    done = f"s.status = 'done' AND s.finished_at BETWEEN %s AND %s AND {in_scope}"
    join = f"{STEPS} s JOIN {CASES} c ON c.id = s.case_id"
    span = (when.start, when.end)
    return {
        "helped": _sql(f"SELECT COUNT(DISTINCT c.person_id) FROM {join} WHERE {done}", *span),
        "solved": _sql(f"SELECT COUNT(*) FROM {join} WHERE {done}", *span),
        "opened": _sql(f"SELECT COUNT(*) FROM {CASES} c WHERE c.created_at BETWEEN %s AND %s AND {in_scope}", *span),
        "closed": _sql(
            f"SELECT COUNT(*) FROM {CASES} c WHERE c.status = 'closed'"
            f" AND c.closed_at BETWEEN %s AND %s AND {in_scope}",
            *span,
        ),
        "open_now": _sql(f"SELECT COUNT(*) FROM {CASES} c WHERE c.status = 'open' AND {in_scope}"),
        "crises": _sql(
            f"SELECT COUNT(*) FROM cases_crisisalert a JOIN {CASES} c ON c.id = a.case_id"
            f" WHERE a.raised_at BETWEEN %s AND %s AND {in_scope}",
            *span,
        ),
        "by_kind": {
            kind: _sql(f"SELECT COUNT(*) FROM {join} WHERE {done} AND s.kind = %s", *span, kind) for kind in KINDS
        },
        "handoffs": _sql(
            f"SELECT COUNT(*) FROM cases_handoff h JOIN {CASES} c ON c.id = h.case_id"
            f" WHERE h.created_at BETWEEN %s AND %s AND {in_scope}",
            *span,
        ),
        "handoffs_completed": _sql(
            f"SELECT COUNT(*) FROM cases_handoff h JOIN {CASES} c ON c.id = h.case_id"
            f" WHERE h.status = 'completed' AND h.created_at BETWEEN %s AND %s AND {in_scope}",
            *span,
        ),
        "helped_outcome": _sql(
            f"SELECT COUNT(*) FROM {CASES} c WHERE c.status = 'closed' AND c.outcome = 'helped'"
            f" AND c.closed_at BETWEEN %s AND %s AND {in_scope}",
            *span,
        ),
    }


def _actual(figures):
    return {
        "helped": figures.helped,
        "solved": figures.solved,
        "opened": figures.opened,
        "closed": figures.closed,
        "open_now": figures.open_now,
        "crises": figures.crises,
        "by_kind": {code: n for code, _label, n in figures.solved_by_kind if code in KINDS},
        "helped_outcome": {code: n for code, _label, n in figures.outcomes}["helped"],
        "handoffs": figures.handoffs,
        "handoffs_completed": figures.handoffs_completed,
    }


def _panel(user, when=None):
    panel = cases_figures.panel(user, None, when or period("today"))
    assert panel is not None
    return panel.context["cases_figures"]


def test_a_coordinator_counts_their_hospital_and_the_figures_equal_sql_counts(hospitals):
    ward, when = hospitals, period("today")
    figures = _panel(ward.coordinator, when)
    assert _actual(figures) == _expected(when, [ward.hospital.pk])
    # The same numbers, said plainly, so that a wrong SQL above cannot agree with a wrong query.
    assert (figures.helped, figures.solved, figures.opened, figures.closed, figures.open_now) == (2, 3, 2, 1, 2)
    assert (figures.handoffs, figures.handoffs_completed) == (2, 1)
    assert figures.hospitals == []  # one hospital: no breakdown


def test_the_crisis_median_counts_answered_crises_of_the_period(hospitals):
    figures = _panel(hospitals.coordinator)
    assert (figures.crises, figures.crises_answered) == (2, 1)
    assert figures.median_minutes_to_answer == pytest.approx(30)


def test_a_hospital_supervisor_counts_their_hospital(hospitals):
    ward, when = hospitals, period("today")
    assert _actual(_panel(ward.hospital_supervisor, when)) == _expected(when, [ward.hospital.pk])


def test_another_hospitals_coordinator_counts_only_theirs(hospitals):
    ward, when = hospitals, period("today")
    figures = _panel(ward.stranger, when)
    assert _actual(figures) == _expected(when, [ward.other_hospital.pk])
    assert (figures.helped, figures.opened, figures.open_now, figures.crises) == (1, 1, 2, 0)
    assert figures.median_minutes_to_answer is None


def test_a_city_supervisor_counts_every_hospital_with_a_row_for_each(hospitals):
    ward, when = hospitals, period("today")
    figures = _panel(ward.city_supervisor, when)
    assert _actual(figures) == _expected(when, [ward.hospital.pk, ward.other_hospital.pk])
    rows = {row.hospital: row for row in figures.hospitals}
    assert set(rows) == {ward.hospital.name, ward.other_hospital.name}
    for hospital in (ward.hospital, ward.other_hospital):
        one = _expected(when, [hospital.pk])
        row = rows[hospital.name]
        assert (row.helped, row.solved, row.opened, row.closed, row.open_now) == (
            one["helped"],
            one["solved"],
            one["opened"],
            one["closed"],
            one["open_now"],
        )


def test_the_30_day_period_takes_in_yesterday(hospitals):
    ward, when = hospitals, period("30d")
    figures = _panel(ward.coordinator, when)
    assert _actual(figures) == _expected(when, [ward.hospital.pk])
    assert (figures.helped, figures.solved, figures.opened) == (3, 4, 3)


def test_a_tcso_chosen_narrows_to_the_patients_of_its_districts(hospitals):
    ward, when = hospitals, period("today")
    tcso = OrganisationFactory(kind="tcso")
    assert cases_figures.panel(ward.city_supervisor, tcso, when).context["cases_figures"].opened == 0
    tcso.districts.add(ward.patient.district)
    figures = cases_figures.panel(ward.city_supervisor, tcso, when).context["cases_figures"]
    in_district = _sql(
        f"SELECT COUNT(*) FROM {CASES} c JOIN people_person p ON p.id = c.person_id"
        " WHERE p.district_id = %s AND c.created_at BETWEEN %s AND %s",
        ward.patient.district_id,
        when.start,
        when.end,
    )
    assert figures.opened == in_district == 2


NO_CASES = [Role.OPERATOR, Role.DISPATCHER, Role.SOCIAL_WORKER, Role.VOLUNTEER, Role.PSYCHOLOGIST, Role.NAVIGATOR]


@pytest.mark.parametrize("role", [*NO_CASES, Role.ADMINISTRATOR])
def test_roles_that_see_no_cases_get_no_panel(hospitals, make_user, role):
    assert cases_figures.panel(make_user(role), None, period("today")) is None


def test_the_dashboard_shows_the_cases_section_to_a_city_supervisor(client, hospitals):
    client.force_login(hospitals.city_supervisor)
    html = client.get(reverse("reports:dashboard")).content.decode()
    assert 'data-figure="cases-helped">3<' in html
    assert 'data-testid="cases-hospitals"' in html
    assert 'data-kind="documents">1<' in html and 'data-kind="housing">1<' in html
    assert 'data-figure="cases-handoffs">2<' in html and 'data-figure="cases-handoffs-completed">1<' in html


def test_the_dashboard_says_when_no_crises_were_recorded(client, hospitals):
    CrisisAlert.objects.all().delete()
    client.force_login(hospitals.hospital_supervisor)
    html = client.get(reverse("reports:dashboard"), headers={"Accept-Language": "en"}).content.decode()
    assert "No crises recorded." in html
    assert 'data-testid="cases-hospitals"' not in html


def test_the_dashboard_shows_no_cases_section_to_a_dispatcher(client, town):
    client.force_login(town.dispatcher)
    html = client.get(reverse("reports:dashboard")).content.decode()
    assert 'data-testid="cases-figures"' not in html


def test_a_coordinator_opens_the_dashboard_of_their_hospital_without_the_call_centre(client, hospitals):
    client.force_login(hospitals.coordinator)
    response = client.get(reverse("reports:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "ГКБ № 1" in html.split("</h1>")[0]
    assert 'data-figure="cases-helped">2<' in html
    assert 'data-figure="cases-handoffs">2<' in html
    assert 'data-testid="cases-hospitals"' not in html
    assert "calls" not in [p.cards.split("/")[-1].removesuffix(".html").strip("_") for p in response.context["panels"]]


def test_a_coordinator_of_no_hospital_gets_no_dashboard(client, make_user):
    client.force_login(make_user(Role.COORDINATOR))
    assert client.get(reverse("reports:dashboard")).status_code == 403
