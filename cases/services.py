"""Business actions on cases. Each checks its permission, validates, writes and journals in one transaction."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from audit.models import Action
from cases import printing, workflow
from cases.models import (
    PROGRAMME_HOSPITAL,
    Case,
    HospitalStay,
    Need,
    NeedsAssessment,
    Responsible,
    RouteStep,
    StepKind,
    StepTemplate,
)
from core.actor import Actor
from core.exceptions import ValidationError
from core.permissions import own_organisation_id, require
from core.services import save_versioned
from core.validators import clean_text
from directory.models import Organisation, Programme
from people.models import Person

MAX_STEPS_PER_CASE = 200


def _text(value: str, field: str, *, required: bool = False, multiline: bool = False, limit: int = 500) -> str:
    try:
        text = " ".join(clean_text(value or "").split()) if not multiline else clean_text(value or "", multiline=True)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from error
    text = text.strip()
    if required and not text:
        raise ValidationError({field: _("This field is required.")})
    if len(text) > limit:
        raise ValidationError({field: _("At most %(n)d characters.") % {"n": limit}})
    return text


def _journal(actor: Actor, action: str, case: Case, *, fields: Iterable[str] = (), **details: Any) -> None:
    audit.record(actor=actor, action=action, obj=case, person_id=case.person_id, fields=fields, details=details)


# --- opening and closing --------------------------------------------------------------------------


@dataclass(frozen=True)
class StayDetails:
    department: str = ""
    emergency_not_admitted: bool = False
    admitted_on: datetime.date | None = None
    expected_discharge_on: datetime.date | None = None


def check_stay(stay: StayDetails, today: datetime.date | None = None) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    today = today or timezone.localdate()
    if stay.emergency_not_admitted and (stay.admitted_on or stay.expected_discharge_on):
        problems["admitted_on"] = [_("An emergency patient who was not admitted has no admission or discharge dates.")]
    if not stay.emergency_not_admitted and stay.admitted_on is None:
        problems["admitted_on"] = [_("Enter the admission date, or tick “emergency, not admitted”.")]
    if stay.admitted_on and stay.admitted_on > today:
        problems["admitted_on"] = [_("The admission date cannot be in the future.")]
    if stay.admitted_on and stay.admitted_on < today - datetime.timedelta(days=3 * 365):
        problems["admitted_on"] = [_("The admission date is more than three years ago: check it.")]
    if stay.expected_discharge_on and stay.admitted_on and stay.expected_discharge_on < stay.admitted_on:
        problems["expected_discharge_on"] = [_("The expected discharge cannot be before the admission.")]
    return problems


def open_hospital_case(*, actor: Actor, person: Person, reason: str, stay: StayDetails) -> Case:
    """A coordinator opens a case for a patient of their own hospital; journaled with the reason.

    Opening the case is what gives the coordinator the patient's full card (people's relation
    ``cases``), so the reason is required, as for any look into a record nobody has shown them.
    """
    require(actor.user, "cases.open_case")
    hospital_id = own_organisation_id(actor.user)
    hospital = (
        Organisation.objects.filter(pk=hospital_id, kind=Organisation.Kind.HOSPITAL).first() if hospital_id else None
    )
    if hospital is None:
        raise ValidationError({"__all__": _("Your account is not linked to a hospital. Ask the administrator.")})
    problems = check_stay(stay)
    try:
        reason = _text(reason, "reason", required=True, limit=300)
        department = _text(stay.department, "department", limit=200)
    except ValidationError as error:
        problems.update(error.message_dict)
    if problems:
        raise ValidationError(problems)
    programme = Programme.objects.get(code=PROGRAMME_HOSPITAL)
    existing = Case.objects.filter(person=person, programme=programme, organisation=hospital, status="open").first()
    if existing is not None:
        raise ValidationError(
            {"__all__": _("This patient already has an open case here: № %(n)s.") % {"n": existing.pk}}
        )
    try:
        with transaction.atomic():
            case = Case.objects.create(
                person=person,
                programme=programme,
                organisation=hospital,
                coordinator=actor.user,
                opened_reason=reason,
                opened_by=actor.user,
            )
            HospitalStay.objects.create(
                case=case,
                department=department,
                emergency_not_admitted=stay.emergency_not_admitted,
                admitted_on=stay.admitted_on,
                expected_discharge_on=stay.expected_discharge_on,
            )
            _journal(actor, Action.CREATE, case, fields=["person", "organisation", "stay"], reason=reason)
    except IntegrityError as error:  # two coordinators opened it at the same moment
        raise ValidationError({"__all__": _("This patient already has an open case here.")}) from error
    return case


def update_stay(
    *, actor: Actor, case: Case, stay: StayDetails, discharged_on: datetime.date | None, expected_version: int
) -> Case:
    require(actor.user, "cases.change_case", case)
    if not case.is_open:
        raise ValidationError({"__all__": _("The case is closed.")})
    problems = check_stay(stay)
    if discharged_on and stay.admitted_on and discharged_on < stay.admitted_on:
        problems["discharged_on"] = [_("The discharge cannot be before the admission.")]
    if discharged_on and discharged_on > timezone.localdate():
        problems["discharged_on"] = [_("The discharge date cannot be in the future.")]
    department = _text(stay.department, "department", limit=200)
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        save_versioned(case, expected_version=expected_version, fields=[])
        HospitalStay.objects.update_or_create(
            case=case,
            defaults={
                "department": department,
                "emergency_not_admitted": stay.emergency_not_admitted,
                "admitted_on": stay.admitted_on,
                "expected_discharge_on": stay.expected_discharge_on,
                "discharged_on": discharged_on,
            },
        )
        _journal(actor, Action.CHANGE, case, fields=["stay"])
    return case


def close_case(*, actor: Actor, case: Case, outcome: str, note: str, expected_version: int) -> Case:
    require(actor.user, "cases.change_case", case)
    if not case.is_open:
        raise ValidationError({"__all__": _("The case is already closed.")})
    if outcome not in Case.Outcome.values:
        raise ValidationError({"outcome": _("Choose how the case ended.")})
    note = _text(note, "outcome_note", limit=500)
    if case.crises.filter(ended_at__isnull=True).exists():
        raise ValidationError({"__all__": _("A crisis is open on this case: end it before closing the case.")})
    unfinished = list(case.steps.filter(status__in=[RouteStep.Status.PLANNED, RouteStep.Status.IN_PROGRESS]))
    if unfinished:
        titles = ", ".join(f"«{step.title}»" for step in unfinished[:5])
        raise ValidationError(
            {"__all__": _("Finish these steps first, or mark them not needed: %(steps)s.") % {"steps": titles}}
        )
    with transaction.atomic():
        case.status, case.outcome, case.outcome_note, case.closed_at = Case.Status.CLOSED, outcome, note, timezone.now()
        save_versioned(
            case, expected_version=expected_version, fields=["status", "outcome", "outcome_note", "closed_at"]
        )
        _journal(actor, Action.CHANGE, case, fields=["status", "outcome"], outcome=outcome)
    return case


# --- needs and the route --------------------------------------------------------------------------


@dataclass(frozen=True)
class StepProposal:
    need: str
    kind: str
    title: str
    responsible: str
    due_on: datetime.date | None

    @property
    def responsible_label(self) -> str:
        return str(dict(Responsible.choices).get(self.responsible, self.responsible))


def proposals_for(case: Case, needs: Iterable[str], today: datetime.date | None = None) -> list[StepProposal]:
    """The steps the templates propose for ``needs``: the hospital's own templates for a need, else the
    city's; a step the route already has (same need and kind, not finished) is not proposed again."""
    today = today or timezone.localdate()
    wanted = [need for need in Need.values if need in set(needs)]
    templates = list(StepTemplate.objects.filter(need__in=wanted, is_active=True).order_by("need", "position", "pk"))
    own = {t.need for t in templates if t.organisation_id == case.organisation_id}
    chosen = [
        t
        for t in templates
        if (t.organisation_id == case.organisation_id) or (t.organisation_id is None and t.need not in own)
    ]
    present = set(case.steps.exclude(status__in=[RouteStep.Status.NOT_NEEDED]).values_list("need", "kind"))
    proposals = []
    for need in wanted:
        for template in [t for t in chosen if t.need == need]:
            if (template.need, template.kind) in present:
                continue
            proposals.append(
                StepProposal(
                    need=need,
                    kind=template.kind,
                    title=template.title,
                    responsible=template.responsible,
                    due_on=today + datetime.timedelta(days=template.due_in_days),
                )
            )
    return proposals


def assess_needs(*, actor: Actor, case: Case, needs: Iterable[str], note: str = "") -> NeedsAssessment:
    """Record the needs found now (a new, numbered assessment; the earlier ones are kept)."""
    require(actor.user, "cases.change_case", case)
    if not case.is_open:
        raise ValidationError({"__all__": _("The case is closed.")})
    found = [need for need in Need.values if need in set(needs)]
    unknown = set(needs) - set(Need.values)
    if unknown:
        raise ValidationError({"needs": _("Unknown needs: %(codes)s.") % {"codes": ", ".join(sorted(unknown))}})
    note = _text(note, "note", multiline=True, limit=4000)
    with transaction.atomic():
        Case.objects.select_for_update().filter(pk=case.pk).first()
        number = (case.assessments.aggregate(n=Max("number"))["n"] or 0) + 1
        assessment = NeedsAssessment.objects.create(
            case=case, number=number, needs=found, note=note, assessed_by=actor.user
        )
        _journal(actor, Action.CHANGE, case, fields=["needs"], assessment=number, needs=found)
    return assessment


@dataclass(frozen=True)
class NewStep:
    title: str
    kind: str = StepKind.OTHER
    responsible: str = Responsible.COORDINATOR
    due_on: datetime.date | None = None
    need: str = ""


def check_step(step: NewStep, field_prefix: str = "") -> tuple[NewStep, dict[str, list[str]]]:
    problems: dict[str, list[str]] = {}
    try:
        title = _text(step.title, f"{field_prefix}title", required=True, limit=200)
    except ValidationError as error:
        problems.update(error.message_dict)
        title = ""
    if step.kind not in StepKind.values:
        problems[f"{field_prefix}kind"] = [_("Choose the kind of step.")]
    if step.responsible not in Responsible.values:
        problems[f"{field_prefix}responsible"] = [_("Choose who is responsible.")]
    if step.need and step.need not in Need.values:
        problems[f"{field_prefix}need"] = [_("Unknown need.")]
    if step.due_on and not (datetime.date(2000, 1, 1) <= step.due_on <= datetime.date(2100, 12, 31)):
        problems[f"{field_prefix}due_on"] = [_("Enter a date between 2000 and 2100.")]
    return NewStep(
        title=title, kind=step.kind, responsible=step.responsible, due_on=step.due_on, need=step.need
    ), problems


def add_steps(*, actor: Actor, case: Case, steps: list[NewStep]) -> list[RouteStep]:
    """Append steps to the route (accepted proposals, edited or not, and the coordinator's own)."""
    require(actor.user, "cases.change_case", case)
    if not case.is_open:
        raise ValidationError({"__all__": _("The case is closed.")})
    if not steps:
        raise ValidationError({"__all__": _("Choose at least one step.")})
    cleaned, problems = [], {}
    for index, step in enumerate(steps):
        good, found = check_step(step, f"{index}-" if len(steps) > 1 else "")
        cleaned.append(good)
        problems.update(found)
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        Case.objects.select_for_update().filter(pk=case.pk).first()
        last = case.steps.aggregate(n=Max("position"))["n"] or 0
        if case.steps.count() + len(cleaned) > MAX_STEPS_PER_CASE:
            raise ValidationError({"__all__": _("A route has at most %(n)d steps.") % {"n": MAX_STEPS_PER_CASE}})
        created = RouteStep.objects.bulk_create(
            [
                RouteStep(
                    case=case,
                    position=last + n,
                    need=s.need,
                    kind=s.kind,
                    title=s.title,
                    responsible=s.responsible,
                    due_on=s.due_on,
                    created_by=actor.user,
                )
                for n, s in enumerate(cleaned, start=1)
            ]
        )
        _journal(actor, Action.CHANGE, case, fields=["route"], added=[s.title for s in cleaned])
    return created


def move_step(
    *, actor: Actor, step: RouteStep, to: str, expected_version: int, result: str = "", reason: str = ""
) -> RouteStep:
    """Move a step along its life (cases.workflow); a failure needs its reason, a step done may say its result."""
    case = step.case
    if not actor.user.has_perm("cases.move_psychologist_step", step):
        require(actor.user, "cases.change_case", case)
    if not case.is_open:
        raise ValidationError({"__all__": _("The case is closed.")})
    if not workflow.allowed(step.status, to):
        labels = dict(RouteStep.Status.choices)
        raise ValidationError(
            {
                "to": _("This step cannot go from “%(from)s” to “%(to)s”.")
                % {"from": labels[step.status], "to": labels.get(to, to)}
            }
        )
    reason = _text(reason, "reason", required=to in workflow.REASON_REQUIRED, limit=500)
    result = _text(result, "result", multiline=True, limit=4000)
    with transaction.atomic():
        step.status = to
        step.failure_reason = reason if to == RouteStep.Status.FAILED else ""
        if result:
            step.result = result
        step.finished_at = (
            timezone.now()
            if to in (RouteStep.Status.DONE, RouteStep.Status.FAILED, RouteStep.Status.NOT_NEEDED)
            else None
        )
        save_versioned(
            step, expected_version=expected_version, fields=["status", "failure_reason", "result", "finished_at"]
        )
        _journal(actor, Action.CHANGE, case, fields=["route"], step=step.pk, to=to)
    return step


# --- printing ---------------------------------------------------------------------------------------


def export_route(*, actor: Actor, case: Case) -> bytes:
    """The route of help as a PDF for the patient; journaled as an export of the citizen's data."""
    require(actor.user, "cases.view_case", case)
    pdf = printing.route_pdf(case)
    with transaction.atomic():
        _journal(actor, Action.EXPORT, case, fields=["route"], document="route_pdf")
    return pdf
