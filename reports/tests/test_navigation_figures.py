"""The oncology navigation panel: every figure equals a SQL count over the same rows."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from core.actor import Actor
from navigation import services
from navigation.models import Referral
from navigation.tests.conftest import build_clinic, referral_input
from people.tests.factories import OrganisationFactory, PersonFactory
from reports.figures import navigation as navigation_figures
from reports.periods import period

pytestmark = pytest.mark.django_db
TABLE = Referral._meta.db_table


def _sql(query: str, *params) -> int:
    adapted = [connection.ops.adapt_datetimefield_value(p) if isinstance(p, datetime.datetime) else p for p in params]
    with connection.cursor() as cursor:
        cursor.execute(query, adapted)
        return cursor.fetchone()[0]


@pytest.fixture
def clinic(db):
    k = build_clinic()
    actor = Actor(k.assistant)
    for n in range(6):
        person = PersonFactory(district=k.patient.district) if n % 2 else PersonFactory()
        referral = services.register_referral(actor=actor, person=person, data=referral_input(k))
        if n < 3:
            services.enrol(actor=actor, referral=referral, reminders_by="sms", evidence="подпись", expected_version=1)
        elif n < 5:
            services.record_refusal(actor=actor, referral=referral, reason="не хочет", expected_version=1)
    return k


def test_the_figures_equal_sql_counts(clinic):
    when = period("today")
    f = navigation_figures.navigation_figures(clinic.supervisor, None, when)
    assert (
        f.registered
        == _sql(f"SELECT COUNT(*) FROM {TABLE} WHERE created_at >= %s AND created_at <= %s", when.start, when.end)
        == 6
    )
    answered = (
        f"SELECT COUNT(*) FROM {TABLE} WHERE consent_recorded_at >= %s AND consent_recorded_at <= %s AND consent = %s"
    )
    assert f.agreed == _sql(answered, when.start, when.end, "given") == 3
    assert f.refused == _sql(answered, when.start, when.end, "refused") == 2
    assert f.waiting == 1 and f.consent_rate == 60.0
    assert sum(c.active for c in f.caseloads) == 3
    assert {c.capacity for c in f.caseloads} <= {2, 3}
    assert [(p.registered, p.agreed, p.refused) for p in f.polyclinics] == [(6, 3, 2)]


def test_an_assistant_counts_their_own_and_roles_outside_the_programme_get_no_panel(clinic):
    mine = navigation_figures.navigation_figures(clinic.colleague, None, period("today"))
    assert mine.registered == mine.agreed == sum(c.active for c in mine.caseloads) == 2  # the two patients they assist
    assert navigation_figures.navigation_figures(clinic.stranger, None, period("today")).registered == 0
    for user in (clinic.operator, clinic.coordinator, clinic.volunteer):
        assert navigation_figures.panel(user, None, period("today")) is None


def test_a_tcso_narrows_to_its_districts(clinic):
    tcso = OrganisationFactory(kind="tcso")
    tcso.districts.add(clinic.patient.district_id)
    f = navigation_figures.navigation_figures(clinic.supervisor, tcso, period("today"))
    assert f.registered == 3


def test_the_dashboard_shows_the_navigation_section_to_a_supervisor(clinic):
    client = Client()
    client.force_login(clinic.supervisor)
    body = client.get(reverse("reports:dashboard")).content.decode()
    assert 'data-figure="navigation-registered">6<' in body and "60,0 %" in body
