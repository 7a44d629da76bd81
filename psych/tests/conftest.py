"""The psychological service's cast: a hospital's psychologists, the oncological psychological service at an
oncology centre, a psychologist of another hospital, supervisors, a coordinator and a patient with a son.

Tests name what each of them may or may not do (``clinic.psychologist`` reads the notes of the hospital's
consultations, ``clinic.stranger`` — a psychologist of another hospital — does not, and so on).
"""

import datetime
import importlib
import itertools
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group, User

from directory.models import Organisation, Programme
from people.models import ContactPerson, Person
from people.tests.factories import DistrictFactory, OrganisationFactory, PersonFactory, WorkerFactory
from psych.models import ServiceSettings, Topic

add_topics = importlib.import_module("psych.migrations.0003_topics").add_topics


@dataclass
class Clinic:
    hospital: Organisation
    other_hospital: Organisation
    onco_service: Organisation  # the oncological psychological service
    onco_centre: Organisation  # an outpatient oncology centre where it works
    psychologist: User  # of the hospital
    colleague: User  # a second psychologist of the same hospital
    stranger: User  # a psychologist of the other hospital
    onco_psychologist: User  # of the oncological service
    coordinator: User  # of the hospital
    hospital_supervisor: User
    city_supervisor: User
    administrator: User
    operator: User
    volunteer: User
    navigator: User
    patient: Person
    son: ContactPerson
    other_patient: Person
    topic: Topic
    crisis_topic: Topic


def build_clinic() -> Clinic:
    counter = itertools.count(User.objects.count() + 1)

    def make_user(role: str, organisation: Organisation | None, name: str, **extra: Any) -> User:
        user = User.objects.create_user(
            username=f"psy-{role}-{next(counter)}", password=None, first_name=name, last_name="Смирнова", **extra
        )
        user.groups.add(Group.objects.get_or_create(name=role)[0])
        if organisation is not None:
            WorkerFactory(user=user, organisation=organisation, given_name=name, surname="Смирнова")
        return user

    Programme.objects.get_or_create(code="psych_support", defaults={"name": "Психологическая поддержка"})
    hospital = OrganisationFactory(name="ГКБ № 1", kind=Organisation.Kind.HOSPITAL)
    other = OrganisationFactory(name="ГКБ № 2", kind=Organisation.Kind.HOSPITAL)
    onco_service = OrganisationFactory(name="Служба онкопсихологов", kind=Organisation.Kind.PSYCH_SERVICE)
    onco_centre = OrganisationFactory(name="ЦАОП ГКБ № 1", kind=Organisation.Kind.ONCOLOGY_CENTRE)
    for service in (hospital, other, onco_service):
        ServiceSettings.objects.create(organisation=service, video_link_base="https://psy.example.ru/room/")
    district = DistrictFactory(name="Бирюлёво Восточное")
    patient = PersonFactory(
        surname="Соколова",
        given_name="Мария",
        patronymic="Петровна",
        district=district,
        birth_date=datetime.date(1958, 3, 8),
    )
    son = ContactPerson.objects.create(
        person=patient, full_name="Соколов Андрей Игоревич", relation="child", phone="+79161234567", may_contact=True
    )
    # The taxonomy of migration 0003 (again: a transactional test's flush removes it).
    add_topics(django_apps, None)
    topic = Topic.objects.get(code="diagnosis")
    crisis_topic = Topic.objects.get(code="suicide_risk")
    return Clinic(
        hospital=hospital,
        other_hospital=other,
        onco_service=onco_service,
        onco_centre=onco_centre,
        psychologist=make_user("psychologist", hospital, "Ирина"),
        colleague=make_user("psychologist", hospital, "Ольга"),
        stranger=make_user("psychologist", other, "Анна"),
        onco_psychologist=make_user("psychologist", onco_service, "Вера"),
        coordinator=make_user("coordinator", hospital, "Татьяна"),
        hospital_supervisor=make_user("supervisor", hospital, "Елена"),
        city_supervisor=make_user("supervisor", None, "Галина"),
        administrator=make_user("administrator", None, "Пётр", is_staff=True),
        operator=make_user("operator", None, "Дарья"),
        volunteer=make_user("volunteer", None, "Дмитрий"),
        navigator=make_user("navigator", None, "Алла"),
        patient=patient,
        son=son,
        other_patient=PersonFactory(surname="Орлов", given_name="Пётр", district=district),
        topic=topic,
        crisis_topic=crisis_topic,
    )


@pytest.fixture
def clinic(db: None) -> Clinic:
    return build_clinic()
