"""Hospital coordination in the JSON API: cases, their stay, needs assessments and route of help.

Mounted on the one NinjaAPI instance in opora/api.py, so the `api` kit's authentication, error shape
and handlers apply. Every write goes through ``cases.services`` as the pages' do (they check the
permission, validate and journal); a case is loaded with ``selectors.get_visible_case`` (403 for a
role that may never see cases, 404 for a case that is missing or another hospital's). A stale
``version`` answers 409 with ``current_version``; a refusal of the services 422 per field, a refusal
that concerns the whole request (the case is closed, steps unfinished) 422 with it as ``detail``.

A step moves by ``POST /cases/{id}/steps/{step_id}/moves`` with ``to`` and ``version``, as a help
request does by ``POST /requests/{id}/transitions``: a move is an action with rules of its own (a
reason for "failed"), not a field to set, and is retried safely with an Idempotency-Key.
"""

from typing import Annotated, Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router
from pydantic import Field

from api.errors import InputError, refusal
from api.idempotency import IDEMPOTENCY_DOC, Answer, run_idempotent
from api.pagination import limit_param, offset_param
from api.responses import api_actor, created_answer, dump, idempotent_answer, json_answer
from api.schemas import BODY_ERRORS, ERRORS, ConflictOut, ErrorOut, one_of
from assistance.models import ServiceType, Urgency
from audit import services as audit
from audit.models import Action
from cases import handoffs, selectors, services
from cases.api.schemas import (
    AssessmentCreatedOut,
    AssessmentIn,
    CaseChangeIn,
    CaseCreateIn,
    CaseDetailOut,
    CaseListOut,
    CaseOut,
    HandoffIn,
    HandoffListOut,
    HandoffOut,
    HandoffWithdrawIn,
    ProposalOut,
    StayOut,
    StepListOut,
    StepMoveIn,
    StepOut,
    StepsIn,
    assessment_out,
    case_fields,
    handoff_out,
    stay_out,
    step_out,
)
from cases.models import Case, Handoff, RouteStep
from core.actor import Actor
from core.exceptions import ValidationError
from core.permissions import require
from core.validators import MAX_ID
from people.models import Person

router = Router(tags=["cases"])


# --- helpers ---------------------------------------------------------------------------------------
def _cases(base: QuerySet[Case]) -> QuerySet[Case]:
    today = timezone.localdate()
    unfinished = selectors.open_steps()
    return base.select_related("person", "organisation", "coordinator", "stay").annotate(
        n_open=Count("steps", filter=unfinished),
        n_overdue=Count("steps", filter=unfinished & Q(steps__due_on__lt=today)),
    )


def _steps_out(user: Any, case: Case, steps: list[RouteStep]) -> list[StepOut]:
    may_move = case.is_open and user.has_perm("cases.change_case", case)
    today = timezone.localdate()
    return [step_out(step, may_move, today) for step in steps]


def _detail(user: Any, pk: int) -> dict[str, Any]:
    case = _cases(Case.objects.filter(pk=pk)).get()
    latest = case.assessments.select_related("assessed_by").order_by("-number").first()
    out = CaseDetailOut(
        **case_fields(case),
        latest_assessment=assessment_out(latest) if latest else None,
        assessments_count=case.assessments.count(),
        steps=_steps_out(user, case, list(case.steps.order_by("position", "pk"))),
    )
    return dump(out)


def _load(request: HttpRequest, case_id: int, perm: str = "cases.view_case") -> Case:
    return selectors.get_visible_case(request.user, case_id, perm=perm)


def _record_view(actor: Actor, case: Case, section: str) -> None:
    audit.record(actor=actor, action=Action.VIEW, obj=case, person_id=case.person_id, details={"section": section})


# --- cases -----------------------------------------------------------------------------------------
@router.get(
    "/cases",
    response={200: CaseListOut, **ERRORS},
    operation_id="list_cases",
    url_name="cases",
    summary="List cases",
)
def list_cases(
    request: HttpRequest,
    status: Annotated[str, Field(json_schema_extra=one_of(["", *Case.Status.values]))] = Query(
        "", max_length=20, description="open or closed; empty for both."
    ),
    mine: bool = Query(False, description="Only the cases the caller is responsible for."),
    person: int | None = Query(None, ge=1, le=MAX_ID, description="Id of a citizen."),
    limit: int = limit_param(),
    offset: int = offset_param(),
) -> HttpResponse:
    """Cases the caller may see (coordinators and supervisors of a hospital: its cases; a city
    supervisor: every hospital's), newest first, with the counts of open and overdue steps."""
    require(request.user, "cases.view_case")
    actor = api_actor(request)
    found = selectors.visible_cases(actor.user)
    if status:
        if status not in Case.Status.values:
            raise InputError({"status": [_("Unknown status.")]})
        found = found.filter(status=status)
    if mine:
        found = found.filter(coordinator=actor.user)
    if person is not None:
        found = found.filter(person_id=person)
    total = found.count()
    page = list(_cases(found).order_by("-created_at", "-pk")[offset : offset + limit])
    for case in page:
        _record_view(actor, case, "case_list")
    body = CaseListOut(count=total, results=[CaseOut(**case_fields(case)) for case in page])
    return json_answer(200, dump(body))


@router.post(
    "/cases",
    response={201: CaseDetailOut, **BODY_ERRORS, **ERRORS},
    operation_id="open_case",
    summary="Open a hospital case",
    openapi_extra=IDEMPOTENCY_DOC,
)
def open_case(request: HttpRequest, payload: CaseCreateIn) -> HttpResponse:
    """A coordinator opens a case at their own hospital for a patient, admitted or seen in the
    emergency department; the reason goes into the journal. One open case per patient and hospital."""
    require(request.user, "cases.open_case")
    actor = api_actor(request)
    person = Person.objects.filter(pk=payload.person_id).first()
    if person is None or not actor.user.has_perm("people.search_person", person):
        raise InputError({"person_id": [_("No such citizen.")]})
    stay = services.StayDetails(
        department=payload.department,
        emergency_not_admitted=payload.emergency_not_admitted,
        admitted_on=payload.admitted_on,
        expected_discharge_on=payload.expected_discharge_on,
    )

    def action() -> Answer:
        try:
            case = services.open_hospital_case(actor=actor, person=person, reason=payload.reason, stay=stay)
        except ValidationError as error:
            raise refusal(error) from error
        return Answer(201, _detail(actor.user, case.pk))

    return created_answer(request, action, url_name="api:case", id_kwarg="case_id")


@router.get(
    "/cases/{case_id}",
    response={200: CaseDetailOut, 404: ErrorOut, **ERRORS},
    operation_id="get_case",
    url_name="case",
    summary="A case",
)
def get_case(request: HttpRequest, case_id: int) -> HttpResponse:
    """The case with its stay, its latest needs assessment and its route of help; the view is journaled."""
    case = _load(request, case_id)
    _record_view(api_actor(request), case, "case")
    return json_answer(200, _detail(request.user, case.pk))


STAY_FIELDS = ("department", "emergency_not_admitted", "admitted_on", "expected_discharge_on", "discharged_on")


@router.patch(
    "/cases/{case_id}",
    response={200: CaseDetailOut, 404: ErrorOut, 409: ConflictOut, **BODY_ERRORS, **ERRORS},
    operation_id="update_case",
    summary="Change a case's stay, or close the case",
    openapi_extra=IDEMPOTENCY_DOC,
)
def update_case(request: HttpRequest, case_id: int, payload: CaseChangeIn) -> HttpResponse:
    """Stay fields sent replace their values (``null`` clears a date); ``outcome`` (with an
    ``outcome_note``) closes the case. ``version`` must be the case's current one, else 409."""
    case = _load(request, case_id, perm="cases.change_case")
    sent = payload.model_fields_set
    changes_stay = any(name in sent for name in STAY_FIELDS)
    closes = "outcome" in sent or "outcome_note" in sent
    if not (changes_stay or closes):
        raise InputError({}, detail=_("Send the fields of the stay to change, or an outcome to close the case."))
    actor = api_actor(request)

    def action() -> Answer:
        fresh = _load(request, case_id, perm="cases.change_case")
        version = payload.version
        try:
            if changes_stay:
                current = stay_out(fresh) or StayOut(
                    department="",
                    emergency_not_admitted=False,
                    admitted_on=None,
                    expected_discharge_on=None,
                    discharged_on=None,
                )
                values = {name: getattr(payload if name in sent else current, name) for name in STAY_FIELDS}
                stay = services.StayDetails(
                    department=values["department"] or "",
                    emergency_not_admitted=bool(values["emergency_not_admitted"]),
                    admitted_on=values["admitted_on"],
                    expected_discharge_on=values["expected_discharge_on"],
                )
                services.update_stay(
                    actor=actor,
                    case=fresh,
                    stay=stay,
                    discharged_on=values["discharged_on"],
                    expected_version=version,
                )
                version = fresh.version
            if closes:
                services.close_case(
                    actor=actor,
                    case=fresh,
                    outcome=payload.outcome,
                    note=payload.outcome_note,
                    expected_version=version,
                )
        except ValidationError as error:
            raise refusal(error) from error
        return Answer(200, _detail(actor.user, case.pk))

    answer, replayed = run_idempotent(request, action)
    return idempotent_answer(answer, replayed)


# --- the route of help -----------------------------------------------------------------------------
@router.get(
    "/cases/{case_id}/steps",
    response={200: StepListOut, 404: ErrorOut, **ERRORS},
    operation_id="list_case_steps",
    url_name="case_steps",
    summary="The route of help of a case",
)
def list_steps(request: HttpRequest, case_id: int) -> HttpResponse:
    """Every step of the route in its order, with what may be done next (``moves``)."""
    case = _load(request, case_id)
    _record_view(api_actor(request), case, "case_steps")
    steps = _steps_out(request.user, case, list(case.steps.order_by("position", "pk")))
    return json_answer(200, dump(StepListOut(count=len(steps), results=steps)))


@router.post(
    "/cases/{case_id}/steps",
    response={201: StepListOut, 404: ErrorOut, **BODY_ERRORS, **ERRORS},
    operation_id="add_case_steps",
    summary="Add steps to the route of help",
    openapi_extra=IDEMPOTENCY_DOC,
)
def add_steps(request: HttpRequest, case_id: int, payload: StepsIn) -> HttpResponse:
    """Append steps (accepted proposals, edited or not, or the coordinator's own); answers the added ones."""
    case = _load(request, case_id, perm="cases.change_case")
    actor = api_actor(request)
    wanted = [
        services.NewStep(title=s.title, kind=s.kind, responsible=s.responsible, due_on=s.due_on, need=s.need)
        for s in payload.steps
    ]
    # The service checks again when it writes; asked here first, every step's problem is answered at once.
    problems: dict[str, list[str]] = {}
    for index, step in enumerate(wanted):
        problems.update(services.check_step(step, f"steps.{index}.")[1])
    if problems:
        raise InputError(problems)

    def action() -> Answer:
        try:
            added = services.add_steps(actor=actor, case=case, steps=wanted)
        except ValidationError as error:
            raise refusal(error) from error
        fresh = list(RouteStep.objects.filter(pk__in=[s.pk for s in added]).order_by("position", "pk"))
        steps = _steps_out(actor.user, case, fresh)
        return Answer(201, dump(StepListOut(count=len(steps), results=steps)))

    answer, replayed = run_idempotent(request, action)
    return idempotent_answer(answer, replayed)


@router.post(
    "/cases/{case_id}/steps/{step_id}/moves",
    response={200: StepOut, 404: ErrorOut, 409: ConflictOut, **BODY_ERRORS, **ERRORS},
    operation_id="move_case_step",
    summary="Move a step of the route to another status",
    openapi_extra=IDEMPOTENCY_DOC,
)
def move_step(request: HttpRequest, case_id: int, step_id: int, payload: StepMoveIn) -> HttpResponse:
    """``{"to": "done", "version": 2, "result": "…"}``; ``failed`` needs a ``reason``. A step done is final."""
    case = _load(request, case_id, perm="cases.change_case")
    actor = api_actor(request)

    def action() -> Answer:
        step = RouteStep.objects.filter(pk=step_id, case=case).first() if 0 < step_id <= MAX_ID else None
        if step is None:
            raise Http404
        step.case = case
        try:
            services.move_step(
                actor=actor,
                step=step,
                to=payload.to,
                expected_version=payload.version,
                result=payload.result,
                reason=payload.reason,
            )
        except ValidationError as error:
            raise refusal(error) from error
        moved = RouteStep.objects.get(pk=step.pk)
        return Answer(200, dump(_steps_out(actor.user, case, [moved])[0]))

    answer, replayed = run_idempotent(request, action)
    return idempotent_answer(answer, replayed)


# --- needs -----------------------------------------------------------------------------------------
@router.post(
    "/cases/{case_id}/assessments",
    response={201: AssessmentCreatedOut, 404: ErrorOut, **BODY_ERRORS, **ERRORS},
    operation_id="assess_case_needs",
    summary="Record a needs assessment",
    openapi_extra=IDEMPOTENCY_DOC,
)
def assess_needs(request: HttpRequest, case_id: int, payload: AssessmentIn) -> HttpResponse:
    """A new, numbered assessment (the earlier ones are kept); answers it with the steps the templates
    propose for its needs, which are not added until they are posted to the route."""
    case = _load(request, case_id, perm="cases.change_case")
    actor = api_actor(request)

    def action() -> Answer:
        try:
            assessment = services.assess_needs(actor=actor, case=case, needs=payload.needs, note=payload.note)
        except ValidationError as error:
            raise refusal(error) from error
        proposals = [
            ProposalOut(need=p.need, kind=p.kind, title=p.title, responsible=p.responsible, due_on=p.due_on)
            for p in services.proposals_for(case, assessment.needs)
        ]
        return Answer(201, dump(AssessmentCreatedOut(assessment=assessment_out(assessment), proposals=proposals)))

    answer, replayed = run_idempotent(request, action)
    return idempotent_answer(answer, replayed)


# --- hand-offs to the TCSO ------------------------------------------------------------------------
def _handoffs(case: Case) -> QuerySet[Handoff]:
    return case.handoffs.select_related("step", "request__service_type", "tcso").order_by("created_at", "pk")


@router.get(
    "/cases/{case_id}/handoffs",
    response={200: HandoffListOut, 404: ErrorOut, **ERRORS},
    operation_id="list_case_handoffs",
    summary="The case's hand-offs to the TCSO",
)
def list_handoffs(request: HttpRequest, case_id: int) -> HttpResponse:
    """Every hand-off of the case, oldest first, with the state the TCSO's work has brought it to."""
    case = _load(request, case_id)
    rows = [handoff_out(h) for h in _handoffs(case)]
    _record_view(api_actor(request), case, "handoffs")
    return json_answer(200, dump(HandoffListOut(count=len(rows), results=rows)))


@router.post(
    "/cases/{case_id}/handoffs",
    response={201: HandoffOut, 404: ErrorOut, **BODY_ERRORS, **ERRORS},
    operation_id="create_case_handoff",
    summary="Hand a step over to the TCSO of the patient's district",
    openapi_extra=IDEMPOTENCY_DOC,
)
def create_handoff(request: HttpRequest, case_id: int, payload: HandoffIn) -> HttpResponse:
    """Registers a help request (channel "from a case") for the TCSO serving the patient's district and
    follows it. Refused (422 on ``consent``) while the patient's consent to share with a TCSO is missing."""
    case = _load(request, case_id, perm="cases.change_case")
    actor = api_actor(request)

    def action() -> Answer:
        step = RouteStep.objects.filter(pk=payload.step_id, case=case).first()
        if step is None:
            raise InputError({"step_id": [_("No such step in this case.")]})
        step.case = case
        service = ServiceType.objects.filter(code=payload.service_type, is_active=True).first()
        if service is None:
            raise InputError({"service_type": [_("No such service in the catalogue.")]})
        if payload.urgency not in Urgency.values:
            raise InputError({"urgency": [_("Choose normal or urgent.")]})
        try:
            made = handoffs.create_handoff(
                actor=actor, step=step, service_type=service, details=payload.details, urgency=payload.urgency
            )
        except ValidationError as error:
            raise refusal(error) from error
        return Answer(201, dump(handoff_out(_handoffs(case).get(pk=made.pk))))

    answer, replayed = run_idempotent(request, action)
    return idempotent_answer(answer, replayed)


@router.post(
    "/cases/{case_id}/handoffs/{handoff_id}/withdrawal",
    response={200: HandoffOut, 404: ErrorOut, 409: ConflictOut, **BODY_ERRORS, **ERRORS},
    operation_id="withdraw_case_handoff",
    summary="Withdraw a hand-off (its request is cancelled)",
    openapi_extra=IDEMPOTENCY_DOC,
)
def withdraw_handoff(request: HttpRequest, case_id: int, handoff_id: int, payload: HandoffWithdrawIn) -> HttpResponse:
    """The hospital withdraws a live hand-off with a reason; the request leaves the TCSO's queue."""
    case = _load(request, case_id, perm="cases.change_case")
    actor = api_actor(request)

    def action() -> Answer:
        handoff = _handoffs(case).filter(pk=handoff_id).first() if 0 < handoff_id <= MAX_ID else None
        if handoff is None:
            raise Http404
        try:
            handoffs.cancel_handoff(
                actor=actor, handoff=handoff, reason=payload.reason, expected_version=payload.version
            )
        except ValidationError as error:
            raise refusal(error) from error
        return Answer(200, dump(handoff_out(_handoffs(case).get(pk=handoff.pk))))

    answer, replayed = run_idempotent(request, action)
    return idempotent_answer(answer, replayed)
