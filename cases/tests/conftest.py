import datetime
import importlib
import itertools
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from cases import services
from cases.models import Case, StepTemplate
from core.actor import Actor
from directory.models import Organisation, Programme
from people.models import Person
from people.tests.factories import DistrictFactory, OrganisationFactory, PersonFactory, WorkerFactory


@dataclass
class Ward:
    hospital: Organisation
    other_hospital: Organisation
    coordinator: User
    colleague: User  # a second coordinator of the same hospital
    stranger: User  # a coordinator of the other hospital
    hospital_supervisor: User
    city_supervisor: User
    patient: Person


def build_ward() -> Ward:
    """Two hospitals, their coordinators and supervisors, a city supervisor and a patient."""
    counter = itertools.count(User.objects.count() + 1)

    def make_user(role: str, **extra: Any) -> User:
        user = User.objects.create_user(username=f"ward-{role}-{next(counter)}", password=None, **extra)
        user.groups.add(Group.objects.get_or_create(name=role)[0])
        return user

    Programme.objects.get_or_create(code="hospital_coordination", defaults={"name": "Социальная координация"})
    hospital = OrganisationFactory(name="ГКБ № 1", kind=Organisation.Kind.HOSPITAL)
    other = OrganisationFactory(name="ГКБ № 2", kind=Organisation.Kind.HOSPITAL)

    def staff(role: str, organisation: Organisation | None, name: str) -> User:
        user = make_user(role, first_name=name, last_name="Иванова")
        if organisation is not None:
            WorkerFactory(user=user, organisation=organisation, given_name=name)
        return user

    district = DistrictFactory(name="Бирюлёво Восточное")
    patient = PersonFactory(
        surname="Соколова",
        given_name="Мария",
        patronymic="Петровна",
        district=district,
        birth_date=datetime.date(1941, 3, 8),
    )
    return Ward(
        hospital=hospital,
        other_hospital=other,
        coordinator=staff("coordinator", hospital, "Татьяна"),
        colleague=staff("coordinator", hospital, "Нина"),
        stranger=staff("coordinator", other, "Анна"),
        hospital_supervisor=staff("supervisor", hospital, "Елена"),
        city_supervisor=staff("supervisor", None, "Ирина"),
        patient=patient,
    )


def ensure_city_templates() -> None:
    """The city-wide step templates of migration 0002, again: a transactional test's flush removes them."""
    migration = importlib.import_module("cases.migrations.0002_city_step_templates")
    for need, position, kind, title, responsible, days in migration.TEMPLATES:
        StepTemplate.objects.get_or_create(
            organisation=None,
            need=need,
            position=position,
            defaults={"kind": kind, "title": title, "responsible": responsible, "due_in_days": days},
        )


@pytest.fixture
def ward(db: None) -> Ward:
    ensure_city_templates()
    return build_ward()


def open_case(ward: Ward, user: User | None = None, **stay: Any) -> Case:
    details = services.StayDetails(
        department=stay.get("department", "Терапия"),
        emergency_not_admitted=stay.get("emergency_not_admitted", False),
        admitted_on=stay.get("admitted_on", timezone.localdate()),
        expected_discharge_on=stay.get("expected_discharge_on"),
    )
    return services.open_hospital_case(
        actor=Actor(user or ward.coordinator), person=ward.patient, reason="поступила сегодня", stay=details
    )
