"""The JSON API, version 1: the citizen registry for the call centre's partners and integrations.

Every answer is JSON. Errors have the shape ``{"detail": "...", "errors": {"field": ["...", ...]}}``
(``errors`` only where fields are at fault) with messages in the language of ``Accept-Language``.
Access is decided by the same rules as the pages (core.permissions), and every read and change of a
citizen's record is journaled with channel "api".
"""

from typing import Any, cast

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Query
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.docs import Swagger
from pydantic import BaseModel

from api.auth import TokenAuth
from api.idempotency import (
    IDEMPOTENCY_DOC,
    IDEMPOTENCY_HEADER,
    REPLAYED_HEADER,
    Answer,
    IdempotencyKeyReused,
    InvalidIdempotencyKey,
    run_idempotent,
)
from api.schemas import (
    ERRORS,
    ConflictOut,
    DuplicateCandidateOut,
    DuplicatesOut,
    ErrorOut,
    PersonCreateIn,
    PersonListOut,
    PersonOut,
    PersonUpdateIn,
    person_list_item,
    person_out,
)
from api.validation import InputError, messages_of, person_input_for_create, person_input_for_update
from core.exceptions import ConcurrentEditError, ValidationError
from core.validators import normalise_phone, normalise_snils
from people import selectors, services
from people.models import Person

# The search stops after this many matches; ``count`` says how many it found up to there.
SEARCH_WINDOW = 500


class StrictCspSwagger(Swagger):
    """Swagger UI from ninja's bundled files, with its settings in a hidden element, not a <script>."""

    template = "api/swagger.html"


DESCRIPTION = """
The citizen registry of Opora.

**Authentication:** every call needs a personal access token, created on the *My account* page:
`Authorization: Bearer <token>`.

**Writes** accept an `Idempotency-Key` header: a repeat of the same request with the same key returns
the first answer (with `Idempotent-Replayed: true`) instead of doing the work again.

**Errors** are JSON: `{"detail": "...", "errors": {"field": ["message"]}}`, in the language asked
for with `Accept-Language` (Russian by default).
"""

api = NinjaAPI(
    title="Opora API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=TokenAuth(),
    docs=StrictCspSwagger(settings={"validatorUrl": None}),
)


# --- answers ---------------------------------------------------------------------------------------
def json_answer(status: int, body: dict[str, Any]) -> JsonResponse:
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def error_answer(status: int, detail: str, errors: dict[str, list[str]] | None = None, **extra: Any) -> JsonResponse:
    body: dict[str, Any] = {"detail": detail}
    if errors:
        body["errors"] = errors
    body.update(extra)
    return json_answer(status, body)


def dump(schema: BaseModel) -> dict[str, Any]:
    return schema.model_dump(mode="json")


def idempotent_answer(answer: Answer, replayed: bool) -> JsonResponse:
    response = json_answer(answer.status, answer.body)
    if replayed:
        response[REPLAYED_HEADER] = "true"
    return response


def actor(request: HttpRequest) -> User:
    """The token's owner: every operation runs after TokenAuth has set ``request.user``."""
    return cast(User, request.user)


def require(request: HttpRequest, perm: str, obj: Any = None) -> None:
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied(_("You do not have permission to do this."))


def load_person(pk: int) -> Person:
    return get_object_or_404(Person.objects.select_related("district").prefetch_related("phones"), pk=pk)


# --- errors ------------------------------------------------------------------------------------------
@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    response = error_answer(
        401, _("Authentication required: send a valid API token in the header “Authorization: Bearer <token>”.")
    )
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


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
    if kind.startswith("date_"):
        return _("Enter a date as YYYY-MM-DD, e.g. 1944-03-05.")
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


@api.exception_handler(NinjaValidationError)
def on_schema_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        errors.setdefault(_field_path(error.get("loc", ())), []).append(_pydantic_message(error))
    return error_answer(422, _("Some fields are not valid. See the errors for each field."), errors)


@api.exception_handler(InputError)
def on_input_error(request: HttpRequest, exc: InputError) -> HttpResponse:
    return error_answer(exc.status, exc.detail, exc.errors)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        errors = {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
        return error_answer(422, _("Some fields are not valid. See the errors for each field."), errors)
    return error_answer(422, " ".join(messages_of(exc)))


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error_answer(403, str(exc) or _("You do not have permission to do this."))


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_answer(404, _("Not found."))


@api.exception_handler(ConcurrentEditError)
def on_concurrent_edit(request: HttpRequest, exc: ConcurrentEditError) -> HttpResponse:
    return error_answer(409, str(exc.message), current_version=exc.current_version)


@api.exception_handler(InvalidIdempotencyKey)
def on_invalid_idempotency_key(request: HttpRequest, exc: InvalidIdempotencyKey) -> HttpResponse:
    return error_answer(
        400,
        _("The Idempotency-Key header must be 1 to 200 characters long."),
        {IDEMPOTENCY_HEADER: [_("Send a unique string, such as a UUID.")]},
    )


@api.exception_handler(IdempotencyKeyReused)
def on_idempotency_key_reused(request: HttpRequest, exc: IdempotencyKeyReused) -> HttpResponse:
    return error_answer(
        422,
        _("This Idempotency-Key was already used for a different request. Send a new key with a new request."),
        {IDEMPOTENCY_HEADER: [_("Already used for a different request.")]},
    )


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400 and exc.message.startswith("Cannot parse request body"):
        return error_answer(400, _("The request body is not valid JSON."))
    return error_answer(exc.status_code, str(exc))


# --- people ------------------------------------------------------------------------------------------
def _search_query(q: str, phone: str, snils: str) -> selectors.SearchQuery:
    query = selectors.parse_query(q) if q.strip() else selectors.SearchQuery(raw="")
    errors: dict[str, list[str]] = {}
    if phone.strip():
        try:
            query.phone = normalise_phone(phone)
        except ValidationError as exc:
            errors["phone"] = messages_of(exc)
    if snils.strip():
        try:
            query.snils = normalise_snils(snils)
        except ValidationError as exc:
            errors["snils"] = messages_of(exc)
    if errors:
        raise InputError(errors)
    if query.is_empty:
        if q.strip():
            message = _("Nothing to search for: enter a phone, a SNILS, a name or a date of birth.")
            raise InputError({"q": [message]}, detail=message, status=400)
        raise InputError(
            {"q": [_("This field is required.")]},
            detail=_("Give a search query: q (phone, name, SNILS or date of birth), phone or snils."),
            status=400,
        )
    return query


@api.get(
    "/people",
    response={200: PersonListOut, 400: ErrorOut, **ERRORS},
    tags=["people"],
    operation_id="search_people",
    url_name="people",
    summary="Find citizens",
)
def search_people(
    request: HttpRequest,
    q: str = Query("", description="What an operator would type: phone, name, SNILS or birth date."),
    phone: str = Query("", description="A phone in any format: 8 (916) 123-45-67, +7 916 1234567."),
    snils: str = Query("", description="A SNILS in any format: 112-233-445 95."),
    limit: int = Query(settings.OPORA_API_PAGE_SIZE, ge=1, le=200),
    offset: int = Query(0, ge=0, le=SEARCH_WINDOW - 1),
) -> HttpResponse:
    """Citizens matching the query, best match first; city-wide roles see everyone, dispatchers their
    TCSO's districts. The search is journaled (what kind of query and which records were shown)."""
    require(request, "people.search_person")
    query = _search_query(q, phone, snils)
    found = selectors.search_people(query, base=selectors.visible_people(actor(request)), limit=SEARCH_WINDOW)
    page = found[offset : offset + limit]
    services.record_search(by=actor(request), kind=query.kind, results=page, request=request, channel="api")
    body = PersonListOut(
        count=len(found), results=[person_list_item(p, getattr(p, "primary_phone", None)) for p in page]
    )
    return json_answer(200, dump(body))


def _duplicates_answer(
    request: HttpRequest, payload: PersonCreateIn, candidates: list[selectors.DuplicateCandidate]
) -> Answer | None:
    """A 409 answer listing possible duplicates, unless the client confirmed this is someone else.

    A shared SNILS cannot be confirmed away: it is the same person.
    """
    same_snils = any(c.reason == "snils" for c in candidates)
    if not candidates or (payload.confirm_not_duplicate and not same_snils):
        return None
    services.record_search(  # the candidates' names and birth dates are shown to the client
        by=actor(request),
        kind="duplicate_check",
        results=[c.person for c in candidates],
        request=request,
        channel="api",
    )
    errors = None
    if same_snils:
        detail = _("A citizen with this SNILS is already registered.")
        errors = {"snils": [detail]}
    else:
        detail = _(
            "This citizen may already be registered. Check the candidates; if this is a different person, "
            "send the request again with “confirm_not_duplicate”: true."
        )
    body = DuplicatesOut(
        detail=detail,
        errors=errors,
        candidates=[
            DuplicateCandidateOut(
                id=c.person.pk, full_name=c.person.full_name, birth_date=c.person.birth_date, reason=c.reason
            )
            for c in candidates
        ],
    )
    return Answer(409, dump(body))


@api.post(
    "/people",
    response={201: PersonOut, 400: ErrorOut, 409: DuplicatesOut, **ERRORS},
    tags=["people"],
    operation_id="create_person",
    summary="Register a citizen",
    openapi_extra=IDEMPOTENCY_DOC,
)
def create_person(request: HttpRequest, payload: PersonCreateIn) -> HttpResponse:
    """Register a citizen. Phones are stored in E.164. If the citizen may already be registered, the
    answer is 409 with the candidates and nothing is saved; send ``confirm_not_duplicate: true`` to
    register anyway."""
    require(request, "people.add_person")

    def action() -> Answer:
        data = person_input_for_create(payload)
        candidates = selectors.duplicates_for(data)
        duplicates = _duplicates_answer(request, payload, candidates)
        if duplicates is not None:
            return duplicates
        person = services.create_person(data=data, by=actor(request), request=request, channel="api")
        return Answer(201, dump(person_out(load_person(person.pk))))

    answer, replayed = run_idempotent(request, action)
    response = idempotent_answer(answer, replayed)
    if answer.status == 201:
        response["Location"] = reverse("api:person", kwargs={"person_id": answer.body["id"]})
    return response


@api.get(
    "/people/{person_id}",
    response={200: PersonOut, 404: ErrorOut, **ERRORS},
    tags=["people"],
    operation_id="get_person",
    url_name="person",
    summary="A citizen's record",
)
def get_person(request: HttpRequest, person_id: int) -> HttpResponse:
    """The full record; the view is journaled."""
    person = load_person(person_id)
    require(request, "people.view_person", person)
    services.record_person_view(person=person, by=actor(request), request=request, channel="api")
    return json_answer(200, dump(person_out(person)))


@api.patch(
    "/people/{person_id}",
    response={200: PersonOut, 400: ErrorOut, 404: ErrorOut, 409: ConflictOut, **ERRORS},
    tags=["people"],
    operation_id="update_person",
    summary="Change a citizen's record",
    openapi_extra=IDEMPOTENCY_DOC,
)
def update_person(request: HttpRequest, person_id: int, payload: PersonUpdateIn) -> HttpResponse:
    """Change the fields sent; the others keep their values. ``phones``, when sent, replaces the list.
    ``version`` must be the record's current version, else the answer is 409 with ``current_version``."""
    person = load_person(person_id)
    require(request, "people.change_person", person)

    def action() -> Answer:
        fresh = Person.objects.select_related("district").get(pk=person_id)
        data, replace_phones = person_input_for_update(payload, fresh)
        services.update_person(
            person=fresh,
            data=data,
            version=payload.version,
            by=actor(request),
            request=request,
            channel="api",
            replace_phones=replace_phones,
        )
        return Answer(200, dump(person_out(load_person(person_id))))

    answer, replayed = run_idempotent(request, action)
    return idempotent_answer(answer, replayed)


# --- help requests (a router of its own, registered last: it uses this module's handlers) -----------
from api.requests_api import router as requests_router  # noqa: E402

api.add_router("/", requests_router)

import intake.api  # noqa: E402

api.add_router("/cti", intake.api.router)
