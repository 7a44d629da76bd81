"""Hospital social coordination, issue 12 §1: contacting relatives with the patient's consent, and restoring
lost documents; through the services and through the case page."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone, translation

from audit.models import AuditEvent
from cases import documents, family
from cases.forms import VERSION_MAX
from cases.models import Case, DocumentRestoration, RelativeCall
from cases.selectors import active_consent
from cases.tests.conftest import Ward, open_case
from core.actor import Actor
from core.exceptions import ConcurrentEditError, ValidationError
from people.models import Consent, ContactPerson, IdentityDocument
from people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

EN = {"Accept-Language": "en"}
RELATIVES = Consent.Scope.CONTACT_RELATIVES


def _consent(ward: Ward, case: Case) -> Consent:
    return family.record_consent(
        actor=Actor(ward.coordinator), case=case, scope=RELATIVES, evidence="сказала устно при координаторе 03.12"
    )


def _son(ward: Ward, **extra: object) -> ContactPerson:
    values = {"full_name": "Соколов Павел", "relation": "child", "phone": "+79161234567", **extra}
    return ContactPerson.objects.create(person=ward.patient, **values)


def _call(ward: Ward, case: Case, **values: object) -> RelativeCall:
    arguments = {"full_name": "Соколова Ольга", "relation": "grandchild", "phone": "8 (903) 765-43-21"}
    arguments.update(values)
    arguments.setdefault("outcome", "reached")
    return family.log_relative_call(actor=Actor(ward.coordinator), case=case, **arguments)  # type: ignore[arg-type]


def _close(ward: Ward, case: Case) -> None:
    case.status, case.outcome, case.closed_at = Case.Status.CLOSED, Case.Outcome.HELPED, timezone.now()
    case.save()


# --- consent -------------------------------------------------------------------------------------------


def test_the_coordinator_records_the_consent_with_its_evidence(ward):
    case = open_case(ward)
    consent = _consent(ward, case)
    assert active_consent(ward.patient, RELATIVES) == consent
    assert consent.evidence == "сказала устно при координаторе 03.12" and consent.recorded_by == ward.coordinator
    assert active_consent(ward.patient, Consent.Scope.SHARE_WITH_TCSO) is None


def test_a_consent_needs_its_evidence_and_a_scope_of_the_case_page(ward):
    case = open_case(ward)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        family.record_consent(actor=Actor(ward.coordinator), case=case, scope=RELATIVES, evidence="  ")
    assert refused.value.message_dict == {"evidence": ["This field is required."]}
    with pytest.raises(ValidationError) as refused:
        family.record_consent(actor=Actor(ward.coordinator), case=case, scope="pd_processing", evidence="устно")
    assert "scope" in refused.value.message_dict
    assert not Consent.objects.exists()


def test_a_withdrawn_consent_is_no_consent(ward):
    case = open_case(ward)
    consent = _consent(ward, case)
    consent.withdrawn_at, consent.withdrawn_by = timezone.now(), ward.coordinator
    consent.save()
    assert active_consent(ward.patient, RELATIVES) is None


# --- calls to relatives --------------------------------------------------------------------------------


def test_without_the_patients_consent_no_call_is_logged(ward):
    case = open_case(ward)
    with translation.override("en"), pytest.raises(ValidationError, match="record the consent first"):
        _call(ward, case)
    assert not RelativeCall.objects.exists()


def test_a_reached_new_person_joins_the_contacts_once_and_the_call_is_journaled(ward):
    case = open_case(ward)
    _consent(ward, case)
    first = _call(ward, case, add_to_contacts=True)
    assert first.phone == "+79037654321"  # E.164
    contact = ContactPerson.objects.get(person=ward.patient)
    assert (contact.full_name, contact.relation, contact.phone, contact.may_contact) == (
        "Соколова Ольга",
        "grandchild",
        "+79037654321",
        True,
    )
    assert first.contact == contact
    again = _call(ward, case, phone="+7 903 765 43 21", add_to_contacts=True, outcome="no_answer")
    assert again.contact == contact and ContactPerson.objects.count() == 1
    entries = AuditEvent.objects.filter(object_type="cases.case", details__call__isnull=False)
    assert {e.details["call"] for e in entries} == {first.pk, again.pk}
    assert all(e.person_id == ward.patient.pk for e in entries)


def test_someone_not_reached_does_not_join_the_contacts(ward):
    case = open_case(ward)
    _consent(ward, case)
    call = _call(ward, case, outcome="no_answer", add_to_contacts=True)
    assert call.contact is None and not ContactPerson.objects.exists()


def test_a_call_to_a_phone_of_a_contact_person_is_linked_to_them(ward):
    case = open_case(ward)
    _consent(ward, case)
    son = _son(ward)
    call = _call(ward, case, full_name="Павел", relation="child", phone="89161234567", add_to_contacts=True)
    assert call.contact == son and ContactPerson.objects.count() == 1


def test_a_call_to_a_contact_person_takes_their_name_relation_and_phone(ward):
    case = open_case(ward)
    _consent(ward, case)
    son = _son(ward)
    call = _call(ward, case, contact=son, full_name="", relation="", phone="", outcome="busy", note="перезвонить")
    assert (call.contact, call.full_name, call.relation, call.phone) == (son, son.full_name, "child", son.phone)
    assert (call.outcome, call.note) == ("busy", "перезвонить")


def test_a_contact_person_of_another_citizen_is_refused(ward):
    case = open_case(ward)
    _consent(ward, case)
    strangers = ContactPerson.objects.create(person=PersonFactory(), full_name="Чужой", relation="child", phone="")
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        _call(ward, case, contact=strangers)
    assert refused.value.message_dict == {"contact": ["This contact person is not among the patient's contacts."]}
    assert not RelativeCall.objects.exists()


@pytest.mark.parametrize("phone", ["", "12", "+7 000 000", "не знаю"])
def test_a_bad_phone_is_refused_with_its_reason(ward, phone):
    case = open_case(ward)
    _consent(ward, case)
    with pytest.raises(ValidationError) as refused:
        _call(ward, case, phone=phone)
    assert list(refused.value.message_dict) == ["phone"]
    assert not RelativeCall.objects.exists()


def test_a_new_person_needs_a_name_a_relation_a_known_outcome_and_a_clean_note(ward):
    case = open_case(ward)
    _consent(ward, case)
    with pytest.raises(ValidationError) as refused:
        _call(ward, case, full_name=" ", relation="uncle", outcome="maybe", note="a\x00b")
    assert set(refused.value.message_dict) == {"full_name", "relation", "outcome", "note"}
    with pytest.raises(ValidationError) as refused:
        _call(ward, case, note="x" * 1001)
    assert set(refused.value.message_dict) == {"note"}
    assert not RelativeCall.objects.exists()


@pytest.mark.parametrize("outcome", RelativeCall.Outcome.values)
def test_every_outcome_is_logged(ward, outcome):
    case = open_case(ward)
    _consent(ward, case)
    assert _call(ward, case, outcome=outcome).get_outcome_display()


def test_calls_need_an_open_case_and_the_right_to_change_it(ward):
    case = open_case(ward)
    _consent(ward, case)
    with pytest.raises(PermissionDenied):
        family.log_relative_call(
            actor=Actor(ward.hospital_supervisor),
            case=case,
            full_name="Ольга",
            relation="child",
            phone="+79161234567",
            outcome="reached",
        )
    _close(ward, case)
    with translation.override("en"), pytest.raises(ValidationError, match="The case is closed"):
        _call(ward, case)
    assert not RelativeCall.objects.exists()


# --- restoring documents -------------------------------------------------------------------------------


def test_a_restoration_moves_the_card_document_lost_restoring_restored(ward):
    case = open_case(ward)
    actor = Actor(ward.coordinator)
    restoration = documents.start_restoration(actor=actor, case=case, kind="passport", note="потерян при падении")
    document = IdentityDocument.objects.get(person=ward.patient)
    assert (document.kind, document.status, restoration.status) == ("passport", "lost", "to_apply")
    applied_on = timezone.localdate() - datetime.timedelta(days=2)
    documents.record_application(
        actor=actor,
        restoration=restoration,
        applied_to="МФЦ района Бирюлёво Восточное",
        applied_on=applied_on,
        expected_on=applied_on + datetime.timedelta(days=10),
        expected_version=1,
    )
    document.refresh_from_db()
    assert document.status == "restoring" and restoration.status == "applied" and restoration.version == 2
    documents.record_receipt(
        actor=actor,
        restoration=restoration,
        received_on=timezone.localdate(),
        number="45 21 123456",
        expected_version=2,
    )
    document.refresh_from_db()
    restoration.refresh_from_db()
    assert (document.status, document.number) == ("restored", "45 21 123456")
    assert (restoration.status, restoration.received_on) == ("received", timezone.localdate())
    moves = AuditEvent.objects.filter(object_type="cases.case", details__restoration=restoration.pk)
    assert sorted(e.details["to"] for e in moves) == ["applied", "received", "to_apply"]
    assert all(e.person_id == ward.patient.pk for e in moves)


def test_an_existing_document_of_the_patient_is_restored_and_another_citizens_is_refused(ward):
    case = open_case(ward)
    own = IdentityDocument.objects.create(person=ward.patient, kind="snils", status="ok")
    restoration = documents.start_restoration(actor=Actor(ward.coordinator), case=case, document=own)
    own.refresh_from_db()
    assert restoration.document == own and own.status == "lost"
    foreign = IdentityDocument.objects.create(person=PersonFactory(), kind="passport")
    with pytest.raises(ValidationError) as refused:
        documents.start_restoration(actor=Actor(ward.coordinator), case=case, document=foreign)
    assert list(refused.value.message_dict) == ["document"]


def test_a_second_open_restoration_of_one_document_is_refused(ward):
    case = open_case(ward)
    first = documents.start_restoration(actor=Actor(ward.coordinator), case=case, kind="oms")
    with translation.override("en"), pytest.raises(ValidationError, match="being restored already"):
        documents.start_restoration(actor=Actor(ward.colleague), case=case, document=first.document)
    assert DocumentRestoration.objects.count() == 1


def test_the_database_refuses_a_second_open_restoration_too(ward, monkeypatch):
    """Two coordinators at the same moment: both pass the check, the partial unique index stops one."""
    case = open_case(ward)
    first = documents.start_restoration(actor=Actor(ward.coordinator), case=case, kind="oms")
    monkeypatch.setattr(documents, "OPEN", ())  # the check sees no open restoration
    with translation.override("en"), pytest.raises(ValidationError, match="being restored already"):
        documents.start_restoration(actor=Actor(ward.colleague), case=case, document=first.document)
    assert DocumentRestoration.objects.count() == 1


def test_a_cancelled_restoration_keeps_its_reason_and_frees_the_document(ward):
    case = open_case(ward)
    actor = Actor(ward.coordinator)
    restoration = documents.start_restoration(actor=actor, case=case, kind="pension")
    documents.record_application(
        actor=actor,
        restoration=restoration,
        applied_to="СФР",
        applied_on=timezone.localdate(),
        expected_on=None,
        expected_version=1,
    )
    documents.cancel_restoration(actor=actor, restoration=restoration, reason="нашлась дома", expected_version=2)
    restoration.refresh_from_db()
    assert (restoration.status, restoration.note) == ("cancelled", "нашлась дома")
    assert restoration.document.status == "lost"
    again = documents.start_restoration(actor=actor, case=case, document=restoration.document)
    assert again.status == "to_apply"


def test_a_stale_version_is_refused_and_nothing_changes(ward):
    case = open_case(ward)
    restoration = documents.start_restoration(actor=Actor(ward.coordinator), case=case, kind="passport")
    DocumentRestoration.objects.filter(pk=restoration.pk).update(version=2)  # someone saved in between
    with pytest.raises(ConcurrentEditError):
        documents.record_application(
            actor=Actor(ward.colleague),
            restoration=restoration,
            applied_to="МФЦ",
            applied_on=timezone.localdate(),
            expected_on=None,
            expected_version=1,
        )
    restoration.refresh_from_db()
    assert restoration.status == "to_apply" and restoration.document.status == "lost"


def test_application_dates_are_checked(ward):
    case = open_case(ward)
    restoration = documents.start_restoration(actor=Actor(ward.coordinator), case=case, kind="passport")
    today = timezone.localdate()

    def apply(**values: object) -> set[str]:
        arguments = {"applied_to": "МФЦ", "applied_on": today, "expected_on": None, **values}
        with pytest.raises(ValidationError) as refused:
            documents.record_application(
                actor=Actor(ward.coordinator), restoration=restoration, expected_version=1, **arguments
            )  # type: ignore[arg-type]
        return set(refused.value.message_dict)

    assert apply(applied_on=today + datetime.timedelta(days=1)) == {"applied_on"}
    assert apply(applied_on=datetime.date(1999, 12, 31)) == {"applied_on"}
    assert apply(applied_on=None, applied_to="") == {"applied_on", "applied_to"}
    assert apply(expected_on=today - datetime.timedelta(days=1)) == {"expected_on"}
    restoration.refresh_from_db()
    assert restoration.status == "to_apply"


def test_a_finished_restoration_makes_no_more_moves(ward):
    case = open_case(ward)
    actor = Actor(ward.coordinator)
    restoration = documents.start_restoration(actor=actor, case=case, kind="passport")
    documents.record_receipt(actor=actor, restoration=restoration, received_on=timezone.localdate(), expected_version=1)
    with pytest.raises(ValidationError):
        documents.cancel_restoration(actor=actor, restoration=restoration, reason="ошибка", expected_version=2)
    assert restoration.document.status == "restored"


def test_a_closed_case_refuses_every_restoration_move(ward):
    case = open_case(ward)
    actor = Actor(ward.coordinator)
    restoration = documents.start_restoration(actor=actor, case=case, kind="passport")
    _close(ward, case)
    restoration.refresh_from_db()
    today = timezone.localdate()
    attempts = [
        lambda: documents.start_restoration(actor=actor, case=case, kind="snils"),
        lambda: documents.record_application(
            actor=actor,
            restoration=restoration,
            applied_to="МФЦ",
            applied_on=today,
            expected_on=None,
            expected_version=1,
        ),
        lambda: documents.record_receipt(actor=actor, restoration=restoration, received_on=today, expected_version=1),
        lambda: documents.cancel_restoration(actor=actor, restoration=restoration, reason="-", expected_version=1),
        lambda: family.record_consent(actor=actor, case=case, scope=RELATIVES, evidence="устно"),
    ]
    for attempt in attempts:
        with translation.override("en"), pytest.raises(ValidationError, match="The case is closed"):
            attempt()
    assert DocumentRestoration.objects.get().status == "to_apply" and IdentityDocument.objects.count() == 1


# --- the case page -------------------------------------------------------------------------------------


def _messages(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(m) for m in response.context["messages"]]


def test_the_consent_form_comes_first_then_the_call_forms(client, ward):
    case = open_case(ward)
    _son(ward)
    client.force_login(ward.coordinator)
    page = client.get(reverse("cases:detail", args=[case.pk]), headers=EN).content.decode()
    assert 'data-testid="relatives"' in page and 'data-testid="consent-form"' in page
    assert 'data-testid="contact-call-form"' not in page and 'data-testid="new-call-form"' not in page
    assert "Соколов Павел" in page and "+7 916 123-45-67" in page

    response = client.post(
        reverse("cases:record_consent", args=[case.pk]),
        {"scope": RELATIVES, "evidence": "сказала устно при координаторе 03.12"},
        headers=EN,
        follow=True,
    )
    assert response.redirect_chain == [(reverse("cases:detail", args=[case.pk]) + "#relatives", 302)]
    assert _messages(response) == ["Consent recorded: contacting relatives."]
    page = response.content.decode()
    assert 'data-testid="consent-given"' in page and "сказала устно при координаторе 03.12" in page
    assert 'data-testid="contact-call-form"' in page and 'data-testid="new-call-form"' in page


def test_calls_through_the_page_add_the_person_and_show_in_the_log(client, ward):
    case = open_case(ward)
    _consent(ward, case)
    son = _son(ward)
    client.force_login(ward.coordinator)
    url = reverse("cases:log_call", args=[case.pk])
    response = client.post(url, {"contact": son.pk, "outcome": "no_answer", "note": ""}, headers=EN, follow=True)
    assert _messages(response) == ["Call to Соколов Павел recorded: no answer."]
    response = client.post(
        url,
        {
            "full_name": "Соколова Ольга",
            "relation": "grandchild",
            "phone": "8 903 765-43-21",
            "outcome": "reached",
            "note": "приедет завтра",
            "add_to_contacts": "on",
        },
        headers=EN,
        follow=True,
    )
    assert _messages(response) == [
        "Call to Соколова Ольга recorded: reached.",
        "Соколова Ольга is among the patient's contact persons.",
    ]
    assert ContactPerson.objects.filter(person=ward.patient, phone="+79037654321", may_contact=True).exists()
    page = response.content.decode()
    assert page.count('data-testid="relative-call"') == 2 and "+7 903 765-43-21" in page and "приедет завтра" in page
    assert page.count('data-testid="contact"') == 2


@pytest.mark.parametrize(
    "data",
    [
        {"contact": str(2**70), "outcome": "reached"},
        {"contact": "abc", "outcome": "reached"},
        {"full_name": "Ольга\x00", "relation": "child", "phone": "+79161234567", "outcome": "reached"},
        {"full_name": "Ольга\u200b", "relation": "child", "phone": "+79161234567", "outcome": "reached"},
        {"full_name": "Ольга", "relation": "uncle", "phone": "+79161234567", "outcome": "reached"},
        {"full_name": "Ольга", "relation": "child", "phone": "+79161234567", "outcome": "maybe"},
        {"full_name": "Ольга", "relation": "child", "phone": "12", "outcome": "reached"},
    ],
)
def test_bad_call_input_is_a_message_and_saves_nothing(client, ward, data):
    case = open_case(ward)
    _consent(ward, case)
    client.force_login(ward.coordinator)
    response = client.post(reverse("cases:log_call", args=[case.pk]), data, headers=EN, follow=True)
    assert response.status_code == 200 and _messages(response)
    assert not RelativeCall.objects.exists() and not ContactPerson.objects.exists()


def test_a_call_to_another_citizens_contact_or_a_missing_one_is_one_message(client, ward):
    case = open_case(ward)
    _consent(ward, case)
    strangers = ContactPerson.objects.create(person=PersonFactory(), full_name="Чужой", relation="child", phone="")
    client.force_login(ward.coordinator)
    url = reverse("cases:log_call", args=[case.pk])
    for pk in (strangers.pk, strangers.pk + 1000):
        response = client.post(
            url, {"contact": pk, "outcome": "reached", "phone": "+79161234567"}, headers=EN, follow=True
        )
        assert _messages(response) == ["This contact person is not among the patient's contacts."]
    assert not RelativeCall.objects.exists()


def test_restoring_through_the_page_with_the_overdue_badge(client, ward):
    case = open_case(ward)
    client.force_login(ward.coordinator)
    page = client.get(reverse("cases:detail", args=[case.pk]), headers=EN).content.decode()
    assert 'data-testid="documents"' in page and 'data-testid="start-restoration-form"' in page
    response = client.post(
        reverse("cases:start_restoration", args=[case.pk]), {"kind": "passport"}, headers=EN, follow=True
    )
    assert response.redirect_chain == [(reverse("cases:detail", args=[case.pk]) + "#documents", 302)]
    assert _messages(response) == ["Restoring started: passport."]
    restoration = DocumentRestoration.objects.get()
    page = response.content.decode()
    assert 'data-testid="application-form"' in page and "Application made" in page and "Not needed any more" in page

    long_ago = timezone.localdate() - datetime.timedelta(days=30)
    response = client.post(
        reverse("cases:record_application", args=[case.pk, restoration.pk]),
        {
            "version": 1,
            "applied_to": "МФЦ района Бирюлёво Восточное",
            "applied_on": long_ago.isoformat(),
            "expected_on": (long_ago + datetime.timedelta(days=14)).isoformat(),
        },
        headers=EN,
        follow=True,
    )
    assert _messages(response) == ["Application recorded: passport."]
    page = response.content.decode()
    assert 'data-testid="overdue"' in page and "Document received" in page and "Application made" not in page

    stale = client.post(
        reverse("cases:cancel_restoration", args=[case.pk, restoration.pk]),
        {"version": 1, "reason": "не нужен"},
        headers=EN,
        follow=True,
    )
    assert _messages(stale) == [
        "This record was changed by someone else while you were editing it. "
        "Reload the page to see their changes, then apply yours again."
    ]
    response = client.post(
        reverse("cases:record_receipt", args=[case.pk, restoration.pk]),
        {"version": 2, "received_on": timezone.localdate().isoformat(), "number": "45 21 123456"},
        headers=EN,
        follow=True,
    )
    assert _messages(response) == ["Document received: passport 45 21 123456."]
    assert 'data-testid="overdue"' not in response.content.decode()
    assert IdentityDocument.objects.get().status == "restored"


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("cases:record_application", {"version": VERSION_MAX + 1, "applied_to": "МФЦ", "applied_on": "2024-01-01"}),
        ("cases:record_application", {"version": 1, "applied_to": "МФЦ\x1b", "applied_on": "2024-01-01"}),
        ("cases:record_application", {"version": 1, "applied_to": "МФЦ", "applied_on": "31.02.2024"}),
        ("cases:record_receipt", {"version": str(10**40), "received_on": "2024-01-01"}),
        ("cases:cancel_restoration", {"version": 1, "reason": ""}),
    ],
)
def test_bad_restoration_input_is_a_message_and_changes_nothing(client, ward, action, data):
    case = open_case(ward)
    restoration = documents.start_restoration(actor=Actor(ward.coordinator), case=case, kind="passport")
    client.force_login(ward.coordinator)
    response = client.post(reverse(action, args=[case.pk, restoration.pk]), data, headers=EN, follow=True)
    assert response.status_code == 200 and _messages(response)
    restoration.refresh_from_db()
    assert (restoration.status, restoration.version) == ("to_apply", 1)


@pytest.mark.parametrize(
    "data", [{"kind": "diploma"}, {"document": str(2**70)}, {"document": "7"}, {}, {"kind": "oms", "note": "\x07"}]
)
def test_bad_start_input_is_a_message_and_saves_nothing(client, ward, data):
    case = open_case(ward)
    client.force_login(ward.coordinator)
    response = client.post(reverse("cases:start_restoration", args=[case.pk]), data, headers=EN, follow=True)
    assert response.status_code == 200 and _messages(response)
    assert not DocumentRestoration.objects.exists() and not IdentityDocument.objects.exists()


def test_a_huge_or_foreign_restoration_id_is_not_found(client, ward):
    case = open_case(ward)
    client.force_login(ward.coordinator)
    for pk in (2**63, 999):
        url = reverse("cases:record_receipt", args=[case.pk, pk])
        assert client.post(url, {"version": 1, "received_on": "2024-01-01"}).status_code == 404


def test_a_supervisor_sees_the_sections_without_forms(client, ward):
    case = open_case(ward)
    _consent(ward, case)
    _son(ward)
    documents.start_restoration(actor=Actor(ward.coordinator), case=case, kind="passport")
    client.force_login(ward.hospital_supervisor)
    page = client.get(reverse("cases:detail", args=[case.pk]), headers=EN).content.decode()
    assert 'data-testid="contact"' in page and 'data-testid="restoration"' in page
    for form in ("consent-form", "contact-call-form", "new-call-form", "application-form", "start-restoration-form"):
        assert f'data-testid="{form}"' not in page
