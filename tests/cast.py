"""The one cast of test users every app's tests share, with their relationships.

A town: the district «Бирюлёво Восточное» with its citizen, served by TCSO «Бирюлёво» (a dispatcher, a
social worker, a volunteer); a second TCSO «Царицыно» serving «Царицыно» (its own dispatcher, social
worker and volunteer); the call centre's operator, a supervisor, an administrator, the hospital
coordinator, psychologist and personal assistant, who work city-wide, and the telephony system's service
account. Tests are named for what each of them may or may not do (healthchecks' alice/bob/charlie, here
with the roles of Opora).
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User

from assistance.models import HelpRequest, ServiceType, Status
from assistance.services import RequestInput, create_request, transition
from assistance.tests.factories import (
    DistrictFactory,
    OrganisationFactory,
    PersonFactory,
    ServiceTypeFactory,
    WorkerFactory,
)
from core.actor import Actor
from directory.models import District, Organisation, Worker
from people.models import Person


@dataclass
class Town:
    district: District
    person: Person
    tcso: Organisation
    other_tcso: Organisation
    service: ServiceType
    operator: User
    dispatcher: User
    other_dispatcher: User
    supervisor: User
    administrator: User
    worker_user: User
    worker: Worker
    volunteer_user: User
    volunteer: Worker
    other_worker_user: User
    other_worker: Worker
    other_volunteer_user: User
    other_volunteer: Worker
    coordinator: User
    psychologist: User
    navigator: User
    telephony: User

    def new_request(self, person: Person | None = None, **kwargs: Any) -> HelpRequest:
        """A request registered by the operator, for the town's citizen unless another is given."""
        data = RequestInput(service_type=kwargs.pop("service_type", self.service), **kwargs)
        return create_request(person=person or self.person, data=data, actor=Actor(self.operator))

    def walk(self, help_request: HelpRequest, *statuses: str, assignee: Worker | None = None) -> HelpRequest:
        """Move the request through ``statuses`` as the supervisor (any reason, this town's social worker
        when assigned, nothing spent when done), each from its latest version."""
        for to in statuses:
            help_request.refresh_from_db()
            transition(
                help_request=help_request,
                to=to,
                actor=Actor(self.supervisor),
                version=help_request.version,
                reason="причина",
                assignee=assignee or self.worker,
                money_spent=Decimal(0) if to == Status.DONE else None,
            )
        help_request.refresh_from_db()
        return help_request


def build_town(make_user: Callable[..., User]) -> Town:
    district = DistrictFactory(name="Бирюлёво Восточное")
    tcso = OrganisationFactory(name="ТЦСО «Бирюлёво»")
    tcso.districts.add(district)
    other_tcso = OrganisationFactory(name="ТЦСО «Царицыно»")
    other_tcso.districts.add(DistrictFactory(name="Царицыно"))

    def staff(role: str, organisation: Organisation, **worker: Any) -> tuple[User, Worker]:
        user = make_user(role)
        return user, WorkerFactory(user=user, organisation=organisation, **worker)

    dispatcher, _ = staff("dispatcher", tcso)
    other_dispatcher, _ = staff("dispatcher", other_tcso)
    worker_user, worker = staff("social_worker", tcso, given_name="Марина")
    volunteer_user, volunteer = staff("volunteer", tcso, kind="volunteer", given_name="Дмитрий")
    other_worker_user, other_worker = staff("social_worker", other_tcso, given_name="Светлана")
    other_volunteer_user, other_volunteer = staff("volunteer", other_tcso, kind="volunteer", given_name="Артём")
    return Town(
        district=district,
        person=PersonFactory(district=district),
        tcso=tcso,
        other_tcso=other_tcso,
        service=ServiceTypeFactory(),
        operator=make_user("operator"),
        dispatcher=dispatcher,
        other_dispatcher=other_dispatcher,
        supervisor=make_user("supervisor"),
        administrator=make_user("administrator", is_staff=True),
        worker_user=worker_user,
        worker=worker,
        volunteer_user=volunteer_user,
        volunteer=volunteer,
        other_worker_user=other_worker_user,
        other_worker=other_worker,
        other_volunteer_user=other_volunteer_user,
        other_volunteer=other_volunteer,
        coordinator=make_user("coordinator"),
        psychologist=make_user("psychologist"),
        navigator=make_user("navigator"),
        telephony=make_user("telephony"),
    )
