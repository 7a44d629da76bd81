"""The demo cases step: issue 12's flows (hand-offs in every state, calls to relatives, document
restorations, crises) made through the real services, once."""

import datetime
from collections import Counter
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from assistance.models import Assignment, HelpRequest
from audit.services import verify_chain
from cases import staff
from cases.models import Case, CrisisAlert, DocumentRestoration, Handoff, RelativeCall
from demo.seed import SeedContext
from demo.seed import cases as cases_step
from notify.models import OutboxMessage
from people.models import Consent, ContactPerson, IdentityDocument

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(**options: Any) -> str:
    out = StringIO()
    call_command("seed_demo", people=300, requests=40, stdout=out, **options)
    return out.getvalue()


def snapshot() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            Case,
            Handoff,
            HelpRequest,
            RelativeCall,
            DocumentRestoration,
            CrisisAlert,
            ContactPerson,
            Consent,
            IdentityDocument,
            OutboxMessage,
        )
    }


def test_the_demo_shows_every_flow_of_issue_12_and_a_second_run_adds_nothing() -> None:
    output = seed()
    now = timezone.now()

    # Hand-offs: one of each state, all moved by the TCSO through the request they follow.
    assert Counter(Handoff.objects.values_list("status", flat=True)) == {
        "requested": 2,
        "accepted": 1,
        "completed": 1,
        "rejected": 1,
    }
    assert Handoff.objects.filter(tcso__workers__user__username="dispatcher").count() >= 2
    waiting = Handoff.objects.filter(status="requested", tcso__workers__user__username="dispatcher")
    assert waiting.count() == 2  # both in the demo dispatcher's queue
    (escalated,) = Handoff.objects.filter(escalated_at__isnull=False)
    assert escalated.status == "requested"
    assert escalated.created_at < now - datetime.timedelta(hours=24) and escalated.accept_by < now
    assert OutboxMessage.objects.filter(dedup_key__startswith=f"handoff-escalated:{escalated.pk}:").exists()
    for handoff in Handoff.objects.select_related("request", "step", "case"):
        assert handoff.request.tcso_id == handoff.tcso_id
        assert handoff.tcso.districts.filter(pk=handoff.case.person.district_id).exists()
        assert handoff.case.person.consents.filter(scope="share_with_tcso", withdrawn_at__isnull=True).exists()
    accepted = Handoff.objects.select_related("request").get(status="accepted")
    assert accepted.request.status == "assigned"
    assert Assignment.objects.get(request=accepted.request, outcome="").worker.organisation_id == accepted.tcso_id
    completed = Handoff.objects.select_related("request__service_type", "step").get(status="completed")
    assert completed.request.status == "done" and completed.step.status == "done"
    if completed.request.service_type.handles_money:
        assert Assignment.objects.get(request=completed.request).money_spent is not None
    rejected = Handoff.objects.select_related("request", "step").get(status="rejected")
    assert rejected.request.status == "cancelled" and rejected.step.status == "failed"
    assert rejected.status_reason == cases_step.REJECTION

    # Calls to relatives: with the patient's consent, unanswered first, then reached and on the card.
    calls = list(RelativeCall.objects.order_by("called_at"))
    assert [c.outcome for c in calls] == ["no_answer", "reached"]
    assert len({c.case_id for c in calls}) == 1
    patient = calls[0].case.person
    assert patient.consents.filter(scope="contact_relatives", withdrawn_at__isnull=True).exists()
    assert calls[1].contact is not None and calls[1].contact.may_contact
    assert calls[1].contact.person_id == patient.pk

    # Document restorations: one applied for (ready in 10 days), one received.
    applied = DocumentRestoration.objects.select_related("document").get(status="applied")
    assert applied.expected_on == timezone.localdate() + datetime.timedelta(days=10)
    assert applied.document.status == "restoring"
    received = DocumentRestoration.objects.select_related("document").get(status="received")
    assert received.received_on is not None and received.document.status == "restored"

    # Crises: one open and unanswered for 12 minutes, one answered in 9 minutes and ended, on two cases.
    open_alert = CrisisAlert.objects.get(ended_at__isnull=True)
    assert open_alert.answered_at is None
    assert 11 <= (now - open_alert.raised_at).total_seconds() / 60 <= 13
    ended = CrisisAlert.objects.select_related("case").get(ended_at__isnull=False)
    assert ended.minutes_to_answer == 9 and ended.outcome
    assert ended.answered_by in staff.psychologists_of(ended.case.organisation_id)
    assert ended.case_id != open_alert.case_id

    assert "5 hand-offs" in output and "2 crises" in output
    assert verify_chain().ok

    before = snapshot()
    again = seed()
    assert snapshot() == before
    assert "Demo cases: 12 cases" in again and "(0 added)" in again


def test_without_the_catalogue_the_hand_offs_are_skipped_and_the_rest_is_made(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("demo.seed.requests.seed_requests", lambda **kwargs: 0)  # it loads the catalogue

    seed()

    assert not Handoff.objects.exists()
    assert Case.objects.filter(programme__code="hospital_coordination").count() == len(cases_step.STORIES)
    assert RelativeCall.objects.count() == 2
    assert DocumentRestoration.objects.count() == 2
    assert CrisisAlert.objects.count() == 2


def test_without_the_demo_coordinator_nothing_is_made() -> None:
    call_command("load_reference", stdout=StringIO())

    assert cases_step.seed(SeedContext(password="x")) == 0
    assert not Case.objects.filter(programme__code="hospital_coordination").exists()
