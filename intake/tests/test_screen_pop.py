from typing import Any

import pytest
from django.urls import reverse

from intake.models import Interaction, Outcome

pytestmark = pytest.mark.django_db


def test_screen_pop_by_phone_in_russian_format_shows_the_person_and_open_requests(client: Any, town: Any, caller: Any):
    town.new_request(details="хлеб и молоко")
    client.force_login(town.operator)
    response = client.get(reverse("intake:call"), {"phone": "8 (916) 555-12-34"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Иванова Мария Петровна" in page
    assert "Покупка и доставка продуктов" in page
    assert 'data-testid="open-requests"' in page
    assert reverse("intake:person_call", args=[caller.pk]) in page


def test_screen_pop_shows_recent_calls_of_the_person(client: Any, town: Any, caller: Any):
    Interaction.objects.create(person=caller, outcome=Outcome.COMPLAINT, note="курьер опоздал", operator=town.operator)
    client.force_login(town.operator)
    page = client.get(reverse("intake:call"), {"phone": "+7 916 555 12 34"}).content.decode()
    assert "курьер опоздал" in page


def test_unknown_phone_offers_registration_with_the_phone(client: Any, town: Any, caller: Any):
    client.force_login(town.operator)
    response = client.get(reverse("intake:call"), {"phone": "8 (903) 111-22-33"})
    page = response.content.decode()
    assert "Иванова" not in page
    assert 'data-testid="register-caller"' in page
    assert reverse("people:create") + "?phone=%2B79031112233" in page


def test_screen_pop_journals_the_caller_id_search(client: Any, town: Any, caller: Any):
    from audit.models import AuditEvent

    client.force_login(town.operator)
    client.get(reverse("intake:call"), {"phone": "8 (916) 555-12-34"})
    event = AuditEvent.objects.order_by("-id").first()
    assert event is not None and event.details["kind"] == "caller_id" and event.details["shown"] == [caller.pk]


def test_not_a_phone_is_said_so(client: Any, town: Any):
    client.force_login(town.operator)
    page = client.get(reverse("intake:call"), {"phone": "Иванова"}).content.decode()
    assert 'role="alert"' in page


def test_information_only_call_is_recorded(client: Any, town: Any, caller: Any):
    client.force_login(town.operator)
    response = client.post(
        reverse("intake:interaction_create"),
        {
            "person": caller.pk,
            "outcome": "information_only",
            "note": "спросила про часы работы",
            "phone": "+79165551234",
        },
    )
    assert response.status_code == 302
    interaction = Interaction.objects.get()
    assert interaction.person == caller
    assert interaction.outcome == Outcome.INFORMATION_ONLY
    assert interaction.operator == town.operator
    assert interaction.requests.count() == 0
    page = client.get(response["Location"]).content.decode()
    assert "спросила про часы работы" in page


def test_wrong_number_is_recorded_without_a_person(client: Any, town: Any):
    client.force_login(town.operator)
    client.post(
        reverse("intake:interaction_create"), {"person": "", "outcome": "wrong_number", "phone": "+79031112233"}
    )
    interaction = Interaction.objects.get()
    assert interaction.person is None
    assert interaction.phone == "+79031112233"
    assert interaction.outcome == Outcome.WRONG_NUMBER


def test_complaint_without_a_note_is_refused(client: Any, town: Any, caller: Any):
    client.force_login(town.operator)
    client.post(reverse("intake:interaction_create"), {"person": caller.pk, "outcome": "complaint", "note": ""})
    assert not Interaction.objects.exists()


@pytest.mark.parametrize("role", ["volunteer", "psychologist", "social_worker", "coordinator"])
def test_other_roles_cannot_use_the_call_screen(client: Any, make_user: Any, town: Any, caller: Any, role: str):
    client.force_login(make_user(role))
    assert client.get(reverse("intake:call"), {"phone": "+79165551234"}).status_code == 403
    assert client.get(reverse("intake:person_call", args=[caller.pk])).status_code == 403
    assert client.post(reverse("intake:interaction_create"), {"outcome": "wrong_number"}).status_code == 403


@pytest.mark.parametrize("who", ["operator", "dispatcher", "supervisor"])
def test_call_centre_roles_use_the_call_screen(client: Any, town: Any, caller: Any, who: str):
    client.force_login(getattr(town, who))
    assert client.get(reverse("intake:call"), {"phone": "+79165551234"}).status_code == 200
    assert client.get(reverse("intake:person_call", args=[caller.pk])).status_code == 200


def test_dispatcher_of_another_tcso_does_not_see_the_caller(client: Any, town: Any, caller: Any):
    client.force_login(town.other_dispatcher)
    page = client.get(reverse("intake:call"), {"phone": "+79165551234"}).content.decode()
    assert "Иванова" not in page
    assert client.get(reverse("intake:person_call", args=[caller.pk])).status_code == 404
