"""The assistant hands the patient over to the other services from the journey (issue 14, §4).

- The psychological service: a consultation for the patient or one of their relatives. It is carried as a
  route step of the patient's case, «psychologist's consultation», addressed to the service
  (``RouteStep.addressed_to``): the service's psychologists see it on their day and book it, and the
  consultation held closes the step, as for a hospital coordinator's request.
- The TCSO of the patient's district: a help request (intake channel «from a case») routed as any other;
  the patient's consent to share their data with the TCSO is needed and may be recorded here.

Each checks the permission, validates, writes and journals in one transaction.
"""

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assistance import services as assistance
from assistance.models import HelpRequest, IntakeChannel, ServiceType, Urgency
from audit import services as audit
from audit.models import Action
from cases.models import Responsible, RouteStep, StepKind
from core.actor import Actor
from core.exceptions import ValidationError
from core.permissions import require
from core.validators import clean_field
from directory.models import Organisation
from navigation.models import Handover, Journey
from people import services as people_services
from people.models import Consent, ContactPerson
from scheduling.workdays import add_working_days

# A consultation the service is asked for is due within this many working days.
PSYCH_DUE_WORKING_DAYS = 3
CITY_LANGUAGE = "ru"


def psych_services() -> list[Organisation]:
    """The psychological services a patient can be handed over to."""
    return list(Organisation.objects.filter(kind=Organisation.Kind.PSYCH_SERVICE, is_active=True).order_by("name"))


def _sender(journey: Journey, user: object) -> str:
    assistant = journey.assistant
    name = " ".join(p for p in (assistant.last_name, assistant.first_name) if p) or assistant.get_username()
    return f"Персональный помощник онкологического пациента: {name}, случай № {journey.case_id}."


def _journal(actor: Actor, journey: Journey, handover: Handover, **details: object) -> None:
    audit.record(
        actor=actor,
        action=Action.CHANGE,
        obj=journey.case,
        person_id=journey.case.person_id,
        fields=["handovers"],
        details={"handover": handover.pk, "kind": handover.kind, **details},
    )


def ask_psychologist(
    *,
    actor: Actor,
    journey: Journey,
    service: Organisation | None,
    relative: ContactPerson | None = None,
    note: str = "",
) -> Handover:
    """Ask the psychological service for a consultation for the patient or, with ``relative``, for them."""
    require(actor.user, "navigation.change_journey", journey)
    problems: dict[str, list[str]] = {}
    if not journey.is_active:
        problems["__all__"] = [_("The patient's journey is closed.")]
    if service is None or service.pk not in {s.pk for s in psych_services()}:
        problems["service"] = [_("Choose the psychological service.")]
    if relative is not None and relative.person_id != journey.case.person_id:
        problems["relative"] = [_("Choose one of the patient's relatives.")]
    try:
        note = clean_field(note, "note", limit=150)
    except ValidationError as error:
        problems.update(error.message_dict)
    if problems:
        raise ValidationError(problems)
    with translation.override(CITY_LANGUAGE):  # the step's title is the service's data, in the city's language
        if relative is not None:
            title = _("Psychologist's consultation for a relative: %(name)s") % {"name": relative.full_name}
        else:
            title = _("Psychologist's consultation for the patient")
    title += f": {note}" if note else ""
    case = journey.case
    with transaction.atomic():
        position = (case.steps.order_by("-position").values_list("position", flat=True).first() or 0) + 1
        step = RouteStep.objects.create(
            case=case,
            position=position,
            kind=StepKind.PSYCHOLOGIST,
            title=title[:200],
            responsible=Responsible.PSYCHOLOGIST,
            addressed_to=service,
            due_on=add_working_days(timezone.localdate(), PSYCH_DUE_WORKING_DAYS),
            created_by=actor.user,
        )
        handover = Handover.objects.create(
            journey=journey, kind=Handover.Kind.PSYCHOLOGIST, route_step=step, created_by=actor.user
        )
        _journal(actor, journey, handover, step=step.pk, service=service.pk if service else None)
    return handover


def ask_tcso(
    *,
    actor: Actor,
    journey: Journey,
    service_type: ServiceType | None,
    details: str,
    urgency: str = Urgency.NORMAL,
    consent_evidence: str = "",
) -> Handover:
    """Ask the TCSO of the patient's district for help (food and medicines, home care…): a help request.
    Without the patient's consent to share their data with the TCSO it is refused, unless the consent is
    recorded at the same time (``consent_evidence``: how it was given)."""
    require(actor.user, "navigation.change_journey", journey)
    person = journey.case.person
    problems: dict[str, list[str]] = {}
    if not journey.is_active:
        problems["__all__"] = [_("The patient's journey is closed.")]
    consented = Consent.objects.filter(
        person=person, scope=Consent.Scope.SHARE_WITH_TCSO, withdrawn_at__isnull=True
    ).exists()
    try:
        consent_evidence = clean_field(consent_evidence, "consent_evidence", limit=300)
    except ValidationError as error:
        problems.update(error.message_dict)
    else:
        if not consented and not consent_evidence:
            problems["consent_evidence"] = [
                _("The patient has not consented to sharing their data with the TCSO: record how they consented.")
            ]
    try:
        details = clean_field(details, "details", limit=3000, multiline=True)
    except ValidationError as error:
        problems.update(error.message_dict)
    if problems:
        raise ValidationError(problems)
    data = assistance.RequestInput(
        service_type=service_type,
        details=f"{_sender(journey, actor.user)}\n{details}".strip(),
        urgency=urgency,
        intake_channel=IntakeChannel.CASE,
    )
    if request_problems := assistance.check_request(person=person, data=data, actor=actor):
        raise ValidationError(request_problems)
    with transaction.atomic():
        if not consented:
            people_services.give_consent(
                person=person, scope=Consent.Scope.SHARE_WITH_TCSO, actor=actor, evidence=consent_evidence
            )
        help_request: HelpRequest = assistance.create_request(person=person, data=data, actor=actor)
        handover = Handover.objects.create(
            journey=journey, kind=Handover.Kind.TCSO, help_request=help_request, created_by=actor.user
        )
        _journal(actor, journey, handover, request=help_request.pk, tcso=help_request.tcso_id)
    return handover


__all__ = ["ask_psychologist", "ask_tcso", "psych_services"]
