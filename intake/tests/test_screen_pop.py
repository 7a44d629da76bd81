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
    assert reverse("intake:register_caller") + "?phone=%2B79031112233" in page


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


# --- the screen pop for a telephony call id: the number only to those who may see the call -----------
def _pop(client: Any, user: Any, call_id: str) -> Any:
    client.force_login(user)
    return client.get(reverse("intake:call"), {"call": call_id})


def _shows_the_number(response: Any) -> bool:
    page = response.content.decode()
    return "555-12-34" in page or "111-22-33" in page or 'data-testid="caller-phone"' in page


@pytest.fixture
def home_call(town: Any, caller: Any) -> Interaction:
    """A call of the town's citizen, taken by the operator."""
    return Interaction.objects.create(cti_call_id="c-1", phone="+79165551234", person=caller, operator=town.operator)


@pytest.fixture
def ringing_call(db: None) -> Interaction:
    """A call the telephony announced; nobody has answered or recorded it, no citizen linked."""
    return Interaction.objects.create(cti_call_id="c-2", phone="+79031112233")


@pytest.mark.parametrize("who", ["operator", "supervisor", "dispatcher"])
def test_the_number_of_a_call_shows_to_those_who_may_see_it(client: Any, town: Any, home_call: Interaction, who: str):
    response = _pop(client, getattr(town, who), "c-1")
    assert response.status_code == 200
    assert _shows_the_number(response)
    assert 'data-testid="cti-call"' in response.content.decode()
    assert "Иванова Мария Петровна" in response.content.decode()


def test_dispatcher_of_another_tcso_gets_neither_the_number_nor_the_call(
    client: Any, town: Any, home_call: Interaction
):
    response = _pop(client, town.other_dispatcher, "c-1")
    assert response.status_code == 200
    page = response.content.decode()
    assert not _shows_the_number(response)
    assert 'data-testid="cti-call"' not in page and "Иванова" not in page
    assert response.context["call"] is None


@pytest.mark.parametrize(("who", "shown"), [("operator", True), ("supervisor", True), ("dispatcher", False)])
def test_a_ringing_call_not_linked_to_a_citizen_shows_its_number_to_the_call_centre_only(
    client: Any, town: Any, ringing_call: Interaction, who: str, shown: bool
):
    assert _shows_the_number(_pop(client, getattr(town, who), "c-2")) is shown


def test_a_dispatcher_sees_the_number_of_an_unlinked_call_he_took(client: Any, town: Any, ringing_call: Interaction):
    Interaction.objects.filter(pk=ringing_call.pk).update(operator=town.dispatcher)
    assert _shows_the_number(_pop(client, town.dispatcher, "c-2"))
    assert not _shows_the_number(_pop(client, town.other_dispatcher, "c-2"))


def test_a_hidden_call_looks_like_an_unknown_call_id(client: Any, town: Any, home_call: Interaction):
    hidden = _pop(client, town.other_dispatcher, "c-1")
    unknown = _pop(client, town.other_dispatcher, "no-such-call")
    for response in (hidden, unknown):
        assert response.status_code == 200
        assert response.context["call"] is None and response.context["raw"] == ""
        assert response.context["interaction_form"]["call_version"].value() is None
