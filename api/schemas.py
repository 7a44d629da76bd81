"""The API's shared shapes: the strict input base and the error answers every operation may give.

Each domain app declares its own In/Out schemas in its ``api`` module, next to its endpoints.
"""

from collections.abc import Iterable
from typing import Any

from ninja import Schema
from pydantic import BaseModel, ConfigDict


class Strict(Schema):
    """Unknown fields are refused, so a misspelt field is an error instead of being silently ignored."""

    model_config = ConfigDict(extra="forbid")


def one_of(values: Iterable[str]) -> dict[str, Any]:
    """The OpenAPI ``enum`` of a text field whose values the service checks (and words the refusal of)."""
    return {"enum": list(values)}


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] | None = None


class ConflictOut(Schema):
    detail: str
    current_version: int | None = None


# The error answers every authenticated operation may give.
ERRORS: dict[int, type[BaseModel]] = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut}
# And those of every operation with a body: not JSON or a bad Idempotency-Key (400), too large (413),
# not sent as application/json (415; api.middleware.JsonBodyMiddleware).
BODY_ERRORS: dict[int, type[BaseModel]] = {400: ErrorOut, 413: ErrorOut, 415: ErrorOut}
