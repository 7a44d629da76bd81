from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User

from assistance.models import HelpRequest, ServiceType
from assistance.services import RequestInput, create_request
from assistance.tests.factories import (
    DistrictFactory,
    OrganisationFactory,
    PersonFactory,
    ServiceTypeFactory,
    WorkerFactory,
)
from core.actor import Actor
from directory.models import Organisation, Worker
from people.models import Person


@dataclass
class Town:
    """One district, its TCSO with a dispatcher, a social worker and a volunteer; another TCSO nearby."""

    person: Person
    tcso: Organisation
    other_tcso: Organisation
    service: ServiceType
    operator: User
    dispatcher: User
    other_dispatcher: User
    supervisor: User
    worker_user: User
    worker: Worker
    volunteer_user: User
    volunteer: Worker

    def new_request(self, **kwargs) -> HelpRequest:
        data = RequestInput(service_type=kwargs.pop("service_type", self.service), **kwargs)
        return create_request(person=self.person, data=data, actor=Actor(self.operator))


@pytest.fixture
def town(db, make_user) -> Town:
    district = DistrictFactory(name="Бирюлёво Восточное")
    tcso = OrganisationFactory(name="ТЦСО «Бирюлёво»")
    tcso.districts.add(district)
    other_tcso = OrganisationFactory(name="ТЦСО «Царицыно»")
    other_tcso.districts.add(DistrictFactory(name="Царицыно"))
    dispatcher = make_user("dispatcher")
    WorkerFactory(user=dispatcher, organisation=tcso)
    other_dispatcher = make_user("dispatcher")
    WorkerFactory(user=other_dispatcher, organisation=other_tcso)
    worker_user = make_user("social_worker")
    worker = WorkerFactory(user=worker_user, organisation=tcso, given_name="Марина")
    volunteer_user = make_user("volunteer")
    volunteer = WorkerFactory(user=volunteer_user, organisation=tcso, kind="volunteer", given_name="Дмитрий")
    return Town(
        person=PersonFactory(district=district),
        tcso=tcso,
        other_tcso=other_tcso,
        service=ServiceTypeFactory(),
        operator=make_user("operator"),
        dispatcher=dispatcher,
        other_dispatcher=other_dispatcher,
        supervisor=make_user("supervisor"),
        worker_user=worker_user,
        worker=worker,
        volunteer_user=volunteer_user,
        volunteer=volunteer,
    )
