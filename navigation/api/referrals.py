"""Referrals to an oncologist in the JSON API (/api/v1/referrals): register one, and record the patient's
answer to the offer of a personal assistant.

Every write goes through ``navigation.services`` as the pages' do (they check the permission, validate and
journal); a referral is loaded with ``selectors.get_visible_referral`` (403 for a role with no business in
the programme, 404 for one that is missing or not the caller's). A stale ``version`` answers 409 with
``current_version``; a refusal of the services 422 per field (named as the API names them), one that
concerns the whole request (the answer is already recorded) 422 with it as ``detail``. Every POST honours
an ``Idempotency-Key``; every read of a referral is journaled.
"""

import re
from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router
from pydantic import Field

from api.errors import InputError, refusal
from api.idempotency import IDEMPOTENCY_DOC, Answer, run_idempotent
from api.pagination import limit_param, offset_param
from api.responses import api_actor, created_answer, dump, idempotent_answer, json_answer
from api.schemas import BODY_ERRORS, ERRORS, ConflictOut, ErrorOut, one_of
from core.exceptions import ValidationError
from core.permissions import require
from core.validators import MAX_ID
from directory.models import DiagnosisCode, Organisation
from navigation import selectors, services
from navigation.api.schemas import (
    ReferralAgreeIn,
    ReferralCreateIn,
    ReferralListOut,
    ReferralOut,
    ReferralRefuseIn,
    record_view,
    referral_out,
)
from navigation.models import Referral
from people.models import Person

router = Router(tags=["referrals"])

# The services name the records they are given; the API names the ids it is sent.
FIELD_NAMES = {"polyclinic": "polyclinic_id", "refusal_reason": "reason"}
# What an ICD-10 code looks like (C50, C50.1, D48.9); anything else is no code, never sent to the database.
ICD_CODE = re.compile(r"[A-Za-z][0-9]{2}(\.[0-9]{1,2})?")


def _referrals(base: QuerySet[Referral]) -> QuerySet[Referral]:
    return base.select_related(
        "person",
        "polyclinic",
        "diagnosis",
        "case__journey__assistant__worker",
        "case__journey__assistant__navigation_capacity",
    )


def _fresh(pk: int) -> dict[str, Any]:
    """The referral as it is now, for the answer of a write."""
    return dump(referral_out(_referrals(Referral.objects.filter(pk=pk)).get()))


@router.get(
    "/referrals",
    response={200: ReferralListOut, **ERRORS},
    operation_id="list_referrals",
    url_name="referrals",
    summary="List referrals to an oncologist",
)
def list_referrals(
    request: HttpRequest,
    consent: Annotated[str, Field(json_schema_extra=one_of(["", *Referral.Consent.values]))] = Query(
        "", max_length=20, description="The patient's answer: pending, given or refused; empty for all."
    ),
    polyclinic_id: int | None = Query(None, ge=1, le=MAX_ID, description="Only the referrals of this polyclinic."),
    limit: int = limit_param(),
    offset: int = offset_param(),
) -> HttpResponse:
    """Referrals the caller may see, newest first: a personal assistant those they registered and those of
    the patients they assist, a supervisor every one. The reading is journaled."""
    require(request.user, "navigation.register_referral")
    actor = api_actor(request)
    found = selectors.visible_referrals(actor.user)
    if consent:
        if consent not in Referral.Consent.values:
            raise InputError({"consent": [_("Choose pending, given or refused.")]})
        found = found.filter(consent=consent)
    if polyclinic_id is not None:
        found = found.filter(polyclinic_id=polyclinic_id)
    total = found.count()
    page = list(_referrals(found).order_by("-referred_on", "-pk")[offset : offset + limit])
    for referral in page:
        record_view(actor, referral, referral.person_id, "referral_list")
    return json_answer(200, dump(ReferralListOut(count=total, results=[referral_out(r) for r in page])))


@router.post(
    "/referrals",
    response={201: ReferralOut, **BODY_ERRORS, **ERRORS},
    operation_id="create_referral",
    summary="Register a referral to an oncologist",
    openapi_extra=IDEMPOTENCY_DOC,
)
def create_referral(request: HttpRequest, payload: ReferralCreateIn) -> HttpResponse:
    """A personal assistant (or a supervisor) registers the referral the polyclinic made on suspicion of
    cancer; the patient's answer to the offer of an assistant is recorded next (``…/agree`` or
    ``…/refuse``). Answers the referral, with its ``Location``."""
    require(request.user, "navigation.register_referral")
    actor = api_actor(request)
    person = Person.objects.filter(pk=payload.person_id).first()
    if person is None or not actor.user.has_perm("people.search_person", person):
        raise InputError({"person_id": [_("No such citizen.")]})
    code = payload.diagnosis.strip()
    data = services.ReferralInput(
        polyclinic=Organisation.objects.filter(pk=payload.polyclinic_id).first(),
        referring_doctor=payload.referring_doctor,
        referred_on=payload.referred_on,
        diagnosis=DiagnosisCode.objects.filter(code__iexact=code).first() if ICD_CODE.fullmatch(code) else None,
        urgency=payload.urgency,
        note=payload.note,
    )

    def action() -> Answer:
        try:
            referral = services.register_referral(actor=actor, person=person, data=data)
        except ValidationError as error:
            raise refusal(error, FIELD_NAMES) from error
        return Answer(201, _fresh(referral.pk))

    return created_answer(request, action, url_name="api:referral", id_kwarg="referral_id")


@router.get(
    "/referrals/{referral_id}",
    response={200: ReferralOut, 404: ErrorOut, **ERRORS},
    operation_id="get_referral",
    url_name="referral",
    summary="A referral to an oncologist",
)
def get_referral(request: HttpRequest, referral_id: int) -> HttpResponse:
    """The referral with the patient's answer and, once they agreed, their journey and personal assistant.
    The reading is journaled."""
    referral = selectors.get_visible_referral(request.user, referral_id)
    record_view(api_actor(request), referral, referral.person_id, "referral")
    return json_answer(200, _fresh(referral.pk))


@router.post(
    "/referrals/{referral_id}/agree",
    response={200: ReferralOut, 404: ErrorOut, 409: ConflictOut, **BODY_ERRORS, **ERRORS},
    operation_id="record_referral_agreement",
    summary="Record that the patient agreed to a personal assistant",
    openapi_extra=IDEMPOTENCY_DOC,
)
def agree(request: HttpRequest, referral_id: int, payload: ReferralAgreeIn) -> HttpResponse:
    """The patient agreed: their consent is recorded, a case of the programme opened at the polyclinic and
    the least loaded personal assistant serving it assigned. Answers the referral with its ``journey``: the
    journey's id and the assistant's name, direct phone and hours, for the patient's card. Recorded by
    whoever registered the referral, or a supervisor."""
    referral = selectors.get_visible_referral(request.user, referral_id)
    actor = api_actor(request)

    def action() -> Answer:
        try:
            services.enrol(
                actor=actor,
                referral=referral,
                reminders_by=payload.reminders_by,
                evidence=payload.evidence,
                expected_version=payload.version,
            )
        except ValidationError as error:
            raise refusal(error, FIELD_NAMES) from error
        return Answer(200, _fresh(referral.pk))

    answer, replayed = run_idempotent(request, action)
    return idempotent_answer(answer, replayed)


@router.post(
    "/referrals/{referral_id}/refuse",
    response={200: ReferralOut, 404: ErrorOut, 409: ConflictOut, **BODY_ERRORS, **ERRORS},
    operation_id="record_referral_refusal",
    summary="Record that the patient declined a personal assistant",
    openapi_extra=IDEMPOTENCY_DOC,
)
def refuse(request: HttpRequest, referral_id: int, payload: ReferralRefuseIn) -> HttpResponse:
    """The patient declined the personal assistant; the refusal is kept with its ``reason``, for the
    programme's consent rate."""
    referral = selectors.get_visible_referral(request.user, referral_id)
    actor = api_actor(request)

    def action() -> Answer:
        try:
            services.record_refusal(
                actor=actor, referral=referral, reason=payload.reason, expected_version=payload.version
            )
        except ValidationError as error:
            raise refusal(error, FIELD_NAMES) from error
        return Answer(200, _fresh(referral.pk))

    answer, replayed = run_idempotent(request, action)
    return idempotent_answer(answer, replayed)
