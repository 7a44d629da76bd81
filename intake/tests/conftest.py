from typing import Any

import pytest

from assistance.tests.factories import ServiceTypeFactory
from people.tests.factories import PhoneFactory


@pytest.fixture
def caller(town: Any) -> Any:
    """The town's citizen, reachable on +7 916 555-12-34."""
    PhoneFactory(person=town.person, number="+79165551234")
    return town.person


@pytest.fixture
def medicines(db: None) -> Any:
    return ServiceTypeFactory(code="medicines", name="Покупка и доставка лекарств", sort_order=20)


@pytest.fixture
def daytime(settings: Any) -> None:
    """The call centre is open around the clock, so tests do not depend on when they run."""
    settings.OPORA_CALL_CENTRE_HOURS = "00:00-23:59"
