import datetime

import factory

from core.validators import oms_check_digit, snils_checksum
from directory.models import District, Okrug, Organisation, Worker
from people.models import Person, PersonPhone


def valid_snils(n: int) -> str:
    first = f"{100000000 + n:09d}"
    return first + f"{snils_checksum(first):02d}"


def valid_oms(n: int) -> str:
    first = f"{770000000000000 + n:015d}"
    return first + str(oms_check_digit(first))


class OkrugFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Okrug
        django_get_or_create = ("code",)

    code = "ЮАО"
    name = "Южный административный округ"


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    okrug = factory.SubFactory(OkrugFactory)
    name = factory.Sequence(lambda n: f"Район {n}")
    population = 100000


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = Organisation.Kind.TCSO
    name = factory.Sequence(lambda n: f"ТЦСО № {n}")


class WorkerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Worker

    surname = "Смирнова"
    given_name = "Ольга"
    organisation = factory.SubFactory(OrganisationFactory)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    surname = "Иванова"
    given_name = "Мария"
    patronymic = "Петровна"
    birth_date = datetime.date(1944, 3, 5)
    sex = "female"
    district = factory.SubFactory(DistrictFactory)
    address = "г. Москва, ул. Ключевая, д. 4, кв. 12"
    snils = factory.Sequence(valid_snils)


class PhoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PersonPhone

    person = factory.SubFactory(PersonFactory)
    number = factory.Sequence(lambda n: f"+7916{1000000 + n:07d}")
    is_primary = True
