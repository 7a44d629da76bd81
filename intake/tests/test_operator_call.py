"""Issue 15 §1: the operator's call — an unknown caller registered and served on the same call, the numbers
read out after saving, the caller's number kept, a relative calling, "who is coming and when", callbacks."""

import datetime
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from assistance.models import Assignment, HelpRequest
from core.actor import Actor
from core.exceptions import ValidationError
from intake import services
from intake.models import Interaction, Outcome
from intake.tests.test_person_call import log, row
from people.models import Consent, ContactPerson, Person
from people.tests.factories import DistrictFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _open(daytime: None) -> None:
    """Inside the call centre's working hours."""


def register(client: Any, **values: Any) -> Any:
    data = {
        "surname": "Новикова",
        "given_name": "Анна",
        "patronymic": "Борисовна",
        "sex": "female",
        "phone": "8 (903) 111-22-33",
        "address": "г. Москва, ул. Липецкая, д. 7",
        "district": "Бирюлёво Восточное",
        "consent": "on",
        "call": "c-77",
        **values,
    }
    return client.post(reverse("intake:register_caller"), {k: v for k, v in data.items() if v is not None})


# --- an unknown caller ---------------------------------------------------------------------------------
def test_registering_the_caller_returns_to_the_same_call_with_the_citizen_selected(client: Any, town: Any):
    client.force_login(town.operator)
    response = register(client)
    person = Person.objects.get(surname="Новикова")
    assert response.status_code == 302
    assert response.url == f"{reverse('intake:call')}?phone=%2B79031112233&call=c-77&person={person.pk}"
    page = client.get(response.url).content.decode()
    assert 'data-testid="caller-card"' in page and "Новикова Анна Борисовна" in page
    assert reverse("intake:person_call", args=[person.pk]) in page


def test_the_new_citizen_is_named_with_spaced_initials_and_no_empty_birth_date(client: Any, town: Any):
    """«Гражданин зарегистрирован: Новикова А. Б. — …», not «Новикова А.Б.. …»; the line under the name
    leaves out the birth date the caller did not give instead of showing «— ·»."""
    client.force_login(town.operator)
    page = client.get(register(client).url).content.decode()
    assert "Гражданин зарегистрирован: Новикова А. Б. — примите заявку в этом же звонке." in page
    line = page.split('data-testid="caller-card"')[1].split('<p class="muted small">')[1].split("</p>")[0]
    assert line == "г. Москва, ул. Липецкая, д. 7 · Бирюлёво Восточное"


def test_the_caller_is_registered_with_district_phone_and_consent_evidenced_by_the_call(client: Any, town: Any):
    client.force_login(town.operator)
    register(client)
    person = Person.objects.get(surname="Новикова")
    assert person.district == town.district
    assert list(person.phones.values_list("number", flat=True)) == ["+79031112233"]
    consent = Consent.objects.get(person=person)
    assert consent.scope == Consent.Scope.PD_PROCESSING and consent.recorded_by == town.operator
    assert "+79031112233" in consent.evidence and "c-77" in consent.evidence


def test_a_caller_without_a_district_is_not_registered(client: Any, town: Any):
    client.force_login(town.operator)
    response = register(client, district="", address="")
    assert response.status_code == 400
    assert response.context["form"].errors["district"]
    assert not Person.objects.filter(surname="Новикова").exists()


def test_an_unknown_district_name_is_refused(client: Any, town: Any):
    client.force_login(town.operator)
    response = register(client, district="Нетакогорайона")
    assert response.status_code == 400 and response.context["form"].errors["district"]
    assert not Person.objects.filter(surname="Новикова").exists()


def test_a_caller_who_does_not_consent_is_not_registered(client: Any, town: Any):
    client.force_login(town.operator)
    response = register(client, consent=None)
    assert response.status_code == 400 and response.context["form"].errors["consent"]
    assert not Person.objects.filter(surname="Новикова").exists() and not Consent.objects.exists()


def test_the_district_named_in_the_address_is_taken(client: Any, town: Any):
    DistrictFactory(name="Марьино")
    client.force_login(town.operator)
    register(client, district="", address="г. Москва, район Бирюлёво Восточное, ул. Липецкая, д. 7")
    assert Person.objects.get(surname="Новикова").district == town.district


def test_the_registration_form_offers_every_district_to_type_ahead(client: Any, town: Any):
    DistrictFactory(name="Марьино")
    client.force_login(town.operator)
    page = client.get(reverse("intake:register_caller"), {"phone": "+79031112233"}).content.decode()
    assert 'list="district-names"' in page
    assert '<option value="Марьино">' in page and '<option value="Бирюлёво Восточное">' in page


def test_a_citizen_without_a_district_is_told_before_the_read_back(client: Any, town: Any, medicines: Any):
    person = PersonFactory(district=None)
    client.force_login(town.operator)
    url = reverse("intake:person_call", args=[person.pk])
    assert 'data-testid="fill-district"' in client.get(url).content.decode()
    review = client.post(url, {**_form(medicines), "review": "1"})
    assert review.status_code == 400 and not review.context["review"]
    assert not HelpRequest.objects.exists()


def _form(service: Any) -> dict[str, Any]:
    from intake.tests.test_person_call import form_data

    return form_data([row(service)])


def test_the_service_refuses_requests_of_a_citizen_without_a_district(town: Any, medicines: Any):
    person = PersonFactory(district=None)
    rows = [services.RowInput(data=_input(medicines))]
    with pytest.raises(services.RowErrors) as refused:
        services.log_call(person=person, rows=rows, actor=Actor(town.operator))
    assert refused.value.general == services.person_problems(person) != []
    assert not Interaction.objects.exists()


def _input(service: Any) -> Any:
    from assistance.services import RequestInput

    start = timezone.now() + datetime.timedelta(days=1)
    return RequestInput(service_type=service, window_start=start, window_end=start + datetime.timedelta(hours=4))


# --- after saving --------------------------------------------------------------------------------------
def test_after_saving_the_operator_reads_out_the_numbers_and_lands_on_the_next_call(
    client: Any, town: Any, caller: Any, medicines: Any
):
    client.force_login(town.operator)
    response = log(client, caller, [row(town.service), row(medicines)])
    assert response.status_code == 302 and response.url == reverse("intake:call")
    numbers = sorted(HelpRequest.objects.filter(person=caller).values_list("pk", flat=True))
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert f"{numbers[0]}, {numbers[1]}" in message
    assert "Иванова М. П." in message  # the dictionary form with initials, not a declined full name


def test_the_saved_message_names_one_request_in_the_singular(town: Any, caller: Any):
    from django.utils import translation

    from intake.views import saved_message

    interaction = services.log_call(
        person=caller, rows=[services.RowInput(data=_input(town.service))], actor=Actor(town.operator)
    )
    number = interaction.requests.get().pk
    with translation.override("en"):
        assert saved_message(caller, interaction) == f"Request No. {number} saved — Иванова М. П."


def test_the_card_shows_the_new_requests_at_once(client: Any, town: Any, caller: Any):
    client.force_login(town.operator)
    log(client, caller, [row(town.service, details="хлеб и кефир")])
    number = HelpRequest.objects.get(person=caller).pk
    page = client.get(reverse("people:tab", args=[caller.pk, "requests"])).content.decode()
    assert f'href="{reverse("assistance:request", args=[number])}"' in page


# --- the caller's number -------------------------------------------------------------------------------
def test_a_call_started_from_the_card_keeps_the_citizens_number(client: Any, town: Any, caller: Any):
    client.force_login(town.operator)
    assert client.get(reverse("intake:person_call", args=[caller.pk])).context["note_form"]["phone"].value() == (
        "+79165551234"
    )
    log(client, caller, [row(town.service)], phone="+79165551234")
    assert Interaction.objects.get().phone == "+79165551234"


def test_the_number_from_the_screen_pop_is_kept_with_the_call(client: Any, town: Any, caller: Any):
    client.force_login(town.operator)
    url = reverse("intake:person_call", args=[caller.pk])
    form = client.get(url, {"phone": "+79037778899"}).context["note_form"]
    assert form["phone"].value() == "+79037778899"
    log(client, caller, [row(town.service)], phone="8 903 777-88-99")
    assert Interaction.objects.get().phone == "+79037778899"


# --- a relative calls ----------------------------------------------------------------------------------
@pytest.fixture
def daughter(caller: Any) -> ContactPerson:
    return ContactPerson.objects.create(
        person=caller, full_name="Иванова Ольга Сергеевна", relation="child", phone="+79035550000", may_contact=True
    )


def test_the_screen_pop_says_which_relative_is_calling(client: Any, town: Any, daughter: Any):
    client.force_login(town.operator)
    page = client.get(reverse("intake:call"), {"phone": "+79035550000"}).content.decode()
    assert 'data-testid="calling-relative"' in page
    assert "Иванова Ольга Сергеевна" in page
    assert str(daughter.get_relation_display()) in page
    assert f"contact={daughter.pk}" in page


def test_a_call_taken_from_a_relative_is_recorded_as_theirs(client: Any, town: Any, caller: Any, daughter: Any):
    client.force_login(town.operator)
    log(client, caller, [row(town.service)], phone="+79035550000", contact=str(daughter.pk))
    call = Interaction.objects.get()
    assert call.caller_contact == daughter and call.person == caller and call.phone == "+79035550000"


def test_a_contact_of_another_citizen_is_not_recorded(client: Any, town: Any, caller: Any):
    stranger = ContactPerson.objects.create(person=PersonFactory(), full_name="Чужой", relation="friend")
    client.force_login(town.operator)
    log(client, caller, [row(town.service)], contact=str(stranger.pk))
    assert Interaction.objects.get().caller_contact is None


# --- who is coming and when ----------------------------------------------------------------------------
def test_the_screen_pop_shows_worker_tcso_window_and_recently_closed_requests(client: Any, town: Any, caller: Any):
    start = timezone.now() + datetime.timedelta(days=1)
    coming = town.new_request(details="a", window_start=start, window_end=start + datetime.timedelta(hours=3))
    Assignment.objects.create(request=coming, worker=town.worker, assigned_by=town.dispatcher)
    done = town.new_request(details="b")
    HelpRequest.objects.filter(pk=done.pk).update(status="done", closed_at=timezone.now() - datetime.timedelta(days=2))
    old = town.new_request(details="c")
    HelpRequest.objects.filter(pk=old.pk).update(status="done", closed_at=timezone.now() - datetime.timedelta(days=8))
    client.force_login(town.operator)
    response = client.get(reverse("intake:call"), {"phone": "+79165551234"})
    shown = [r.pk for r in response.context["cards"][0]["requests"]]
    assert sorted(shown) == sorted([coming.pk, done.pk])
    page = response.content.decode()
    assert "Марина" in page  # the worker's first name
    assert reverse("assistance:request", args=[coming.pk]) in page
    assert reverse("assistance:request", args=[done.pk]) in page
    assert timezone.localtime(start).strftime("%H:%M") in page
    assert town.tcso.name in page or (town.tcso.short_name and town.tcso.short_name in page)


# --- callbacks -----------------------------------------------------------------------------------------
def test_a_call_needing_a_callback_goes_on_the_operators_list(client: Any, town: Any, caller: Any):
    client.force_login(town.operator)
    due = timezone.localtime() + datetime.timedelta(hours=2)
    client.post(
        reverse("intake:interaction_create"),
        {
            "outcome": Outcome.CALLBACK_NEEDED,
            "person": caller.pk,
            "phone": "+79165551234",
            "note": "перезвонить после обеда",
            "callback_due_at": due.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    call = Interaction.objects.get()
    assert call.callback_due_at == due.replace(second=0, microsecond=0)
    response = client.get(reverse("intake:callbacks"))
    assert [c.pk for c in response.context["callbacks"]] == [call.pk]
    assert "перезвонить после обеда" in response.content.decode()


def test_a_callback_needs_a_due_time(town: Any, caller: Any):
    with pytest.raises(ValidationError):
        services.record_interaction(person=caller, outcome=Outcome.CALLBACK_NEEDED, actor=Actor(town.operator))
    assert not Interaction.objects.exists()


def test_another_outcome_puts_nothing_on_the_list(town: Any, caller: Any):
    services.record_interaction(
        person=caller,
        outcome=Outcome.INFORMATION_ONLY,
        actor=Actor(town.operator),
        callback_due_at=timezone.now(),
    )
    assert Interaction.objects.get().callback_due_at is None


def test_a_callback_made_leaves_the_list(client: Any, town: Any, caller: Any):
    call = services.record_interaction(
        person=caller,
        outcome=Outcome.CALLBACK_NEEDED,
        actor=Actor(town.operator),
        callback_due_at=timezone.now() + datetime.timedelta(hours=1),
    )
    client.force_login(town.operator)
    client.post(reverse("intake:callback_done", args=[call.pk]))
    call.refresh_from_db()
    assert call.called_back_at is not None and call.called_back_by == town.operator
    assert list(client.get(reverse("intake:callbacks")).context["callbacks"]) == []


def test_a_dispatcher_sees_no_callbacks_of_another_tcsos_citizens(client: Any, town: Any, caller: Any):
    services.record_interaction(
        person=caller,
        outcome=Outcome.CALLBACK_NEEDED,
        actor=Actor(town.operator),
        callback_due_at=timezone.now() + datetime.timedelta(hours=1),
    )
    client.force_login(town.other_dispatcher)
    assert list(client.get(reverse("intake:callbacks")).context["callbacks"]) == []
    client.force_login(town.dispatcher)
    assert len(client.get(reverse("intake:callbacks")).context["callbacks"]) == 1


# --- keys ----------------------------------------------------------------------------------------------
def test_saving_adding_a_request_and_reading_back_have_keys(client: Any, town: Any, caller: Any):
    client.force_login(town.operator)
    page = client.get(reverse("intake:person_call", args=[caller.pk])).content.decode()
    assert 'accesskey="r"' in page and 'accesskey="a"' in page
    from intake.tests.test_person_call import form_data

    response = client.post(reverse("intake:person_call", args=[caller.pk]), form_data([row(town.service)], review="1"))
    assert 'data-testid="confirm"' in response.content.decode()
    assert 'accesskey="s"' in response.content.decode()


@pytest.mark.parametrize("district, consent", [(False, True), (True, False)])
def test_the_service_refuses_a_caller_without_district_or_consent(town: Any, district: bool, consent: bool):
    from people.inputs import PersonInput, PhoneInput

    data = PersonInput(
        surname="Новикова",
        given_name="Анна",
        district_id=town.district.pk if district else None,
        phones=[PhoneInput(number="+79031112233")],
    )
    with pytest.raises(ValidationError):
        services.register_caller(data=data, actor=Actor(town.operator), consent_given=consent, phone="+79031112233")
    assert not Person.objects.filter(surname="Новикова").exists() and not Consent.objects.exists()


def test_the_card_says_which_relative_called(client: Any, town: Any, caller: Any, daughter: Any):
    client.force_login(town.operator)
    log(client, caller, [row(town.service)], contact=str(daughter.pk))
    page = client.get(reverse("people:tab", args=[caller.pk, "requests"])).content.decode()
    assert 'data-testid="called-by-contact"' in page and "Иванова Ольга Сергеевна" in page
