"""Small factories for the API tests."""

import datetime

import factory
from django.contrib.auth.models import Group, User

from core.validators import snils_checksum
from directory.models import District, Okrug, Organisation, Worker
from people.models import Person, PersonPhone


def valid_snils(n: int) -> str:
    first = f"{200000000 + n:09d}"
    return first + f"{snils_checksum(first):02d}"


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


class OkrugFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Okrug
        django_get_or_create = ("code",)

    code = "САО"
    name = "Северный административный округ"


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    okrug = factory.SubFactory(OkrugFactory)
    name = factory.Sequence(lambda n: f"Район API {n}")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = Organisation.Kind.TCSO
    name = factory.Sequence(lambda n: f"ТЦСО API № {n}")


class WorkerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Worker

    surname = "Кузнецова"
    given_name = "Анна"
    organisation = factory.SubFactory(OrganisationFactory)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    surname = "Петрова"
    given_name = "Галина"
    patronymic = "Ивановна"
    birth_date = datetime.date(1941, 6, 22)
    sex = "female"
    district = factory.SubFactory(DistrictFactory)
    snils = factory.Sequence(valid_snils)


class PhoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PersonPhone

    person = factory.SubFactory(PersonFactory)
    number = factory.Sequence(lambda n: f"+7925{2000000 + n:07d}")
    is_primary = True
