"""The actor context: who, from where, through which door — what the journal records of every action."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.urls import reverse

from audit.models import AuditEvent
from core.actor import Actor, Origin
from people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_a_page_request_gives_the_user_the_address_and_origin_ui(make_user):
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.10")
    request.user = make_user("operator")
    actor = Actor.from_request(request)
    assert (actor.user, actor.ip, actor.origin) == (request.user, "192.0.2.10", Origin.UI)
    assert Actor.from_request(request, origin=Origin.API).origin == "api"


def test_an_anonymous_request_is_no_actor():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with pytest.raises(TypeError):
        Actor.from_request(request)


def test_opening_a_card_is_journaled_with_the_address_and_origin_ui(client, make_user):
    person = PersonFactory()
    client.force_login(make_user("operator"))
    assert client.get(reverse("people:detail", args=[person.pk]), REMOTE_ADDR="192.0.2.11").status_code == 200
    event = AuditEvent.objects.get(action="view", person_id=person.pk)
    assert (event.ip_address, event.origin) == ("192.0.2.11", "ui")
