import pytest
from django.urls import reverse

from audit.models import AuditEvent
from people.models import Consent, ContactPerson, IdentityDocument, Person
from people.tests.factories import DistrictFactory, PersonFactory

pytestmark = pytest.mark.django_db


def _form(**overrides):
    district = overrides.pop("district", None) or DistrictFactory()
    data = {
        "surname": "Петрова",
        "given_name": "Анна",
        "patronymic": "Ивановна",
        "birth_date": "05.03.1944",
        "sex": "female",
        "address": "ул. Лесная, д. 1",
        "district": district.pk,
        "snils": "112-233-445 95",
        "oms_number": "",
        "disability_group": "",
        "preferred_language": "ru",
        "contact_times": "",
        "phones-TOTAL_FORMS": "2",
        "phones-INITIAL_FORMS": "0",
        "phones-MIN_NUM_FORMS": "0",
        "phones-MAX_NUM_FORMS": "5",
        "phones-0-number": "8 (916) 765-43-21",
        "phones-0-kind": "mobile",
        "phones-0-is_primary": "on",
        "phones-1-number": "",
        "phones-1-kind": "home",
    }
    data.update(overrides)
    return data


@pytest.fixture
def operator_client(client, make_user):
    client.force_login(make_user("operator"))
    return client


def test_operator_registers_a_citizen_with_e164_phone_and_it_is_journaled(operator_client):
    response = operator_client.post(reverse("people:create"), _form())
    person = Person.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("people:detail", args=[person.pk])
    assert person.snils == "11223344595"
    assert list(person.phones.values_list("number", flat=True)) == ["+79167654321"]
    event = AuditEvent.objects.get(action="create", person_id=person.pk)
    assert "snils" in event.fields and "phones" in event.fields


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("snils", "112-233-445 96", "СНИЛС"),
        ("birth_date", "01.01.2999", "будущем"),
        ("surname", "", "фамилию"),
        ("phones-0-number", "8 (916) 765-43", "номер"),
        ("oms_number", "1234567890123453", "ОМС"),
    ],
)
def test_bad_input_shows_a_russian_message_next_to_the_field_and_saves_nothing(operator_client, field, value, message):
    response = operator_client.post(reverse("people:create"), _form(**{field: value}))
    assert response.status_code == 200
    form = response.context["form"]
    phones = response.context["phones"]
    errors = form.errors.get(field) or phones.forms[0].errors.get("number")
    assert errors, f"no error for {field}"
    assert message.lower() in " ".join(errors).lower()
    assert Person.objects.count() == 0
    assert not AuditEvent.objects.filter(action="create").exists()


def test_error_messages_follow_the_english_ui(operator_client):
    operator_client.cookies["django_language"] = "en"
    response = operator_client.post(reverse("people:create"), _form(snils="112-233-445 96"), HTTP_ACCEPT_LANGUAGE="en")
    assert "check digits do not match" in " ".join(response.context["form"].errors["snils"])


def test_possible_duplicate_is_shown_and_needs_confirmation(operator_client):
    existing = PersonFactory(surname="Петрова", given_name="Анна", patronymic="Ивановна", snils=None)
    existing.phones.create(number="+79167654321", is_primary=True)
    response = operator_client.post(reverse("people:create"), _form(snils=""))
    assert response.status_code == 200
    assert [d.person for d in response.context["duplicates"]] == [existing]
    assert Person.objects.count() == 1
    response = operator_client.post(reverse("people:create"), _form(snils="", confirm_not_duplicate="on"))
    assert response.status_code == 302
    assert Person.objects.count() == 2


def test_same_snils_is_refused_even_when_confirmed(operator_client):
    PersonFactory(snils="11223344595")
    response = operator_client.post(reverse("people:create"), _form(confirm_not_duplicate="on"))
    assert "уже" in " ".join(response.context["form"].errors["snils"])
    assert Person.objects.count() == 1


def test_second_save_with_a_stale_version_is_refused_and_keeps_the_first(operator_client, person):
    url = reverse("people:edit", args=[person.pk])
    first = _form(surname="Первая", version=person.version, district=person.district, snils="")
    second = _form(surname="Вторая", version=person.version, district=person.district, snils="")
    assert operator_client.post(url, first).status_code == 302
    response = operator_client.post(url, second)
    assert response.status_code == 200
    assert "изменил" in " ".join(response.context["form"].non_field_errors()).lower()
    person.refresh_from_db()
    assert person.surname == "Первая"
    assert person.version == 2


def test_edit_journals_changed_fields_only(operator_client, person):
    url = reverse("people:edit", args=[person.pk])
    data = _form(
        surname=person.surname,
        given_name=person.given_name,
        patronymic=person.patronymic,
        birth_date=person.birth_date.strftime("%d.%m.%Y"),
        address="ул. Новая, д. 2",
        district=person.district,
        snils=person.snils,
        version=person.version,
        **{"phones-0-number": "+79161234567"},
    )
    assert operator_client.post(url, data).status_code == 302
    event = AuditEvent.objects.filter(action="change", person_id=person.pk).get()
    assert event.fields == ["address"]


def test_search_page_finds_by_phone_and_journals_the_search_without_the_query(operator_client, person):
    response = operator_client.get(reverse("people:list"), {"q": "8 (916) 123-45-67"})
    assert [(r.pk, r.card) for r in response.context["results"]] == [(person.pk, True)]
    assert person.full_name in response.content.decode()
    event = AuditEvent.objects.get(action="search")
    assert event.details["kind"] == "phone" and event.details["shown"] == [person.pk]
    assert "916" not in str(event.details)


def test_opening_the_card_is_journaled(operator_client, person):
    response = operator_client.get(reverse("people:detail", args=[person.pk]))
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action="view", person_id=person.pk).count() == 1


def test_supervisor_sees_who_viewed_the_card(client, make_user, person):
    operator = make_user("operator")
    client.force_login(operator)
    client.get(reverse("people:detail", args=[person.pk]))
    supervisor = make_user("supervisor")
    client.force_login(supervisor)
    response = client.get(reverse("people:tab", args=[person.pk, "journal"]))
    assert response.status_code == 200
    assert operator.username in response.content.decode()


def test_operator_cannot_open_the_journal_tab(operator_client, person):
    assert operator_client.get(reverse("people:tab", args=[person.pk, "journal"])).status_code == 403


def test_contacts_documents_and_consents_are_managed_on_the_card(operator_client, person):
    base = [person.pk]
    operator_client.post(
        reverse("people:contact_add", args=base),
        {"full_name": "Иванов Пётр", "relation": "child", "phone": "8 903 111-22-33"},
    )
    contact = ContactPerson.objects.get()
    assert contact.phone == "+79031112233" and contact.may_contact is False
    operator_client.post(reverse("people:contact_permission", args=[person.pk, contact.pk]), {"may_contact": "1"})
    contact.refresh_from_db()
    assert contact.may_contact is True

    operator_client.post(
        reverse("people:document_add", args=base),
        {"kind": "passport", "number": "45 01 123456", "status": "lost"},
    )
    document = IdentityDocument.objects.get()
    operator_client.post(reverse("people:document_status", args=[person.pk, document.pk]), {"status": "restoring"})
    document.refresh_from_db()
    assert document.status == "restoring"

    operator_client.post(reverse("people:consent_give", args=base), {"scope": "pd_processing", "evidence": "звонок"})
    consent = Consent.objects.get()
    assert consent.is_active
    operator_client.post(reverse("people:consent_withdraw", args=[person.pk, consent.pk]))
    consent.refresh_from_db()
    assert not consent.is_active
    journaled = AuditEvent.objects.filter(person_id=person.pk).values_list("object_type", "action")
    assert ("people.contactperson", "change") in journaled
    assert ("people.identitydocument", "change") in journaled
    assert ("people.consent", "change") in journaled


def test_bad_contact_phone_is_refused_with_a_message(operator_client, person):
    response = operator_client.post(
        reverse("people:contact_add", args=[person.pk]),
        {"full_name": "Иванов Пётр", "relation": "child", "phone": "12"},
    )
    assert response.status_code == 400
    assert ContactPerson.objects.count() == 0
