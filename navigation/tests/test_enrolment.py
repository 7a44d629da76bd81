"""Referral, consent or refusal, the case and the assistant chosen by caseload, reassignment, the card."""

import datetime
import subprocess

import pytest
from django.core.exceptions import PermissionDenied

from audit.models import AuditEvent
from cases.models import Case
from cases.selectors import visible_cases
from core.actor import Actor
from core.exceptions import ConcurrentEditError, ValidationError
from navigation import printing, services
from navigation.models import AssistantAssignment, Journey, Referral
from navigation.tests.conftest import referral_input
from people.models import Consent, Person
from people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def referred(clinic, person=None, user=None, **overrides):
    return services.register_referral(
        actor=Actor(user or clinic.assistant), person=person or clinic.patient, data=referral_input(clinic, **overrides)
    )


def enrolled(clinic, person=None, user=None):
    user = user or clinic.assistant
    referral = referred(clinic, person=person, user=user)
    return services.enrol(
        actor=Actor(user), referral=referral, reminders_by="sms", evidence="устно, при враче", expected_version=1
    )


def test_a_referral_is_registered_and_journaled(clinic):
    referral = referred(clinic)
    assert referral.consent == Referral.Consent.PENDING and referral.diagnosis == clinic.c50
    event = AuditEvent.objects.get(object_type="navigation.referral")
    assert event.person_id == clinic.patient.pk


def test_a_referral_outside_c00_d48_or_from_a_hospital_or_in_the_future_is_refused_with_every_reason(clinic):
    with pytest.raises(ValidationError) as error:
        referred(
            clinic,
            diagnosis=clinic.j18,
            polyclinic=clinic.hospital,
            referred_on=datetime.date.today() + datetime.timedelta(days=2),
            referring_doctor="  ",
        )
    assert {"diagnosis", "polyclinic", "referred_on", "referring_doctor"} <= set(error.value.message_dict)
    assert not Referral.objects.exists()


@pytest.mark.parametrize("role", ["operator", "volunteer", "coordinator", "psychologist"])
def test_roles_outside_the_programme_cannot_register_a_referral(clinic, role):
    with pytest.raises(PermissionDenied):
        referred(clinic, user=getattr(clinic, role))
    assert not Referral.objects.exists()


def test_consent_opens_a_case_records_the_consent_and_assigns_the_least_loaded_assistant(clinic):
    journey = enrolled(clinic)
    assert journey.stage == "suspicion" and journey.assistant == clinic.assistant  # both empty: 0/2 before 0/3 by pk
    case = journey.case
    assert case.programme.code == "oncology_navigation" and case.organisation == clinic.polyclinic
    assert Referral.objects.get().case == case and Referral.objects.get().consent == "given"
    assert Consent.objects.filter(person=clinic.patient, scope="programme", withdrawn_at__isnull=True).count() == 1
    assert AssistantAssignment.objects.get(journey=journey).ended_at is None


def test_assistants_are_balanced_by_the_share_of_their_capacity(clinic):
    # assistant: capacity 2, colleague: capacity 3 — in turn by load share: A(0/2), C(0/3), A(1/2)=C(1/3)? no: 1/3 < 1/2
    chosen = [enrolled(clinic, person=PersonFactory()).assistant for _n in range(5)]
    assert chosen == [clinic.assistant, clinic.colleague, clinic.colleague, clinic.assistant, clinic.colleague]
    counts = {u.pk: Journey.objects.filter(assistant=u).count() for u in (clinic.assistant, clinic.colleague)}
    assert counts == {clinic.assistant.pk: 2, clinic.colleague.pk: 3}


def test_when_everyone_is_full_the_least_loaded_gets_the_patient_and_the_journal_says_so(clinic):
    for _n in range(5):
        enrolled(clinic, person=PersonFactory())
    extra = enrolled(clinic, person=PersonFactory())
    event = AuditEvent.objects.filter(object_type="cases.case", object_id=str(extra.case_id)).get()
    assert event.details["over_capacity"] is True


def test_no_assistant_for_the_polyclinic_means_a_clear_refusal_and_nothing_written(clinic):
    referral = referred(clinic, polyclinic=clinic.other_polyclinic)
    clinic.stranger.navigation_capacity.polyclinics.clear()
    with pytest.raises(ValidationError) as error:
        services.enrol(
            actor=Actor(clinic.assistant), referral=referral, reminders_by="sms", evidence="устно", expected_version=1
        )
    assert "Городская поликлиника № 2" in str(error.value)
    assert not Case.objects.exists() and Referral.objects.get().consent == "pending"
    assert not Consent.objects.exists()


def test_a_refusal_is_kept_with_its_reason_and_opens_nothing(clinic):
    referral = referred(clinic)
    with pytest.raises(ValidationError):
        services.record_refusal(actor=Actor(clinic.assistant), referral=referral, reason=" ", expected_version=1)
    services.record_refusal(
        actor=Actor(clinic.assistant), referral=referral, reason="справится сама", expected_version=1
    )
    referral.refresh_from_db()
    assert referral.consent == "refused" and referral.refusal_reason == "справится сама"
    assert not Case.objects.exists()
    with pytest.raises(ValidationError):
        services.enrol(
            actor=Actor(clinic.assistant), referral=referral, reminders_by="sms", evidence="x", expected_version=2
        )


def test_only_the_registrar_or_a_supervisor_records_the_answer(clinic):
    referral = referred(clinic)
    with pytest.raises(PermissionDenied):
        services.enrol(
            actor=Actor(clinic.colleague), referral=referral, reminders_by="sms", evidence="x", expected_version=1
        )
    journey = services.enrol(
        actor=Actor(clinic.supervisor),
        referral=referral,
        reminders_by="call",
        evidence="по телефону",
        expected_version=1,
    )
    assert journey.case.referral.reminders_by == "call"


def test_a_stale_answer_is_refused(clinic):
    referral = referred(clinic)
    services.record_refusal(actor=Actor(clinic.assistant), referral=referral, reason="нет", expected_version=1)
    referral.consent = "pending"  # the page the other user still has open
    with pytest.raises(ConcurrentEditError):
        services.enrol(
            actor=Actor(clinic.assistant), referral=referral, reminders_by="sms", evidence="x", expected_version=1
        )
    assert not Case.objects.exists()


def test_the_assistant_opens_the_card_of_their_patients_only(clinic):
    journey = enrolled(clinic)
    other = PersonFactory()
    assert clinic.assistant.has_perm("people.view_person", clinic.patient)
    assert not clinic.colleague.has_perm("people.view_person", clinic.patient)
    assert not clinic.assistant.has_perm("people.view_person", other)
    assert clinic.assistant.has_perm("navigation.view_journey", journey)
    assert not clinic.colleague.has_perm("navigation.view_journey", journey)


def test_reassignment_keeps_the_history_and_moves_the_card(clinic):
    journey = enrolled(clinic)
    with pytest.raises(PermissionDenied):
        services.reassign(
            actor=Actor(clinic.assistant),
            journey=journey,
            assistant=clinic.colleague,
            reason="отпуск",
            expected_version=1,
        )
    journey = services.reassign(
        actor=Actor(clinic.supervisor), journey=journey, assistant=clinic.colleague, reason="отпуск", expected_version=1
    )
    history = list(AssistantAssignment.objects.filter(journey=journey).order_by("started_at", "pk"))
    assert [h.assistant for h in history] == [clinic.assistant, clinic.colleague]
    assert history[0].ended_at is not None and history[1].ended_at is None and history[1].reason == "отпуск"
    for user in (clinic.assistant, clinic.colleague):
        user = type(user).objects.get(pk=user.pk)  # a fresh request
        assert user.has_perm("people.view_person", Person.objects.get(pk=clinic.patient.pk)) == (
            user == clinic.colleague
        )
    with pytest.raises(ConcurrentEditError):
        services.reassign(
            actor=Actor(clinic.supervisor), journey=journey, assistant=clinic.assistant, reason="x", expected_version=1
        )


def test_navigation_cases_stay_out_of_hospital_coordination(clinic):
    enrolled(clinic)
    assert not visible_cases(clinic.supervisor).exists()


def test_the_card_names_the_assistant_their_phone_the_hotlines_and_dials_by_qr(clinic, tmp_path):
    journey = enrolled(clinic)
    for size in ("a6", "a4"):
        pdf = printing.card_pdf(journey, size)
        assert pdf.startswith(b"%PDF")
        path = tmp_path / f"card-{size}.pdf"
        path.write_bytes(pdf)
        raw = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        text = " ".join(raw.split())
        assert "Кузнецова Наталья" in text
        assert "+7 916 123-00-10" in text or "+7 (916) 123-00-10" in text
        assert "+7 (495) 587-00-51" in text and "051" in text
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
        assert "Pages:           1" in info  # four cards to an A4 sheet, one to an A6
        assert text.count("Ваш персональный помощник") == (4 if size == "a4" else 1)
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
        assert "DejaVu" in fonts and " yes " in fonts  # embedded
    assert "tel:+79161230010" not in printing.qr_svg("+79161230010")  # the number is in the code, not as text
    assert printing.qr_svg("+79161230010").startswith("<svg")
