"""The citizen registry in the JSON API: find, register, read and change citizens' records.

Mounted on the one NinjaAPI instance in opora/api.py; its authentication, error shape and handlers come
from the `api` kit. Access is decided by the same rules as the pages (people/rules.py), and every read
and change of a citizen's record is journaled with origin "api".
"""

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router

from api.errors import InputError, messages_of
from api.idempotency import IDEMPOTENCY_DOC, Answer, run_idempotent
from api.pagination import limit_param, offset_param
from api.responses import api_actor, created_answer, dump, idempotent_answer, json_answer
from api.schemas import BODY_ERRORS, ERRORS, ConflictOut, ErrorOut
from core.exceptions import ValidationError
from core.permissions import require
from core.validators import normalise_phone, normalise_snils
from people import selectors, services
from people.api.inputs import person_input_for_create, person_input_for_update
from people.api.schemas import (
    DuplicateCandidateOut,
    DuplicatesOut,
    PersonCreateIn,
    PersonListOut,
    PersonOut,
    PersonUpdateIn,
    person_list_item,
    person_out,
)
from people.models import Person

router = Router(tags=["people"])

# The search stops after this many matches; ``count`` says how many it found up to there.
SEARCH_WINDOW = 500


def _load_person(request: HttpRequest, pk: int, perm: str = "people.view_person") -> Person:
    queryset = Person.objects.select_related("district").prefetch_related("phones")
    return selectors.get_visible_person(request.user, pk, perm=perm, queryset=queryset)


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


@router.get(
    "/people",
    response={200: PersonListOut, 400: ErrorOut, **ERRORS},
    operation_id="search_people",
    url_name="people",
    summary="Find citizens",
)
def search_people(
    request: HttpRequest,
    q: str = Query("", description="What an operator would type: phone, name, SNILS or birth date."),
    phone: str = Query("", description="A phone in any format: 8 (916) 123-45-67, +7 916 1234567."),
    snils: str = Query("", description="A SNILS in any format: 112-233-445 95."),
    limit: int = limit_param(),
    offset: int = offset_param(SEARCH_WINDOW),
) -> HttpResponse:
    """Citizens matching the query, best match first; operators and supervisors see everyone,
    dispatchers their TCSO's districts. Hospital coordinators, psychologists and personal assistants
    see the citizens whose records they may open, and other citizens at search level (``card``: false;
    name, birth date and district only) when the query has the full surname and a given name or a birth
    date; a phone or SNILS finds only the citizens whose records they may open. The search is journaled
    (what kind of query and which records were shown)."""
    require(request.user, "people.search_person")
    query = _search_query(q, phone, snils)
    found = selectors.find_people(request.user, query, limit=SEARCH_WINDOW)
    page = found[offset : offset + limit]
    services.record_search(actor=api_actor(request), kind=query.kind, results=page)
    body = PersonListOut(count=len(found), results=[person_list_item(p) for p in page])
    return json_answer(200, dump(body))


def _duplicates_answer(found: services.DuplicateFound) -> Answer:
    """409 with the possible duplicates; a shared SNILS cannot be confirmed away: it is the same person."""
    errors = None
    if found.same_snils:
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
            for c in found.candidates
        ],
    )
    return Answer(409, dump(body))


@router.post(
    "/people",
    response={201: PersonOut, 409: DuplicatesOut, **BODY_ERRORS, **ERRORS},
    operation_id="create_person",
    summary="Register a citizen",
    openapi_extra=IDEMPOTENCY_DOC,
)
def create_person(request: HttpRequest, payload: PersonCreateIn) -> HttpResponse:
    """Register a citizen. Phones are stored in E.164. If the citizen may already be registered, the
    answer is 409 with the candidates and nothing is saved; send ``confirm_not_duplicate: true`` to
    register anyway."""
    require(request.user, "people.add_person")

    def action() -> Answer:
        data = person_input_for_create(payload)
        try:
            person = services.create_person(
                data=data, actor=api_actor(request), confirm_not_duplicate=payload.confirm_not_duplicate
            )
        except services.DuplicateFound as found:
            return _duplicates_answer(found)  # answered, not raised: the journal of the candidates commits
        # The creator sees what he registered, even a citizen of a district his TCSO does not serve.
        created = Person.objects.select_related("district").prefetch_related("phones").get(pk=person.pk)
        return Answer(201, dump(person_out(created)))

    return created_answer(request, action, url_name="api:person", id_kwarg="person_id")


@router.get(
    "/people/{person_id}",
    response={200: PersonOut, 404: ErrorOut, **ERRORS},
    operation_id="get_person",
    url_name="person",
    summary="A citizen's record",
)
def get_person(request: HttpRequest, person_id: int) -> HttpResponse:
    """The full record; the view is journaled."""
    person = _load_person(request, person_id)
    services.record_person_view(person=person, actor=api_actor(request))
    return json_answer(200, dump(person_out(person)))


@router.patch(
    "/people/{person_id}",
    response={200: PersonOut, 404: ErrorOut, 409: ConflictOut, **BODY_ERRORS, **ERRORS},
    operation_id="update_person",
    summary="Change a citizen's record",
    openapi_extra=IDEMPOTENCY_DOC,
)
def update_person(request: HttpRequest, person_id: int, payload: PersonUpdateIn) -> HttpResponse:
    """Change the fields sent; the others keep their values. ``phones``, when sent, replaces the list.
    ``version`` must be the record's current version, else the answer is 409 with ``current_version``."""
    _load_person(request, person_id, perm="people.change_person")

    def action() -> Answer:
        fresh = Person.objects.select_related("district").get(pk=person_id)
        data, replace_phones = person_input_for_update(payload, fresh)
        services.update_person(
            person=fresh,
            data=data,
            version=payload.version,
            actor=api_actor(request),
            replace_phones=replace_phones,
        )
        return Answer(200, dump(person_out(_load_person(request, person_id))))

    answer, replayed = run_idempotent(request, action)
    return idempotent_answer(answer, replayed)
