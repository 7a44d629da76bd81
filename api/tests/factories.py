"""Factories for the API tests: the registry's own factories with the API tests' defaults."""

import datetime

import factory
from django.contrib.auth.models import Group, User

from people.tests import factories as base


def valid_snils(n: int) -> str:
    return base.valid_snils(100000000 + n)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Анна"
    last_name = "Кузнецова"

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        if create and extracted:
            # get_or_create: a transactional test's flush removes the groups the migration made.
            self.groups.add(Group.objects.get_or_create(name=extracted)[0])


class OkrugFactory(base.OkrugFactory):
    code = "САО"
    name = "Северный административный округ"


class DistrictFactory(base.DistrictFactory):
    okrug = factory.SubFactory(OkrugFactory)
    name = factory.Sequence(lambda n: f"Район API {n}")


class OrganisationFactory(base.OrganisationFactory):
    name = factory.Sequence(lambda n: f"ТЦСО API № {n}")


class WorkerFactory(base.WorkerFactory):
    surname = "Кузнецова"
    given_name = "Анна"
    organisation = factory.SubFactory(OrganisationFactory)


class PersonFactory(base.PersonFactory):
    surname = "Петрова"
    given_name = "Галина"
    patronymic = "Ивановна"
    birth_date = datetime.date(1941, 6, 22)
    district = factory.SubFactory(DistrictFactory)
    address = ""
    snils = factory.Sequence(valid_snils)


class PhoneFactory(base.PhoneFactory):
    person = factory.SubFactory(PersonFactory)
    number = factory.Sequence(lambda n: f"+7925{2000000 + n:07d}")
