"""Routing and catalogue look-ups held per process (assistance.reference, core.refcache)."""

import pytest

from assistance import reference
from assistance.models import ServiceType
from assistance.services import tcso_for
from assistance.tests.factories import ServiceTypeFactory
from core.exceptions import ValidationError
from core.refcache import ReferenceCache
from directory.models import Organisation
from people.tests.factories import OrganisationFactory


def test_a_request_goes_to_the_tcso_that_serves_the_district(town) -> None:
    assert tcso_for(town.person) == town.tcso
    assert reference.serving_tcso(town.person.district_id) == town.tcso


def test_handing_a_district_to_another_tcso_reroutes_at_once_in_this_process(town) -> None:
    assert tcso_for(town.person) == town.tcso
    town.tcso.districts.remove(town.person.district)
    town.other_tcso.districts.add(town.person.district)
    assert tcso_for(town.person) == town.other_tcso


def test_a_closed_tcso_gets_no_new_requests(town) -> None:
    town.tcso.is_active = False
    town.tcso.save()
    with pytest.raises(ValidationError):
        tcso_for(town.person)


def test_of_two_tcsos_serving_a_district_the_first_created_wins(town) -> None:
    later = OrganisationFactory(name="ТЦСО «Новый»")
    later.districts.add(town.person.district)
    assert tcso_for(town.person) == town.tcso
    assert later.pk > town.tcso.pk


def test_a_service_switched_off_is_no_longer_offered(db) -> None:
    service = ServiceTypeFactory(code="firewood")
    assert reference.active_service("firewood") == service
    service.is_active = False
    service.save()
    assert reference.active_service("firewood") is None
    assert reference.active_service("nonsense") is None


def test_the_copy_is_kept_for_its_time_to_live_when_no_signal_tells(db) -> None:
    loads = []

    def loader() -> list[str]:
        loads.append(1)
        return list(Organisation.objects.values_list("name", flat=True))

    kept = ReferenceCache(loader, ttl=3600)
    OrganisationFactory(name="ТЦСО «Первый»")
    assert kept.get() == ["ТЦСО «Первый»"]
    # A bulk UPDATE sends no signal: the copy stays until it expires or is cleared.
    Organisation.objects.update(name="ТЦСО «Переименованный»")
    assert kept.get() == ["ТЦСО «Первый»"] and len(loads) == 1
    kept.clear()
    assert kept.get() == ["ТЦСО «Переименованный»"] and len(loads) == 2
    expiring = ReferenceCache(loader, ttl=0)
    expiring.get()
    expiring.get()
    assert len(loads) == 4


def test_the_catalogue_copy_holds_only_active_services(db) -> None:
    ServiceTypeFactory(code="pets")
    ServiceTypeFactory(code="old", is_active=False)
    assert set(reference._load_services()) == set(
        ServiceType.objects.filter(is_active=True).values_list("code", flat=True)
    )
    assert "old" not in reference._load_services()
