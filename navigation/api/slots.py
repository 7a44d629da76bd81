"""Free slots for the oncology programme in the JSON API (/api/v1/slots): a doctor's visit or a diagnostic
test across facilities, earliest first, those in the patient's okrug first at the same time
(``navigation.appointments.search_slots``).

Only personal assistants search: they book (``navigation.book_appointment``). Supervisors oversee
appointments (``GET /appointments``) but neither book nor hold slots, so the search is not theirs.
"""

import datetime
import re

from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router

from api.errors import InputError
from api.pagination import limit_param
from api.responses import api_actor, dump, json_answer
from api.schemas import ERRORS
from core.permissions import require
from core.validators import MAX_ID
from navigation import appointments
from navigation.api.schemas import YEARS, SlotListOut, record_view, slot_out
from people.models import Person

router = Router(tags=["slots"])

# What a resource code looks like (oncologist, ct, mri…); anything else is no code, never sent to the database.
RESOURCE_CODE = re.compile(r"[a-z0-9_-]{1,50}")
# The widest range one search may cover.
MAX_RANGE = datetime.timedelta(days=366)
FROM_PARAM = Query(None, alias="from", description="From this time (now when left out; Moscow time if no offset).")
TO_PARAM = Query(None, alias="to", description="Before this time; at most 366 days after ``from``.")


def _aware(value: datetime.datetime | None, field: str, problems: dict[str, list[str]]) -> datetime.datetime | None:
    """Moscow time if the client gave no offset; in UTC; a year outside YEARS is a problem of ``field``."""
    if value is None:
        return None
    try:
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        value = value.astimezone(datetime.UTC)
    except (OverflowError, ValueError):
        value = None
    if value is None or value.year not in YEARS:
        problems[field] = [_("Enter a date and time between the years 2000 and 2100.")]
        return None
    return value


@router.get(
    "/slots",
    response={200: SlotListOut, **ERRORS},
    operation_id="search_slots",
    url_name="slots",
    summary="Find free slots of a doctor or a diagnostic test across facilities",
)
def search_slots(
    request: HttpRequest,
    resource: str = Query(
        ..., min_length=1, max_length=50, description="The type of doctor or device: oncologist, ct, mri…"
    ),
    starts_from: datetime.datetime | None = FROM_PARAM,
    starts_to: datetime.datetime | None = TO_PARAM,
    person_id: int | None = Query(
        None, ge=1, le=MAX_ID, description="The patient: facilities in their okrug come first at the same time."
    ),
    limit: int = limit_param(),
) -> HttpResponse:
    """Free slots of the facilities the programme books (polyclinics, outpatient oncology centres,
    hospitals), earliest first; at the same time, facilities in the patient's okrug before the others.
    Personal assistants only. Book one with ``POST /appointments``."""
    require(request.user, "navigation.book_appointment")
    actor = api_actor(request)
    problems: dict[str, list[str]] = {}
    code = resource.strip().lower()
    if not RESOURCE_CODE.fullmatch(code) or not appointments.bookable_resources(code).exists():
        problems["resource"] = [
            _("No facility offers this type of doctor or device: use a code such as oncologist, ct or mri.")
        ]
    start = _aware(starts_from, "from", problems)
    end = _aware(starts_to, "to", problems)
    if end is not None and "from" not in problems:
        since = start or timezone.now()
        if end < since:
            problems["to"] = [_("The end of the range is before its start.")]
        elif end - since > MAX_RANGE:
            problems["to"] = [_("Search at most 366 days at once.")]
    person = None
    if person_id is not None:
        person = Person.objects.select_related("district").filter(pk=person_id).first()
        if person is None or not actor.user.has_perm("people.view_person", person):
            problems["person_id"] = [_("No such citizen.")]
    if problems:
        raise InputError(problems)
    slots = appointments.search_slots(code, person, after=start, limit=limit, until=end)
    prefetch_related_objects(slots, "resource__organisation__okrug")
    if person is not None:
        # The patient's district decided the order: a use of their record, journaled as a read.
        record_view(actor, person, person.pk, "slot_search")
    return json_answer(200, dump(SlotListOut(count=len(slots), results=[slot_out(s) for s in slots])))
