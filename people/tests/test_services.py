"""The registry's rules hold for every caller of the services, not only for the pages and the API."""

import datetime

import pytest
from django.core.management import call_command

from audit.models import AuditEvent
from core.actor import Actor, Origin
from core.exceptions import ValidationError
from people import services
from people.inputs import PersonInput, PhoneInput
from people.models import Person
from people.tests.factories import PersonFactory, PhoneFactory

pytestmark = pytest.mark.django_db


def test_a_shared_snils_is_refused_even_when_confirmed_and_nothing_is_saved(make_user):
    existing = PersonFactory()
    data = PersonInput(surname="Другая", given_name="Анна", snils=existing.snils)
    with pytest.raises(services.DuplicateFound) as found:
        services.create_person(data=data, actor=Actor.system(make_user("operator")), confirm_not_duplicate=True)
    assert found.value.same_snils
    assert [c.person for c in found.value.candidates] == [existing]
    assert Person.objects.count() == 1


def test_a_possible_duplicate_needs_confirmation_and_the_candidates_shown_are_journaled(make_user):
    existing = PersonFactory(surname="Иванова", given_name="Мария", patronymic="Петровна")
    PhoneFactory(person=existing, number="+79161234567")
    operator = make_user("operator")
    data = PersonInput(
        surname="Иванова", given_name="Мария", patronymic="Петровна", phones=[PhoneInput(number="+79161234567")]
    )
    with pytest.raises(services.DuplicateFound) as found:
        services.create_person(data=data, actor=Actor(operator, ip="10.0.0.7"))
    assert not found.value.same_snils
    assert Person.objects.count() == 1
    shown = AuditEvent.objects.get(action="search", details__kind="duplicate_check")
    assert shown.details["shown"] == [existing.pk]
    assert (shown.actor_username, shown.ip_address, shown.origin) == (operator.username, "10.0.0.7", "ui")

    person = services.create_person(data=data, actor=Actor(operator), confirm_not_duplicate=True)
    assert Person.objects.count() == 2 and person.pk != existing.pk


def test_a_command_acting_for_a_user_is_journaled_as_system(make_user):
    person = services.create_person(
        data=PersonInput(surname="Новикова", given_name="Зоя"), actor=Actor.system(make_user("supervisor"))
    )
    event = AuditEvent.objects.get(action="create", person_id=person.pk)
    assert (event.origin, event.ip_address) == (Origin.SYSTEM, None)


def test_the_token_command_journals_its_token_as_system(make_user):
    make_user("operator", username="robot")
    call_command("create_api_token", "robot", "--name", "CTI")
    event = AuditEvent.objects.get(object_type="api.apitoken")
    assert (event.actor_username, event.origin) == ("robot", "system")


@pytest.mark.parametrize(
    "surname", ["Иван\u200bова", "Иванова\u202e", "Ива\x00нова", "\ufeffИванова", "Ива\x1bнова", "Ива\nнова"]
)
def test_a_name_with_invisible_or_control_characters_is_refused_and_nothing_is_saved(make_user, surname):
    data = PersonInput(surname=surname, given_name="Мария")
    with pytest.raises(ValidationError) as refused:
        services.create_person(data=data, actor=Actor(make_user("operator")))
    assert set(refused.value.message_dict) == {"surname"}
    assert not Person.objects.exists()


def test_names_are_stored_in_nfc_so_a_decomposed_letter_finds_the_same_citizen(make_user):
    decomposed = "Сергеи\u0306"  # и + combining breve, as some keyboards and PDFs give "й"
    person = services.create_person(
        data=PersonInput(surname="Андреев", given_name=decomposed), actor=Actor(make_user("operator"))
    )
    person.refresh_from_db()
    assert person.given_name == "Сергей" and len(person.given_name) == 6


def test_a_birth_date_before_1900_is_refused(make_user):
    data = PersonInput(surname="Старая", given_name="Запись", birth_date=datetime.date(1899, 12, 31))
    with pytest.raises(ValidationError) as refused:
        services.create_person(data=data, actor=Actor(make_user("operator")))
    assert set(refused.value.message_dict) == {"birth_date"}
