"""Schemathesis against the API's own OpenAPI document: no input it can generate makes a server error,
and every answer matches what the document says (status codes, content type, body schema).

Bounded so that it belongs in `make test`: OPORA_FUZZ_EXAMPLES cases per operation (default 60, about a
thousand requests in all), the examples derived from the schema, valid and invalid alike.
"""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis import checks

from api.models import ApiToken
from cases import services
from cases.models import PROGRAMME_HOSPITAL
from core.actor import Actor
from directory.models import Organisation, Programme
from navigation.models import AssistantCapacity
from people.tests.factories import OrganisationFactory, WorkerFactory

EXAMPLES = int(os.environ.get("OPORA_FUZZ_EXAMPLES", "60"))

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture
def _keep_the_test_connection():
    """The WSGI handler closes the database connection after each request; inside a test transaction that
    would close the test's own. Django's test client disconnects the same signals."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(town, make_user, _keep_the_test_connection):
    """A supervisor's token, to whom every operation of people's is open, the telephony service
    account's for the CTI webhook, a hospital coordinator's for cases (with an open case of the
    town's citizen and a step of its route) and a personal assistant's for the oncology programme, so
    that the checks reach past the permission."""
    return {
        "people": ApiToken.issue(user=town.supervisor, name="fuzz")[1],
        "telephony": ApiToken.issue(user=town.telephony, name="fuzz")[1],
        "cases": ApiToken.issue(user=_hospital_coordinator(town, make_user), name="fuzz")[1],
        "navigation": ApiToken.issue(user=_personal_assistant(make_user), name="fuzz")[1],
    }


def _personal_assistant(make_user):
    """A personal assistant serving a polyclinic, so that referrals can be registered and answered."""
    assistant = make_user("navigator")
    polyclinic = OrganisationFactory(name="ГП № 1", kind=Organisation.Kind.POLYCLINIC)
    WorkerFactory(user=assistant, organisation=polyclinic)
    Programme.objects.get_or_create(code="oncology_navigation", defaults={"name": "Персональный помощник"})
    AssistantCapacity.objects.create(assistant=assistant, capacity=50).polyclinics.add(polyclinic)
    return assistant


def _hospital_coordinator(town, make_user):
    coordinator = make_user("coordinator")
    hospital = OrganisationFactory(name="ГКБ № 1", kind=Organisation.Kind.HOSPITAL)
    WorkerFactory(user=coordinator, organisation=hospital)
    Programme.objects.get_or_create(code=PROGRAMME_HOSPITAL, defaults={"name": "Социальная координация"})
    case = services.open_hospital_case(
        actor=Actor(coordinator),
        person=town.person,
        reason="поступила",
        stay=services.StayDetails(admitted_on=timezone.localdate()),
    )
    services.add_steps(actor=Actor(coordinator), case=case, steps=[services.NewStep(title="Позвонить сыну")])
    return coordinator


def _token_for(path, tokens):
    if "/cti/" in path:
        return tokens["telephony"]
    if path.startswith(NAVIGATION_PATHS):
        return tokens["navigation"]
    return tokens["cases" if path.startswith("/api/v1/cases") else "people"]


# The oncology programme's operations are a personal assistant's: a supervisor only reads them.
NAVIGATION_PATHS = ("/api/v1/referrals", "/api/v1/slots", "/api/v1/appointments")


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_the_api_keeps_its_document_whatever_it_is_sent(case, tokens):
    token = _token_for(case.path, tokens)
    case.call_and_validate(headers={"Authorization": f"Bearer {token}", "Host": "localhost"}, checks=CHECKS)
