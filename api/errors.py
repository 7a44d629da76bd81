"""The API's error shape and the handlers that give every failure that shape.

Every error is JSON ``{"detail": "...", "errors": {"field": ["...", ...]}}`` (``errors`` only where
fields are at fault), with messages in the language of ``Accept-Language``. Domain routers raise the
project's exceptions (ValidationError, PermissionDenied, Http404, ConcurrentEditError) or
:class:`InputError`; :func:`install_handlers` turns each into its answer on the one NinjaAPI instance.
"""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from api.idempotency import IDEMPOTENCY_HEADER, IdempotencyKeyReused, InvalidIdempotencyKey
from api.responses import json_answer
from core.exceptions import ConcurrentEditError

Errors = dict[str, list[str]]


class InputError(Exception):
    """Input the API refuses: a summary for people and messages per field for programs."""

    def __init__(self, errors: Errors, detail: str | None = None, status: int = 422) -> None:
        self.errors = errors
        self.detail = detail or _("Some fields are not valid. See the errors for each field.")
        self.status = status
        super().__init__(self.detail)


def messages_of(exc: ValidationError) -> list[str]:
    return [str(message) for message in exc.messages]


def refusal(error: ValidationError, names: Mapping[str, str] | None = None) -> InputError:
    """A service's refusal in the API's words (422): per field, named as the API names them (``names``:
    the service's field → the API's, e.g. ``slot`` → ``slot_id``), and what concerns the whole request,
    or a refusal of no field at all, as the detail."""
    if not hasattr(error, "error_dict"):
        return InputError({}, detail=" ".join(messages_of(error)))
    names = names or {}
    problems = {names.get(field, field): [str(m) for m in messages] for field, messages in error.message_dict.items()}
    general = problems.pop(NON_FIELD_ERRORS, [])
    return InputError(problems, detail=" ".join(general) or None)


def error_answer(status: int, detail: str, errors: Errors | None = None, **extra: Any) -> JsonResponse:
    body: dict[str, Any] = {"detail": detail}
    if errors:
        body["errors"] = errors
    body.update(extra)
    return json_answer(status, body)


def _field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    """("body", "payload", "phones", 0, "number") -> "phones.0.number"; ("query", "limit") -> "limit"."""
    parts = list(loc)
    source = parts.pop(0) if parts else ""
    if source == "body" and parts:
        parts.pop(0)  # the name of the view's parameter, not part of the JSON
    return ".".join(str(p) for p in parts) or str(source or "body")


def _pydantic_message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind == "extra_forbidden":
        return _("Unknown field.")
    if kind.startswith("int_"):
        return _("Enter a whole number.")
    if kind.startswith("bool_"):
        return _("Enter true or false.")
    if kind.startswith("datetime_"):
        return _("Enter a date and time as YYYY-MM-DDTHH:MM, e.g. 2026-12-03T10:00.")
    if kind.startswith("date_"):
        return _("Enter a date as YYYY-MM-DD, e.g. 1944-03-05.")
    if kind.startswith("decimal_"):
        return _("Enter an amount with at most two decimals, e.g. 412.50.")
    if kind.startswith("string_"):
        return _("Enter text.")
    if kind == "list_type":
        return _("Enter a list.")
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return _("Enter an object.")
    if kind == "greater_than_equal":
        return _("Ensure this value is greater than or equal to %(limit_value)s.") % {"limit_value": ctx.get("ge")}
    if kind == "less_than_equal":
        return _("Ensure this value is less than or equal to %(limit_value)s.") % {"limit_value": ctx.get("le")}
    return str(error.get("msg", _("This value is not valid.")))


def on_authentication_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    response = error_answer(
        401, _("Authentication required: send a valid API token in the header “Authorization: Bearer <token>”.")
    )
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def on_schema_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors: Errors = {}
    for error in exc.errors:
        errors.setdefault(_field_path(error.get("loc", ())), []).append(_pydantic_message(error))
    return error_answer(422, _("Some fields are not valid. See the errors for each field."), errors)


def on_input_error(request: HttpRequest, exc: InputError) -> HttpResponse:
    return error_answer(exc.status, exc.detail, exc.errors)


def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        errors = {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
        return error_answer(422, _("Some fields are not valid. See the errors for each field."), errors)
    return error_answer(422, " ".join(messages_of(exc)))


def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error_answer(403, str(exc) or _("You do not have permission to do this."))


def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_answer(404, _("Not found."))


def on_concurrent_edit(request: HttpRequest, exc: ConcurrentEditError) -> HttpResponse:
    return error_answer(409, str(exc.message), current_version=exc.current_version)


def on_invalid_idempotency_key(request: HttpRequest, exc: InvalidIdempotencyKey) -> HttpResponse:
    return error_answer(
        400,
        _("The Idempotency-Key header must be 1 to 200 characters long."),
        {IDEMPOTENCY_HEADER: [_("Send a unique string, such as a UUID.")]},
    )


def on_idempotency_key_reused(request: HttpRequest, exc: IdempotencyKeyReused) -> HttpResponse:
    return error_answer(
        422,
        _("This Idempotency-Key was already used for a different request. Send a new key with a new request."),
        {IDEMPOTENCY_HEADER: [_("Already used for a different request.")]},
    )


def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400 and exc.message.startswith("Cannot parse request body"):
        return error_answer(400, _("The request body is not valid JSON."))
    return error_answer(exc.status_code, str(exc))


HANDLERS: list[tuple[type[Exception], Any]] = [
    (AuthenticationError, on_authentication_error),
    (NinjaValidationError, on_schema_error),
    (InputError, on_input_error),
    (ValidationError, on_validation_error),
    (PermissionDenied, on_permission_denied),
    (Http404, on_not_found),
    (ConcurrentEditError, on_concurrent_edit),
    (InvalidIdempotencyKey, on_invalid_idempotency_key),
    (IdempotencyKeyReused, on_idempotency_key_reused),
    (HttpError, on_http_error),
]


def install_handlers(api: NinjaAPI) -> None:
    """Give every failure of ``api``'s operations the error shape above."""
    for exception, handler in HANDLERS:
        api.add_exception_handler(exception, handler)
