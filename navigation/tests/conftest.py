"""The navigation cast: a polyclinic served by two personal assistants (a third serves another one), a
supervisor, the roles with no business in the programme, a patient and ICD-10 codes."""

import datetime
import itertools
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import Group, User

from directory.models import DiagnosisCode, Organisation, Programme
from navigation.models import AssistantCapacity
from people.models import Person
from people.tests.factories import DistrictFactory, OrganisationFactory, PersonFactory, WorkerFactory


@dataclass
class Clinic:
    polyclinic: Organisation
    other_polyclinic: Organisation
    hospital: Organisation
    assistant: User  # serves the polyclinic, capacity 2
    colleague: User  # serves the polyclinic too, capacity 3
    stranger: User  # serves the other polyclinic
    supervisor: User
    operator: User
    volunteer: User
    coordinator: User
    psychologist: User
    patient: Person
    c50: DiagnosisCode
    d05: DiagnosisCode
    j18: DiagnosisCode  # outside C00–D48


def build_clinic() -> Clinic:
    counter = itertools.count(User.objects.count() + 1)

    def make_user(role: str, organisation: Organisation | None, name: str, phone: str = "") -> User:
        user = User.objects.create_user(
            username=f"nav-{role}-{next(counter)}", password=None, first_name=name, last_name="Кузнецова"
        )
        user.groups.add(Group.objects.get_or_create(name=role)[0])
        if organisation is not None:
            WorkerFactory(
                user=user, organisation=organisation, given_name=name, surname="Кузнецова", public_phone=phone
            )
        return user

    Programme.objects.get_or_create(code="oncology_navigation", defaults={"name": "Персональный помощник"})
    polyclinic = OrganisationFactory(name="Городская поликлиника № 1", kind=Organisation.Kind.POLYCLINIC)
    other = OrganisationFactory(name="Городская поликлиника № 2", kind=Organisation.Kind.POLYCLINIC)
    centre = OrganisationFactory(name="ЦАОП ГКБ № 1", kind=Organisation.Kind.ONCOLOGY_CENTRE)
    hospital = OrganisationFactory(name="ГКБ № 1", kind=Organisation.Kind.HOSPITAL)
    assistant = make_user("navigator", centre, "Наталья", "+79161230010")
    colleague = make_user("navigator", centre, "Ольга", "+79161230011")
    stranger = make_user("navigator", centre, "Анна", "+79161230012")
    for user, capacity, clinic in ((assistant, 2, polyclinic), (colleague, 3, polyclinic), (stranger, 5, other)):
        AssistantCapacity.objects.create(assistant=user, capacity=capacity).polyclinics.add(clinic)
    c50, _ = DiagnosisCode.objects.get_or_create(
        code="C50", defaults={"name": "Злокачественное новообразование молочной железы"}
    )
    d05, _ = DiagnosisCode.objects.get_or_create(code="D05", defaults={"name": "Карцинома in situ молочной железы"})
    j18, _ = DiagnosisCode.objects.get_or_create(code="J18", defaults={"name": "Пневмония без уточнения возбудителя"})
    return Clinic(
        polyclinic=polyclinic,
        other_polyclinic=other,
        hospital=hospital,
        assistant=assistant,
        colleague=colleague,
        stranger=stranger,
        supervisor=make_user("supervisor", None, "Елена"),
        operator=make_user("operator", None, "Дарья"),
        volunteer=make_user("volunteer", None, "Дмитрий"),
        coordinator=make_user("coordinator", hospital, "Татьяна"),
        psychologist=make_user("psychologist", hospital, "Ирина"),
        patient=PersonFactory(
            surname="Соколова",
            given_name="Мария",
            patronymic="Петровна",
            district=DistrictFactory(),
            birth_date=datetime.date(1961, 5, 2),
        ),
        c50=c50,
        d05=d05,
        j18=j18,
    )


@pytest.fixture
def clinic(db: None) -> Clinic:
    return build_clinic()


def referral_input(clinic: Clinic, **overrides: Any) -> Any:
    from navigation.services import ReferralInput

    values: dict[str, Any] = {
        "polyclinic": clinic.polyclinic,
        "referring_doctor": "Петров И. С., терапевт",
        "referred_on": datetime.date.today(),
        "diagnosis": clinic.c50,
    }
    values.update(overrides)
    return ReferralInput(**values)
