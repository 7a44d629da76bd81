import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from assistance.models import Status
from assistance.services import transition
from core.actor import Actor
from notify.models import OutboxMessage
from people.tests.factories import PhoneFactory

pytestmark = pytest.mark.django_db


def _move(town, req, to, **kwargs):
    req.refresh_from_db()
    transition(help_request=req, to=to, actor=Actor(town.dispatcher), version=req.version, **kwargs)


def test_citizen_gets_sms_when_accepted_assigned_with_name_and_window_and_done(town):
    PhoneFactory(person=town.person, number="+79161112233", kind="mobile")
    start = timezone.make_aware(datetime.datetime(2026, 12, 1, 10, 0))
    req = town.new_request(window_start=start, window_end=start + datetime.timedelta(hours=3))
    _move(town, req, Status.ACCEPTED)
    _move(town, req, Status.ASSIGNED, assignee=town.worker)
    _move(town, req, Status.IN_PROGRESS)
    _move(town, req, Status.DONE, money_spent=Decimal("412.50"))  # the catalogue's food handles money
    texts = list(OutboxMessage.objects.filter(person_id=town.person.pk).order_by("pk").values_list("recipient", "body"))
    assert [r for r, _ in texts] == ["+79161112233"] * 3
    assert "принята" in texts[0][1]
    assert "Марина" in texts[1][1] and "01.12" in texts[1][1] and "10:00" in texts[1][1] and "13:00" in texts[1][1]
    assert "выполнена" in texts[2][1]


def test_no_sms_without_a_mobile_phone_and_none_when_the_move_fails(town):
    PhoneFactory(person=town.person, number="+74951112233", kind="home")
    req = town.new_request()
    _move(town, req, Status.ACCEPTED)
    assert not OutboxMessage.objects.exists()


def test_a_rolled_back_move_leaves_no_message(town):
    from core.exceptions import ConcurrentEditError

    PhoneFactory(person=town.person, number="+79161112233", kind="mobile")
    req = town.new_request()
    stale = req.version
    _move(town, req, Status.ACCEPTED)
    count = OutboxMessage.objects.count()
    with pytest.raises(ConcurrentEditError):
        transition(help_request=req, to=Status.CANCELLED, actor=Actor(town.dispatcher), version=stale, reason="x")
    assert OutboxMessage.objects.count() == count
