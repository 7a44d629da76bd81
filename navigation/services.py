"""Business actions of oncology navigation: register a referral, record the patient's answer to the offer of a
personal assistant (agreement opens the case and assigns an assistant; a refusal is kept with its reason),
and reassign. Each checks its permission, validates, writes and journals in one transaction."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from audit.models import Action
from cases.models import Case
from core.actor import Actor
from core.exceptions import ConcurrentEditError, ValidationError
from core.permissions import require
from core.roles import Role
from core.validators import clean_field
from directory.models import DiagnosisCode, Organisation, Programme
from navigation import journeys, printing
from navigation.models import (
    PROGRAMME_NAVIGATION,
    AssistantAssignment,
    AssistantCapacity,
    CallTask,
    Journey,
    Referral,
    Stage,
)
from people import services as people_services
from people.models import Consent, Person
from people.relations import forget_relations

# The suspected diagnoses a referral may carry: chapter II of ICD-10, neoplasms.
ICD_RANGE = ("C00", "D48")
REFERRAL_DAYS_BACK = 365


_text = clean_field  # one text field: cleaned, required, bounded (core.validators)


def in_icd_range(code: str) -> bool:
    """C00–D48 (with subcategories: D48.9 is in, D49 is not)."""
    head = code[:3].upper()
    return ICD_RANGE[0] <= head <= ICD_RANGE[1]


def _journal(actor: Actor, action: str, obj: Any, person_id: int, fields: list[str], **details: Any) -> None:
    audit.record(actor=actor, action=action, obj=obj, person_id=person_id, fields=fields, details=details)


# --- referrals --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferralInput:
    polyclinic: Organisation | None
    referring_doctor: str
    referred_on: datetime.date | None
    diagnosis: DiagnosisCode | None
    urgency: str = Referral.Urgency.ROUTINE
    note: str = ""


def check_referral(data: ReferralInput, today: datetime.date | None = None) -> dict[str, list[str]]:
    """Every problem of a referral at once, per field."""
    today = today or timezone.localdate()
    problems: dict[str, list[str]] = {}
    if data.polyclinic is None or data.polyclinic.kind != Organisation.Kind.POLYCLINIC:
        problems["polyclinic"] = [_("Choose the polyclinic that made the referral.")]
    if data.diagnosis is None or not data.diagnosis.is_active or not in_icd_range(data.diagnosis.code):
        problems["diagnosis"] = [_("Choose the suspected diagnosis from ICD-10, C00–D48.")]
    if data.referred_on is None:
        problems["referred_on"] = [_("Enter the date of the referral.")]
    elif data.referred_on > today:
        problems["referred_on"] = [_("The referral cannot be dated in the future.")]
    elif data.referred_on < today - datetime.timedelta(days=REFERRAL_DAYS_BACK):
        problems["referred_on"] = [_("The referral is more than a year old: check the date.")]
    if data.urgency not in Referral.Urgency.values:
        problems["urgency"] = [_("Choose the urgency.")]
    for name, value, required, limit in (
        ("referring_doctor", data.referring_doctor, True, 200),
        ("note", data.note, False, 500),
    ):
        try:
            _text(value, name, required=required, limit=limit)
        except ValidationError as error:
            problems.update(error.message_dict)
    return problems


def register_referral(*, actor: Actor, person: Person, data: ReferralInput) -> Referral:
    """The assistant registers a referral to an oncologist sent by the polyclinic; the patient's answer to
    the offer of a personal assistant is recorded next (``enrol`` or ``record_refusal``)."""
    require(actor.user, "navigation.register_referral")
    problems = check_referral(data)
    if problems:
        raise ValidationError(problems)
    assert data.polyclinic is not None and data.diagnosis is not None and data.referred_on is not None
    with transaction.atomic():
        referral = Referral.objects.create(
            person=person,
            polyclinic=data.polyclinic,
            referring_doctor=_text(data.referring_doctor, "referring_doctor", limit=200),
            referred_on=data.referred_on,
            diagnosis=data.diagnosis,
            urgency=data.urgency,
            note=_text(data.note, "note", limit=500),
            created_by=actor.user,
        )
        _journal(actor, Action.CREATE, referral, person.pk, ["polyclinic", "diagnosis", "urgency"])
    forget_relations(actor.user)
    return referral


def record_refusal(*, actor: Actor, referral: Referral, reason: str, expected_version: int) -> Referral:
    """The patient declined the personal assistant: kept, with the reason, for the consent rate."""
    require(actor.user, "navigation.record_answer", referral)
    if referral.consent != Referral.Consent.PENDING:
        raise ValidationError({"__all__": _("The patient's answer is already recorded.")})
    reason = _text(reason, "refusal_reason", required=True)
    with transaction.atomic():
        updated = Referral.objects.filter(
            pk=referral.pk, version=expected_version, consent=Referral.Consent.PENDING
        ).update(
            consent=Referral.Consent.REFUSED,
            refusal_reason=reason,
            consent_recorded_at=timezone.now(),
            consent_recorded_by=actor.user,
            version=expected_version + 1,
        )
        if not updated:
            raise ConcurrentEditError(referral.version)
        referral.refresh_from_db()
        _journal(actor, Action.CHANGE, referral, referral.person_id, ["consent"], consent="refused")
    return referral


# --- assistants -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    assistant: User
    active: int
    capacity: int

    @property
    def over_capacity(self) -> bool:
        return self.active >= self.capacity


def assistants_for(polyclinic: Organisation) -> list[Choice]:
    """The personal assistants serving ``polyclinic`` and taking patients, least loaded first (by the share
    of their capacity in use, then by active patients)."""
    capacities = (
        AssistantCapacity.objects.filter(
            polyclinics=polyclinic,
            is_accepting=True,
            assistant__is_active=True,
            assistant__groups__name=Role.NAVIGATOR,
        )
        .select_related("assistant")
        .annotate(
            active=Count("assistant__journeys", filter=~Q(assistant__journeys__stage=Stage.CLOSED), distinct=True)
        )
    )
    choices = [Choice(c.assistant, c.active, c.capacity) for c in capacities]
    return sorted(choices, key=lambda c: (c.active / c.capacity, c.active, c.assistant.pk))


def choose_assistant(polyclinic: Organisation) -> Choice:
    choices = assistants_for(polyclinic)
    if not choices:
        raise ValidationError(
            {
                "__all__": _("No personal assistant serves %(polyclinic)s yet. Ask the administrator.")
                % {"polyclinic": polyclinic}
            }
        )
    return choices[0]


def enrol(*, actor: Actor, referral: Referral, reminders_by: str, evidence: str, expected_version: int) -> Journey:
    """The patient agreed: the consent to the programme is recorded, a case of the programme is opened at the
    polyclinic with its journey at «suspicion», and the least loaded assistant serving the polyclinic is
    assigned (over capacity only when every one of them is full, which the journal says)."""
    require(actor.user, "navigation.record_answer", referral)
    problems: dict[str, list[str]] = {}
    if referral.consent != Referral.Consent.PENDING:
        problems["__all__"] = [_("The patient's answer is already recorded.")]
    if reminders_by not in Referral.Contact.values:
        problems["reminders_by"] = [_("Choose how the patient wants to be reminded.")]
    try:
        evidence = _text(evidence, "evidence", required=True)
    except ValidationError as error:
        problems.update(error.message_dict)
    if problems:
        raise ValidationError(problems)
    programme = Programme.objects.get(code=PROGRAMME_NAVIGATION)
    with transaction.atomic():
        # The referral as the user saw it, locked: a second answer recorded meanwhile is refused before anything.
        if not (
            Referral.objects.select_for_update()
            .filter(pk=referral.pk, version=expected_version, consent=Referral.Consent.PENDING)
            .exists()
        ):
            raise ConcurrentEditError(referral.version)
        # Capacities are read under their lock, so two enrolments at once do not both see the same free place.
        list(AssistantCapacity.objects.select_for_update().filter(polyclinics=referral.polyclinic).values_list("pk"))
        choice = choose_assistant(referral.polyclinic)
        if not Consent.objects.filter(
            person=referral.person, scope=Consent.Scope.PROGRAMME, withdrawn_at__isnull=True
        ).exists():
            people_services.give_consent(
                person=referral.person, scope=Consent.Scope.PROGRAMME, actor=actor, evidence=evidence
            )
        case = Case.objects.create(
            person=referral.person,
            programme=programme,
            organisation=referral.polyclinic,
            coordinator=choice.assistant,
            opened_reason=_("Referral to an oncologist, %(code)s") % {"code": referral.diagnosis_id},
            opened_by=actor.user,
        )
        journey = Journey.objects.create(
            case=case, assistant=choice.assistant, stage_since=journeys.start_of(referral.referred_on)
        )
        AssistantAssignment.objects.create(
            journey=journey, assistant=choice.assistant, reason=_("assigned at enrolment"), by=actor.user
        )
        # The way is counted from the referral (the oncologist within 3 working days of it), and the
        # assistant's first task is to call the new patient: who they are, what comes next.
        steps = journeys.open_stage_steps(journey, Stage.SUSPICION, referral.referred_on)
        CallTask.objects.create(
            journey=journey, kind=CallTask.Kind.WELCOME, due_at=timezone.now(), assigned_to=choice.assistant
        )
        updated = Referral.objects.filter(
            pk=referral.pk, version=expected_version, consent=Referral.Consent.PENDING
        ).update(
            consent=Referral.Consent.GIVEN,
            reminders_by=reminders_by,
            case=case,
            consent_recorded_at=timezone.now(),
            consent_recorded_by=actor.user,
            version=expected_version + 1,
        )
        if not updated:
            raise ConcurrentEditError(referral.version)
        referral.refresh_from_db()
        _journal(
            actor,
            Action.CREATE,
            case,
            referral.person_id,
            ["programme", "assistant"],
            referral=referral.pk,
            assistant=choice.assistant.pk,
            over_capacity=choice.over_capacity,
            steps=len(steps),
        )
    forget_relations(actor.user)
    return journey


def reassign(*, actor: Actor, journey: Journey, assistant: User, reason: str, expected_version: int) -> Journey:
    """A supervisor gives the patient another assistant; the history keeps who assisted when, and why."""
    require(actor.user, "navigation.reassign", journey)
    reason = _text(reason, "reason", required=True)
    if not assistant.is_active or not assistant.groups.filter(name=Role.NAVIGATOR).exists():
        raise ValidationError({"assistant": _("Choose an active personal assistant.")})
    if assistant.pk == journey.assistant_id:
        raise ValidationError({"assistant": _("This assistant already assists the patient.")})
    now = timezone.now()
    with transaction.atomic():
        updated = Journey.objects.filter(case=journey.case_id, version=expected_version).update(
            assistant=assistant, version=expected_version + 1, updated_at=now
        )
        if not updated:
            raise ConcurrentEditError(journey.version)
        Case.objects.filter(pk=journey.case_id).update(coordinator=assistant)
        AssistantAssignment.objects.filter(journey=journey, ended_at__isnull=True).update(ended_at=now)
        AssistantAssignment.objects.create(
            journey=journey, assistant=assistant, reason=reason, by=actor.user, started_at=now
        )
        # The calls not yet made go with the patient to the new assistant.
        moved = CallTask.objects.filter(journey=journey, done_at__isnull=True).update(
            assigned_to=assistant, updated_at=now
        )
        journey.refresh_from_db()
        _journal(
            actor,
            Action.CHANGE,
            journey.case,
            journey.case.person_id,
            ["assistant"],
            assistant=assistant.pk,
            call_tasks=moved,
        )
    return journey


def print_card(*, actor: Actor, journey: Journey, size: str = "a6") -> bytes:
    """The patient's card as a PDF; journaled as an export of the patient's data."""
    require(actor.user, "navigation.view_journey", journey)
    pdf = printing.card_pdf(journey, size)
    with transaction.atomic():
        _journal(actor, Action.EXPORT, journey.case, journey.case.person_id, ["card"], document=f"card_{size}")
    return pdf
