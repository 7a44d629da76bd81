import pytest

from people.tests.factories import (
    DistrictFactory,
    PersonFactory,
    PhoneFactory,
)


@pytest.fixture
def person(db):
    person = PersonFactory()
    PhoneFactory(person=person, number="+79161234567")
    return person


__all__ = ["DistrictFactory"]
