import pytest

from people.tests.factories import (
    DistrictFactory,
    OrganisationFactory,
    PersonFactory,
    PhoneFactory,
    WorkerFactory,
)


@pytest.fixture
def person(db):
    person = PersonFactory()
    PhoneFactory(person=person, number="+79161234567")
    return person


@pytest.fixture
def dispatcher_for(make_user):
    """A dispatcher whose TCSO serves the given district."""

    def make(district):
        user = make_user("dispatcher")
        tcso = OrganisationFactory()
        tcso.districts.add(district)
        WorkerFactory(user=user, organisation=tcso)
        return user

    return make


__all__ = ["DistrictFactory"]
