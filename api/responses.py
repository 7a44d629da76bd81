"""Answers of the API: JSON without ASCII escapes, idempotent replays marked, the caller as an Actor."""

from typing import Any

from django.http import HttpRequest, JsonResponse
from pydantic import BaseModel

from api.idempotency import REPLAYED_HEADER, Answer
from core.actor import Actor, Origin


def json_answer(status: int, body: Any) -> JsonResponse:
    return JsonResponse(body, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def dump(schema: BaseModel) -> dict[str, Any]:
    return schema.model_dump(mode="json")


def idempotent_answer(answer: Answer, replayed: bool) -> JsonResponse:
    response = json_answer(answer.status, answer.body)
    if replayed:
        response[REPLAYED_HEADER] = "true"
    return response


def api_actor(request: HttpRequest) -> Actor:
    """The token's owner, from the client's address, through the API (TokenAuth has set ``request.user``)."""
    return Actor.from_request(request, origin=Origin.API)
