"""The operator's screen: caller-ID pop-up, logging a call with its requests, calls without a request."""

import hashlib
import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from assistance import workflow
from assistance.models import HelpRequest
from core.actor import Actor
from core.exceptions import ConcurrentEditError, ValidationError
from core.permissions import require
from core.validators import bounded_int
from intake import selectors, services
from intake.forms import (
    CallNoteForm,
    InteractionForm,
    RegisterCallerForm,
    RequestRowFormSet,
    default_callback_due,
    row_initial,
)
from intake.links import call_url
from intake.models import Interaction
from people import selectors as people_selectors
from people import services as people_services
from people.models import ContactPerson, Person

ROWS_PREFIX = "rows"
ROW_FIELDS = ["service_type", "details", "address", "window_date", "window_from", "window_to", "urgency"]


def screen_pop(request: HttpRequest) -> HttpResponse:
    """Who is calling: the citizens with this phone, their open requests and recent calls."""
    require(request.user, "intake.take_calls")
    raw = request.GET.get("phone", "").strip()
    call_id = request.GET.get("call", "").strip()
    # A call the user may not see is shown as an unknown call id: no number, no time, no operator.
    call = selectors.find_visible_call(request.user, call_id)
    if not raw and call is not None:
        raw = call.phone
    query = people_selectors.parse_query(raw) if raw else people_selectors.SearchQuery(raw="")
    people: list[Person] = []
    if query.phone:
        people = people_selectors.search_people(
            people_selectors.SearchQuery(raw=raw, phone=query.phone),
            base=people_selectors.visible_people(request.user),
        )
    # The citizen just registered on this call comes first, selected.
    selected_pk = bounded_int(request.GET.get("person"), minimum=1)
    if selected_pk is not None:
        selected = people_selectors.visible_people(request.user).filter(pk=selected_pk).first()
        if selected is not None:
            people = [selected, *(p for p in people if p.pk != selected.pk)]
    if people or query.phone:
        people_services.record_search(actor=Actor.from_request(request), kind="caller_id", results=people)
    cards = selectors.screen_pop_cards(people, query.phone or "")
    first_contact = cards[0]["contacts"][0] if cards and cards[0]["contacts"] else None
    context = {
        "raw": raw,
        "phone": query.phone or "",
        "not_a_phone": bool(raw) and not query.phone,
        "call": call,
        "call_id": call_id,
        "cards": cards,
        "open_now": services.is_open(),
        "closed_notice": services.closed_notice(),
        "interaction_form": InteractionForm(
            initial={
                "phone": query.phone or "",
                "call": call_id,
                "call_version": call.version if call else None,
                "contact": first_contact.pk if first_contact else None,
                "callback_due_at": default_callback_due(),
            }
        ),
    }
    return render(request, "intake/screen_pop.html", context)


def _review_token(rows: list[services.RowInput], note: str) -> str:
    """A fingerprint of what the operator read back, so a change after the read-back is read back again."""
    canonical = [
        [
            r.data.service_type.pk if r.data.service_type else None,
            r.data.details.strip(),
            r.data.address.strip(),
            r.data.urgency,
            r.data.window_start.isoformat() if r.data.window_start else "",
            r.data.window_end.isoformat() if r.data.window_end else "",
            r.data.night_visit,
            r.confirm_duplicate,
        ]
        for r in rows
    ]
    return hashlib.sha256(json.dumps([canonical, note.strip()], ensure_ascii=False).encode()).hexdigest()[:32]


def _with_one_more_row(data: QueryDict, person: Person) -> list[dict[str, Any]]:
    """The rows as typed, plus a fresh row with the defaults: "add another request" without JS."""
    total = bounded_int(data.get(f"{ROWS_PREFIX}-TOTAL_FORMS"), minimum=1) or 1
    rows: list[dict[str, Any]] = []
    for index in range(min(total, 9)):
        row: dict[str, Any] = {name: data.get(f"{ROWS_PREFIX}-{index}-{name}", "") for name in ROW_FIELDS}
        for box in ("night_visit", "confirm_duplicate"):
            row[box] = bool(data.get(f"{ROWS_PREFIX}-{index}-{box}"))
        rows.append(row)
    rows.append(row_initial(person.address))
    return rows


def _apply_row_errors(formset: Any, errors: list[dict[str, list[str]]]) -> None:
    for form, row_errors in zip(formset.forms, errors, strict=False):
        for field, messages_ in row_errors.items():
            field = {"window_end": "window_to", "window_start": "window_from"}.get(field, field)
            form.add_error(field if field in form.fields else None, messages_)


def person_call(request: HttpRequest, pk: int) -> HttpResponse:
    """Log a call of a known citizen: one or more requests, read back, then saved together."""
    require(request.user, "intake.take_calls")
    person = people_selectors.get_visible_person(request.user, pk)
    call_id = (request.POST.get("call") or request.GET.get("call", "")).strip()
    # The version of the call the operator saw when the form opened, carried through the read-back.
    if request.method == "POST":
        call_version = bounded_int(request.POST.get("call_version"), minimum=1)
        call = None
    else:
        call = selectors.find_visible_call(request.user, call_id)
        call_version = call.version if call is not None else None
    refused: int | None = None  # 409 or 403 when the call was changed meanwhile or is not the user's
    defaults = row_initial(person.address)
    review: list[dict[str, Any]] = []
    # What stops every request (no district) is said before the operator reads anything back.
    general_errors: list[str] = services.person_problems(person)
    note_form = CallNoteForm(request.POST or None, initial=_call_note_initial(request, person, call))
    contact = _contact_of(person, request.POST.get("contact") or request.GET.get("contact"))
    if request.method == "POST" and "add_row" in request.POST:
        formset = RequestRowFormSet(
            prefix=ROWS_PREFIX, initial=_with_one_more_row(request.POST, person), row_defaults=defaults
        )
        note_form = CallNoteForm(
            initial={
                "note": request.POST.get("note", ""),
                "phone": request.POST.get("phone", ""),
                "contact": contact.pk if contact else None,
            }
        )
    elif request.method == "POST":
        formset = RequestRowFormSet(request.POST, prefix=ROWS_PREFIX, row_defaults=defaults)
        if formset.is_valid() and note_form.is_valid() and not general_errors:
            rows = [form.to_row(person.address) for form in formset.forms]
            note = note_form.cleaned_data["note"]
            errors, duplicates = services.row_problems(person=person, rows=rows)
            for form, found in zip(formset.forms, duplicates, strict=True):
                form.duplicates = found
            token = _review_token(rows, note)
            if any(errors):
                _apply_row_errors(formset, errors)
            elif "confirm" in request.POST and note_form.cleaned_data["review_token"] == token:
                try:
                    interaction = services.log_call(
                        person=person,
                        rows=rows,
                        actor=Actor.from_request(request),
                        note=note,
                        phone=note_form.cleaned_data["phone"],
                        caller_contact=contact,
                        cti_call_id=call_id,
                        version=call_version,
                    )
                except services.RowErrors as exc:
                    _apply_row_errors(formset, exc.rows)
                    general_errors = exc.general
                except ValidationError as exc:
                    general_errors = exc.messages
                except ConcurrentEditError as exc:
                    general_errors, refused = [str(exc.message)], 409
                except PermissionDenied as exc:
                    general_errors, refused = [str(exc)], 403
                else:
                    messages.success(request, saved_message(person, interaction))
                    # The operator lands where the next call starts.
                    return redirect("intake:call")
            else:
                review = [
                    {"row": row, "window": form.window(), "urgent": row.data.urgency == "urgent"}
                    for row, form in zip(rows, formset.forms, strict=True)
                ]
                data = request.POST.copy()
                data["review_token"] = token
                note_form = CallNoteForm(data)
                note_form.is_valid()
    else:
        formset = RequestRowFormSet(prefix=ROWS_PREFIX, initial=[defaults], row_defaults=defaults)
    if not review:
        formset.forms[0].fields["service_type"].widget.attrs["autofocus"] = True
    open_requests = list(
        HelpRequest.objects.filter(person=person, status__in=workflow.OPEN)
        .select_related("service_type")
        .order_by("due_at")
    )
    return render(
        request,
        "intake/person_call.html",
        {
            "person": person,
            "phones": list(person.phones.all()),
            "formset": formset,
            "note_form": note_form,
            "review": review,
            "general_errors": general_errors,
            "call_id": call_id,
            "call_version": call_version,
            "contact": contact,
            "open_requests": open_requests,
            "open_now": services.is_open(),
            "closed_notice": services.closed_notice(),
        },
        status=_status(request, review=bool(review), refused=refused),
    )


def saved_message(person: Person, interaction: Interaction) -> str:
    """The numbers to read out to the caller, and whose they are: the name in its dictionary form with
    initials ("Новикова А. Б."), never declined by a template."""
    numbers = sorted(r.pk for r in interaction.requests.all())
    return ngettext(
        "Request No. %(numbers)s saved — %(name)s",
        "Requests No. %(numbers)s saved — %(name)s",
        len(numbers),
    ) % {"numbers": ", ".join(str(n) for n in numbers), "name": person.short_name}


def _call_note_initial(request: HttpRequest, person: Person, call: Interaction | None) -> dict[str, Any]:
    """The caller's number: from the screen pop, else the telephony's call, else the citizen's own phone
    (a call started from the card); the operator corrects it if someone else is calling."""
    phone = request.GET.get("phone", "").strip()
    if not phone and call is not None:
        phone = call.phone
    if not phone:
        primary = person.phones.order_by("-is_primary", "id").first()
        phone = primary.number if primary else ""
    contact = bounded_int(request.GET.get("contact"), minimum=1)
    return {"phone": phone, "contact": contact}


def _contact_of(person: Person, raw: str | None) -> ContactPerson | None:
    """The citizen's contact person named by the screen pop, or None (someone else's is ignored)."""
    pk = bounded_int(raw, minimum=1)
    if pk is None:
        return None
    return ContactPerson.objects.filter(person=person, pk=pk).first()


def _status(request: HttpRequest, *, review: bool, refused: int | None) -> int:
    """``refused`` when the call was not saved (409, 403), 400 for a form with errors, else 200."""
    if refused is not None:
        return refused
    return 400 if request.method == "POST" and not review and "add_row" not in request.POST else 200


@require_POST
def interaction_create(request: HttpRequest) -> HttpResponse:
    """Record a call that produced no request, from the screen pop."""
    require(request.user, "intake.take_calls")
    form = InteractionForm(request.POST)
    back = call_url(request.POST.get("phone", ""), request.POST.get("call", ""))
    if not form.is_valid():
        messages.error(request, _("Choose how the call ended."))
        return redirect(back)
    data = form.cleaned_data
    person = people_selectors.get_visible_person(request.user, data["person"]) if data.get("person") else None
    contact = _contact_of(person, str(data["contact"] or "")) if person is not None else None
    try:
        services.record_interaction(
            person=person,
            outcome=data["outcome"],
            note=data["note"],
            phone=data["phone"],
            caller_contact=contact,
            callback_due_at=data.get("callback_due_at"),
            cti_call_id=data["call"] or None,
            version=data["call_version"],
            actor=Actor.from_request(request),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except ConcurrentEditError as exc:
        messages.error(request, str(exc.message))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Call recorded."))
    return redirect(back)


def register_caller(request: HttpRequest) -> HttpResponse:
    """Register an unknown caller during the call, then return to the same call with the citizen selected."""
    require(request.user, "intake.take_calls")
    require(request.user, "people.add_person")
    call_id = (request.POST.get("call") or request.GET.get("call", "")).strip()
    initial = {"phone": request.GET.get("phone", ""), "call": call_id}
    form = RegisterCallerForm(request.POST or None, initial=initial)
    duplicates: list[Person] = []
    if request.method == "POST" and form.is_valid():
        phone = form.cleaned_data["phone"]
        try:
            person = services.register_caller(
                data=form.to_input(),
                actor=Actor.from_request(request),
                consent_given=form.cleaned_data["consent"],
                phone=phone,
                cti_call_id=call_id or None,
                confirm_not_duplicate=form.cleaned_data["confirm_not_duplicate"],
            )
        except people_services.DuplicateFound as found:
            duplicates = [c.person for c in found.candidates]
            form.add_error(None, found.message)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]:
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(
                request, _("%(name)s registered — take the request on this call.") % {"name": person.short_name}
            )
            return redirect(call_url(phone, call_id, person=person.pk))
    return render(
        request,
        "intake/register_caller.html",
        {"form": form, "districts": form.district_choices, "duplicates": duplicates, "call_id": call_id},
        status=400 if request.method == "POST" else 200,
    )


def callbacks(request: HttpRequest) -> HttpResponse:
    """The calls that need a callback, soonest due first: the list the operators work through."""
    require(request.user, "intake.take_calls")
    waiting = list(selectors.callbacks_to_make(request.user)[:200])
    return render(request, "intake/callbacks.html", {"callbacks": waiting, "now": timezone.now()})


@require_POST
def callback_done(request: HttpRequest, pk: int) -> HttpResponse:
    """Take a callback off the list once the operator has called back."""
    require(request.user, "intake.take_calls")
    interaction = get_object_or_404(selectors.visible_interactions(request.user), pk=pk)
    try:
        services.mark_called_back(interaction=interaction, actor=Actor.from_request(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Callback marked as made."))
    return redirect("intake:callbacks")
