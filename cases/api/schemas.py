"""Shapes of the cases API's requests and answers, and the answers built from the records.

Input schemas check JSON types and bounds, and state the enumerations the services check (and word
the refusals of); the rules themselves are the services'.
"""

import datetime
from typing import Annotated, Any

from ninja import Schema
from pydantic import AliasChoices, Field

from api.schemas import Strict, one_of
from assistance.api import IdNameOut
from cases import workflow
from cases.models import Case, Handoff, HospitalStay, Need, NeedsAssessment, Responsible, RouteStep, StepKind
from core.validators import MAX_ID

# Most steps one request may add (a route holds at most services.MAX_STEPS_PER_CASE).
MAX_STEPS_PER_REQUEST = 50
# The version columns are 32-bit integers on PostgreSQL and a write sets the next version, which must fit
# as well (else PostgreSQL, or SQLite for a 64-bit one, fails the statement: a server error).
MAX_VERSION = 2**31 - 2
NeedCode = Annotated[str, Field(max_length=20, json_schema_extra=one_of(Need.values))]


class StayFieldsIn(Strict):
    department: str = Field(default="", max_length=200, description="Hospital department, e.g. Терапия.")
    emergency_not_admitted: bool = Field(
        default=False, description="Seen in the emergency department and not admitted: no stay dates."
    )
    admitted_on: datetime.date | None = Field(default=None, description="Required unless emergency_not_admitted.")
    expected_discharge_on: datetime.date | None = None


class CaseCreateIn(StayFieldsIn):
    person_id: int = Field(
        validation_alias=AliasChoices("person_id", "person"), ge=1, le=MAX_ID, description="Id of the citizen."
    )
    reason: str = Field(max_length=300, description="Why the case is opened; it goes into the journal.")


class CaseChangeIn(Strict):
    """Fields not sent keep their values; ``outcome`` closes the case (after the stay's changes, if any)."""

    version: int = Field(ge=0, le=MAX_VERSION, description="The version of the case the change is based on.")
    department: str | None = Field(default=None, max_length=200)
    emergency_not_admitted: bool | None = None
    admitted_on: datetime.date | None = None
    expected_discharge_on: datetime.date | None = None
    discharged_on: datetime.date | None = None
    outcome: str = Field(
        default="",
        max_length=20,
        description="How the case ended; closes it. Every step must be finished first.",
        json_schema_extra=one_of(Case.Outcome.values),
    )
    outcome_note: str = Field(default="", max_length=500, description="A note on the outcome, when closing.")


class StepIn(Strict):
    title: str = Field(max_length=200, description="What is to be done.")
    kind: str = Field(default=StepKind.OTHER.value, max_length=20, json_schema_extra=one_of(StepKind.values))
    responsible: str = Field(
        default=Responsible.COORDINATOR.value, max_length=20, json_schema_extra=one_of(Responsible.values)
    )
    due_on: datetime.date | None = Field(default=None, description="Between 2000 and 2100.")
    need: str = Field(
        default="",
        max_length=20,
        description="The need the step answers (a proposal's), or empty.",
        json_schema_extra=one_of(["", *Need.values]),
    )


class StepsIn(Strict):
    steps: list[StepIn] = Field(
        min_length=1, max_length=MAX_STEPS_PER_REQUEST, description="Appended to the route in this order."
    )


class StepMoveIn(Strict):
    to: str = Field(
        max_length=20,
        description="planned, in_progress, done, not_needed or failed (see the step's ``moves``).",
        json_schema_extra=one_of(RouteStep.Status.values),
    )
    version: int = Field(ge=0, le=MAX_VERSION, description="The version of the step the move is based on.")
    result: str = Field(default="", max_length=4000, description="What was done (kept when empty).")
    reason: str = Field(default="", max_length=500, description="Required for failed.")


class AssessmentIn(Strict):
    needs: list[NeedCode] = Field(max_length=len(Need.values), description="The needs found now; empty for none.")
    note: str = Field(default="", max_length=4000)


class CoordinatorOut(Schema):
    username: str
    full_name: str


class StayOut(Schema):
    department: str
    emergency_not_admitted: bool
    admitted_on: datetime.date | None
    expected_discharge_on: datetime.date | None
    discharged_on: datetime.date | None


class CaseOut(Schema):
    id: int
    version: int
    person: IdNameOut
    organisation: IdNameOut
    coordinator: CoordinatorOut | None
    status: str = Field(json_schema_extra=one_of(Case.Status.values))
    outcome: str = Field(description="Empty while the case is open.")
    outcome_note: str
    stay: StayOut | None
    open_steps: int = Field(description="Steps not finished yet.")
    overdue_steps: int = Field(description="Unfinished steps past their due date.")
    opened_at: datetime.datetime
    closed_at: datetime.datetime | None


class CaseListOut(Schema):
    count: int
    results: list[CaseOut]


class StepOut(Schema):
    id: int
    version: int
    position: int
    need: str
    kind: str
    title: str
    responsible: str
    due_on: datetime.date | None
    status: str = Field(json_schema_extra=one_of(RouteStep.Status.values))
    result: str
    failure_reason: str
    finished_at: datetime.datetime | None
    is_overdue: bool
    is_due_soon: bool = Field(description="Due within 7 days.")
    moves: list[str] = Field(description="The statuses the caller may move the step to now.")


class StepListOut(Schema):
    count: int
    results: list[StepOut]


class AssessmentOut(Schema):
    number: int
    needs: list[str]
    note: str
    assessed_by: str = Field(description="Full name (or username) of who assessed.")
    assessed_at: datetime.datetime


class CaseDetailOut(CaseOut):
    latest_assessment: AssessmentOut | None
    assessments_count: int
    steps: list[StepOut]


class ProposalOut(Schema):
    need: str
    kind: str
    title: str
    responsible: str
    due_on: datetime.date | None


class AssessmentCreatedOut(Schema):
    assessment: AssessmentOut
    proposals: list[ProposalOut] = Field(
        description="Steps the templates propose for these needs; add the chosen ones with POST …/steps."
    )


# --- answers ---------------------------------------------------------------------------------------
def full_name(user: Any) -> str:
    return user.get_full_name() or user.get_username()


def stay_out(case: Case) -> StayOut | None:
    try:
        stay: HospitalStay = case.stay
    except HospitalStay.DoesNotExist:
        return None
    return StayOut(
        department=stay.department,
        emergency_not_admitted=stay.emergency_not_admitted,
        admitted_on=stay.admitted_on,
        expected_discharge_on=stay.expected_discharge_on,
        discharged_on=stay.discharged_on,
    )


def case_fields(case: Case) -> dict[str, Any]:
    """The fields of CaseOut; ``case`` comes from :func:`_cases` (with its step counts)."""
    coordinator = case.coordinator
    return {
        "id": case.pk,
        "version": case.version,
        "person": IdNameOut(id=case.person.pk, name=case.person.full_name),
        "organisation": IdNameOut(id=case.organisation.pk, name=case.organisation.name),
        "coordinator": (
            CoordinatorOut(username=coordinator.get_username(), full_name=full_name(coordinator))
            if coordinator
            else None
        ),
        "status": case.status,
        "outcome": case.outcome,
        "outcome_note": case.outcome_note,
        "stay": stay_out(case),
        "open_steps": case.n_open,  # type: ignore[attr-defined]
        "overdue_steps": case.n_overdue,  # type: ignore[attr-defined]
        "opened_at": case.created_at,
        "closed_at": case.closed_at,
    }


def step_out(step: RouteStep, may_move: bool, today: datetime.date) -> StepOut:
    return StepOut(
        id=step.pk,
        version=step.version,
        position=step.position,
        need=step.need,
        kind=step.kind,
        title=step.title,
        responsible=step.responsible,
        due_on=step.due_on,
        status=step.status,
        result=step.result,
        failure_reason=step.failure_reason,
        finished_at=step.finished_at,
        is_overdue=step.overdue(today),
        is_due_soon=step.due_soon(today),
        moves=[to for to, _label in workflow.moves(step.status)] if may_move else [],
    )


def assessment_out(assessment: NeedsAssessment) -> AssessmentOut:
    return AssessmentOut(
        number=assessment.number,
        needs=list(assessment.needs),
        note=assessment.note,
        assessed_by=full_name(assessment.assessed_by),
        assessed_at=assessment.assessed_at,
    )


# --- hand-offs to the TCSO ----------------------------------------------------------------------------
class HandoffIn(Strict):
    step_id: int = Field(ge=1, le=MAX_ID, description="The route step to hand over (unfinished, not handed over now).")
    service_type: str = Field(max_length=50, description="Code of the service the TCSO is asked for (the catalogue).")
    urgency: str = Field(default="normal", max_length=10, json_schema_extra=one_of(["normal", "urgent"]))
    details: str = Field(default="", max_length=4000, description="What the TCSO should know.")


class HandoffWithdrawIn(Strict):
    reason: str = Field(min_length=1, max_length=500, description="Why the hospital withdraws the hand-off.")
    version: int = Field(ge=0, le=MAX_VERSION, description="The version of the hand-off the withdrawal is based on.")


class HandoffOut(Schema):
    id: int
    step_id: int
    step_title: str
    request_id: int
    service_type: str
    service_name: str
    tcso: IdNameOut
    status: str = Field(json_schema_extra=one_of(list(Handoff.Status.values)))
    status_label: str
    status_reason: str
    status_changed_at: datetime.datetime
    accept_by: datetime.datetime
    escalated_at: datetime.datetime | None
    created_at: datetime.datetime
    version: int


class HandoffListOut(Schema):
    count: int
    results: list[HandoffOut]


def handoff_out(handoff: Handoff) -> HandoffOut:
    return HandoffOut(
        id=handoff.pk,
        step_id=handoff.step_id,
        step_title=handoff.step.title,
        request_id=handoff.request_id,
        service_type=handoff.request.service_type.code,
        service_name=handoff.request.service_type.name,
        tcso=IdNameOut(id=handoff.tcso_id, name=handoff.tcso.name),
        status=handoff.status,
        status_label=str(handoff.get_status_display()),
        status_reason=handoff.status_reason,
        status_changed_at=handoff.status_changed_at,
        accept_by=handoff.accept_by,
        escalated_at=handoff.escalated_at,
        created_at=handoff.created_at,
        version=handoff.version,
    )
