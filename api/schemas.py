"""The API's shared shapes: the strict input base and the error answers every operation may give.

Each domain app declares its own In/Out schemas in its ``api`` module, next to its endpoints.
"""

from ninja import Schema
from pydantic import BaseModel, ConfigDict


class Strict(Schema):
    """Unknown fields are refused, so a misspelt field is an error instead of being silently ignored."""

    model_config = ConfigDict(extra="forbid")


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] | None = None


class ConflictOut(Schema):
    detail: str
    current_version: int | None = None


# The error answers every authenticated operation may give.
ERRORS: dict[int, type[BaseModel]] = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut}
