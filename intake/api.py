"""The telephony (CTI) webhook: the phone system tells Opora about calls; the answer says which page
to pop up on the operator's screen. Mounted in opora/api.py under /api/v1/cti/. It is the telephony
system's service account's (``intake.post_call_events``), not the people's who take the calls."""

from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema

from api.idempotency import Answer, run_idempotent
from api.responses import api_actor, idempotent_answer
from api.schemas import BODY_ERRORS, ERRORS, ErrorOut
from core.validators import try_normalise_phone
from intake import services
from intake.links import call_url

router = Router(tags=["cti"])


class CallEventIn(Schema):
    event: Literal["ring", "answer", "hangup"]
    # Printable ASCII, as phone systems make them ("1700000000.123"): no control character reaches the
    # database (PostgreSQL refuses NUL in text, which would be a server error).
    call_id: str = Field(
        ..., min_length=1, max_length=100, pattern=r"^[!-~]+$", description="The phone system's id of the call."
    )
    phone: str = Field("", max_length=32, description="The caller's number in any format; empty if withheld.")
    operator: str | None = Field(
        None, max_length=150, pattern=r"^[\w.@+-]+$", description="Username of the operator who took the call."
    )


class CallEventOut(Schema):
    call_id: str
    url: str = Field(description="The operator's screen for this call.")
    duration_seconds: int | None = Field(None, description="Set on hangup.")


@router.post(
    "/calls",
    response={200: CallEventOut, 404: ErrorOut, **BODY_ERRORS, **ERRORS},
    operation_id="cti_call_event",
    summary="A telephony event: ring, answer or hangup",
)
def call_event(request: HttpRequest, payload: CallEventIn) -> HttpResponse:
    """``ring`` and ``answer`` record the call and answer the screen-pop address; ``hangup`` closes the
    call and answers its duration in seconds. Repeats of an event change nothing.

    Only a token of the telephony system's service account (role ``telephony``) may post events; a
    person's token gets 403. ``operator`` must name an active user who takes calls."""

    def action() -> Answer:
        phone = try_normalise_phone(payload.phone) or payload.phone.strip()
        call = services.cti_event(
            event=payload.event,
            call_id=payload.call_id.strip(),
            phone=phone,
            operator_username=payload.operator or None,
            actor=api_actor(request),
        )
        body = CallEventOut(
            call_id=call.cti_call_id or "",
            url=call_url(call.phone if call.phone.startswith("+") else "", call.cti_call_id or ""),
            duration_seconds=call.duration_seconds,
        )
        return Answer(200, body.model_dump(mode="json"))

    answer, replayed = run_idempotent(request, action)
    return idempotent_answer(answer, replayed)
