"""Answers of the API: JSON without ASCII escapes, idempotent replays marked, the caller as an Actor."""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from pydantic import BaseModel

from api.idempotency import REPLAYED_HEADER, Answer, run_idempotent
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


def created_answer(request: HttpRequest, action: Callable[[], Answer], *, url_name: str, id_kwarg: str) -> JsonResponse:
    """Run a create ``action`` at most once per Idempotency-Key; a 201 carries the new record's Location."""
    answer, replayed = run_idempotent(request, action)
    response = idempotent_answer(answer, replayed)
    if answer.status == 201:
        response["Location"] = reverse(url_name, kwargs={id_kwarg: answer.body["id"]})
    return response


def api_actor(request: HttpRequest) -> Actor:
    """The token's owner, from the client's address, through the API (TokenAuth has set ``request.user``)."""
    return Actor.from_request(request, origin=Origin.API)
