"""The CTI webhook: the telephony system's service account posts ring, answer and hang-up; the tokens of
the people who take calls, and everyone else's, get 403."""

import datetime
import json
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from api.models import ApiToken
from audit.models import AuditEvent
from intake.models import Interaction, Outcome

pytestmark = pytest.mark.django_db
URL = "/api/v1/cti/calls"


class Telephony:
    def __init__(self, client: Client, user: User) -> None:
        self.client = client
        _record, self.token = ApiToken.issue(user=user, name="cti")

    def send(self, headers: dict[str, str] | None = None, **body: Any) -> Any:
        return self.client.post(
            URL,
            json.dumps(body),
            content_type="application/json",
            headers={"Authorization": f"Bearer {self.token}", "Accept-Language": "en", **(headers or {})},
        )


def test_ring_records_the_call_and_answers_the_screen_pop_url(client: Client, town: Any, caller: Any):
    telephony = Telephony(client, town.telephony)
    response = telephony.send(event="ring", call_id="c-1", phone="8 (916) 555-12-34")
    assert response.status_code == 200
    assert response.json()["url"] == "/intake/call?phone=%2B79165551234&call=c-1"
    call = Interaction.objects.get(cti_call_id="c-1")
    assert call.phone == "+79165551234" and call.ended_at is None
    client.force_login(town.operator)
    page = client.get(response.json()["url"]).content.decode()
    assert "Иванова Мария Петровна" in page
    assert "&amp;call=c-1" in page  # the "Take a request" link carries the call


def test_hangup_closes_the_call_with_its_duration(client: Client, town: Any, caller: Any):
    telephony = Telephony(client, town.telephony)
    start = datetime.datetime(2026, 3, 10, 10, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        telephony.send(event="ring", call_id="c-2", phone="+79165551234")
    with time_machine.travel(start + datetime.timedelta(seconds=5), tick=False):
        answer = telephony.send(event="answer", call_id="c-2", phone="+79165551234", operator=town.operator.username)
    with time_machine.travel(start + datetime.timedelta(seconds=95), tick=False):
        response = telephony.send(event="hangup", call_id="c-2", phone="+79165551234")
    assert answer.json()["url"].startswith("/intake/call?")
    assert response.status_code == 200
    assert response.json()["duration_seconds"] == 90
    call = Interaction.objects.get(cti_call_id="c-2")
    assert call.operator == town.operator
    assert call.ended_at == start + datetime.timedelta(seconds=95)
    assert call.duration_seconds == 90


def test_withheld_number_gives_a_screen_pop_without_phone(client: Client, town: Any):
    response = Telephony(client, town.telephony).send(event="ring", call_id="c-3", phone="")
    assert response.json()["url"] == "/intake/call?call=c-3"


def test_repeated_event_with_the_same_idempotency_key_is_replayed(client: Client, town: Any):
    telephony = Telephony(client, town.telephony)
    first = telephony.send(event="ring", call_id="c-4", phone="+79165551234", headers={"Idempotency-Key": "k1"})
    again = telephony.send(event="ring", call_id="c-4", phone="+79165551234", headers={"Idempotency-Key": "k1"})
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Interaction.objects.filter(cti_call_id="c-4").count() == 1


def test_unknown_event_and_unknown_operator_are_refused(client: Client, town: Any):
    telephony = Telephony(client, town.telephony)
    bad_event = telephony.send(event="transfer", call_id="c-5", phone="")
    assert bad_event.status_code == 422 and "event" in bad_event.json()["errors"]
    bad_operator = telephony.send(event="answer", call_id="c-5", phone="", operator="nobody")
    assert bad_operator.status_code == 422 and "operator" in bad_operator.json()["errors"]
    assert not Interaction.objects.exists()


def test_without_a_token_the_webhook_answers_401(client: Client, db: None):
    response = client.post(URL, json.dumps({"event": "ring", "call_id": "x"}), content_type="application/json")
    assert response.status_code == 401


@pytest.mark.parametrize("role", ["volunteer", "psychologist"])
def test_token_of_a_role_outside_the_call_centre_gets_403(client: Client, make_user: Any, role: str):
    response = Telephony(client, make_user(role)).send(event="ring", call_id="c-6", phone="")
    assert response.status_code == 403
    assert not Interaction.objects.exists()


@pytest.mark.parametrize("who", ["operator", "dispatcher", "other_dispatcher", "supervisor"])
def test_tokens_of_the_people_who_take_calls_get_403(client: Client, town: Any, who: str):
    response = Telephony(client, getattr(town, who)).send(event="ring", call_id="c-7", phone="+79165551234")
    assert response.status_code == 403
    assert not Interaction.objects.exists()


def test_a_dispatchers_token_cannot_make_him_the_operator_of_a_call(client: Client, town: Any):
    call = Interaction.objects.create(cti_call_id="c-8", phone="+79165551234", operator=town.operator)
    journal = AuditEvent.objects.count()
    response = Telephony(client, town.other_dispatcher).send(
        event="answer", call_id="c-8", phone="", operator=town.other_dispatcher.username
    )
    assert response.status_code == 403
    call.refresh_from_db()
    assert call.operator == town.operator and call.answered_at is None
    assert AuditEvent.objects.count() == journal


@pytest.mark.parametrize("who", ["volunteer_user", "administrator", "telephony"])
def test_the_operator_named_must_be_someone_who_takes_calls(client: Client, town: Any, who: str):
    username = getattr(town, who).username
    response = Telephony(client, town.telephony).send(event="answer", call_id="c-9", phone="", operator=username)
    assert response.status_code == 422
    assert response.json()["errors"]["operator"] == ["No active user with this name."]
    assert not Interaction.objects.exists()


def test_an_event_is_journaled_as_the_telephony_account_through_the_api(client: Client, town: Any):
    Telephony(client, town.telephony).send(event="ring", call_id="c-10", phone="+79165551234")
    event = AuditEvent.objects.order_by("-id").first()
    assert event is not None
    assert (event.actor_username, event.actor_roles, event.origin) == (town.telephony.username, "telephony", "api")
    assert event.object_id == str(Interaction.objects.get(cti_call_id="c-10").pk)


def test_events_leave_what_the_operator_recorded_and_its_version_alone(client: Client, town: Any, caller: Any):
    telephony = Telephony(client, town.telephony)
    telephony.send(event="ring", call_id="c-11", phone="+79165551234")
    Interaction.objects.filter(cti_call_id="c-11").update(
        person=caller, operator=town.operator, outcome=Outcome.INFORMATION_ONLY, note="спросила про часы", version=2
    )
    telephony.send(event="hangup", call_id="c-11", phone="+79165551234")
    call = Interaction.objects.get(cti_call_id="c-11")
    assert (call.person, call.outcome, call.note, call.version) == (caller, "information_only", "спросила про часы", 2)
    assert call.ended_at is not None


def test_the_telephony_account_cannot_use_the_pages_or_the_records(client: Client, town: Any, caller: Any):
    """It has no permission on records: it may post call events and nothing else."""
    client.force_login(town.telephony)
    for url in (
        reverse("intake:call") + "?phone=%2B79165551234",
        reverse("intake:person_call", args=[caller.pk]),
        reverse("people:list") + "?q=Иванова",
        reverse("people:detail", args=[caller.pk]),
        reverse("assistance:queue"),
        reverse("notify:outbox"),
        reverse("reports:dashboard"),
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("intake:interaction_create"), {"outcome": "wrong_number"}).status_code == 403
    telephony = Telephony(client, town.telephony)
    headers = {"Authorization": f"Bearer {telephony.token}"}
    assert client.get(f"/api/v1/people/{caller.pk}", headers=headers).status_code == 403
    assert client.get("/api/v1/requests", headers=headers).status_code == 403
    assert not Interaction.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [{"call_id": "c-\x00-1"}, {"call_id": "c 1"}, {"call_id": "c-1", "event": "answer", "operator": "op\x00"}],
    ids=["NUL in the call id", "space in the call id", "NUL in the operator"],
)
def test_control_characters_in_ids_are_a_422_not_a_server_error(client: Client, town: Any, fields: dict[str, str]):
    """Found by the schemathesis run on PostgreSQL, which refuses NUL in text: a 500 before the patterns."""
    event = {"event": "ring", "phone": "", **fields}
    response = Telephony(client, town.telephony).send(**event)
    assert response.status_code == 422
    assert not Interaction.objects.exists()
