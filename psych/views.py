"""Pages of consultations: the psychologist's day, the walk-in queue screen, finding a client, booking a
slot, one consultation with its confidential note, and the service's list of consultations."""

import datetime
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.feedback import report, report_form
from core.actor import Actor
from core.exceptions import ConcurrentEditError, ValidationError
from core.permissions import require
from core.validators import bounded_int
from directory.models import Organisation
from people import selectors as people_selectors
from people import services as people_services
from people.models import ContactPerson, Person
from psych import notes, selectors, services, workflow
from psych.crypto import UnreadableNote
from psych.forms import AddendumForm, BookForm, BreachForm, FinishForm, MoveForm, NoteForm, WalkInForm
from psych.models import Consultation, Topic
from scheduling import services as calendar
from scheduling.models import Resource, Slot

Status = Consultation.Status
SLOT_DAYS = 14


def _service_or_none(request: HttpRequest) -> Organisation | None:
    try:
        return services.service_of(request.user)
    except ValidationError:
        return None


# --- the psychologist's day -----------------------------------------------------------------------


@require_GET
def worklist(request: HttpRequest) -> HttpResponse:
    require(request.user, "psych.run_queue")
    service = _service_or_none(request)
    day = selectors.day_of(request.user)
    now = timezone.now()
    for alert in day.crises:
        alert.since_minutes = int((now - alert.raised_at).total_seconds() // 60)  # type: ignore[attr-defined]
    context = {
        "service": service,
        "places": services.places_of(service) if service is not None else [],
        "day": day,
        "now": now,
    }
    return render(request, "psych/worklist.html", context)


# --- the walk-in queue ----------------------------------------------------------------------------


def _queue_place(request: HttpRequest, service: Organisation) -> Organisation:
    places = services.places_of(service)
    wanted = bounded_int(request.GET.get("place") or request.POST.get("place"), minimum=1)
    if wanted is None:
        if not places:
            raise Http404
        return places[0]
    place = next((p for p in places if p.pk == wanted), None)
    if place is None:
        raise Http404
    return place


def _queue_context(request: HttpRequest, service: Organisation, place: Organisation) -> dict[str, Any]:
    now = timezone.now()
    rows = selectors.waiting_queue(service.pk, place.pk)
    for row in rows:
        row.waited = row.waited_minutes(now)  # type: ignore[attr-defined]
    waiting = [r for r in rows if r.status == Status.WAITING]
    return {
        "service": service,
        "place": place,
        "places": services.places_of(service),
        "waiting": waiting,
        "called": [r for r in rows if r.status == Status.CALLED],
        "in_progress": list(
            Consultation.objects.filter(
                organisation=service, place=place, status=Status.IN_PROGRESS, mode=Consultation.Mode.WALK_IN
            ).select_related("person", "psychologist")
        ),
        "longest": max((r.waited for r in waiting), default=None),  # type: ignore[attr-defined]
        "now": now,
    }


@require_http_methods(["GET", "POST"])
def queue(request: HttpRequest) -> HttpResponse:
    """The screen a psychologist keeps open at a centre: who waits and how long, call the next, register
    whoever arrives. The table refreshes itself every 15 seconds."""
    require(request.user, "psych.run_queue")
    service = _service_or_none(request)
    if service is None:
        messages.error(
            request, _("Your account is not linked to a hospital or a psychological service. Ask the administrator.")
        )
        return redirect("home")
    place = _queue_place(request, service)
    if request.method == "POST":
        form = WalkInForm(request.POST)
        if not form.is_valid():
            report_form(request, form)
        else:
            person = None
            if form.cleaned_data["person"]:
                person = Person.objects.filter(pk=form.cleaned_data["person"]).first()
            try:
                consultation = services.register_walk_in(
                    actor=Actor.from_request(request),
                    place=place,
                    client=services.Client(
                        person=person, kind=form.cleaned_data["client_kind"], label=form.cleaned_data["client_label"]
                    ),
                )
            except ValidationError as error:
                report(request, error)
            else:
                messages.success(
                    request,
                    _("Number %(n)s given to %(who)s.") % {"n": consultation.ticket, "who": _client_name(consultation)},
                )
        return redirect(f"{reverse('psych:queue')}?place={place.pk}")
    context = _queue_context(request, service, place)
    if request.htmx and request.GET.get("part") == "rows":  # type: ignore[attr-defined]
        return render(request, "psych/_queue_rows.html", context)
    context["form"] = WalkInForm(initial={"client_kind": Consultation.ClientKind.PATIENT, "place": place.pk})
    person_pk = bounded_int(request.GET.get("person"), minimum=1)
    context["chosen"] = Person.objects.filter(pk=person_pk).select_related("district").first() if person_pk else None
    return render(request, "psych/queue.html", context)


@require_POST
def call_next(request: HttpRequest) -> HttpResponse:
    require(request.user, "psych.run_queue")
    service = _service_or_none(request)
    if service is None:
        raise Http404
    place = _queue_place(request, service)
    try:
        consultation = services.call_next(actor=Actor.from_request(request), place=place)
    except ValidationError as error:
        report(request, error)
        return redirect(f"{reverse('psych:queue')}?place={place.pk}")
    if consultation is None:
        messages.info(request, _("Nobody is waiting."))
        return redirect(f"{reverse('psych:queue')}?place={place.pk}")
    messages.success(
        request,
        _("Called in: number %(n)s, %(who)s, waited %(min)s min.")
        % {"n": consultation.ticket, "who": _client_name(consultation), "min": consultation.waited_minutes()},
    )
    return redirect("psych:consultation", consultation.pk)


def _client_name(consultation: Consultation) -> str:
    if consultation.relative is not None:
        return consultation.relative.full_name
    if consultation.person is not None:
        return consultation.person.full_name
    return consultation.client_label or _("anonymous")


# --- finding a client -----------------------------------------------------------------------------


@require_GET
def find_client(request: HttpRequest) -> HttpResponse:
    """Find a registered patient to put in the queue or to book: name, birth date and district only."""
    require(request.user, "psych.register_consultation")
    raw = request.GET.get("q", "").strip()[:200]
    purpose = "book" if request.GET.get("for") == "book" else "queue"
    query = people_selectors.parse_query(raw)
    results: list[people_selectors.FoundPerson] = []
    if not query.is_empty:
        results = people_selectors.find_people(request.user, query, limit=20)
        people_services.record_search(actor=Actor.from_request(request), kind=query.kind, results=results)
    context = {
        "q": raw,
        "results": results,
        "searched": not query.is_empty,
        "unparsed": bool(raw) and query.is_empty,
        "purpose": purpose,
        "place": bounded_int(request.GET.get("place"), minimum=1),
    }
    return render(request, "psych/find.html", context)


# --- booking --------------------------------------------------------------------------------------


def _slots_by_day(service: Organisation, days: int = SLOT_DAYS) -> list[tuple[datetime.date, list[Slot]]]:
    resources = Resource.objects.filter(
        is_active=True, worker__organisation=service, worker__is_active=True, code="psychologist"
    )
    now = timezone.now()
    slots = calendar.free_slots(resources, after=now, before=now + datetime.timedelta(days=days)).select_related(
        "resource__worker"
    )[:400]
    days_map: dict[datetime.date, list[Slot]] = {}
    for slot in slots:
        days_map.setdefault(timezone.localtime(slot.starts_at).date(), []).append(slot)
    return sorted(days_map.items())


@require_http_methods(["GET", "POST"])
def book(request: HttpRequest) -> HttpResponse:
    """Book a consultation in a free slot of the service's psychologists, for a patient found by search
    (``person``) or for someone not registered (a name, a phone for the link)."""
    require(request.user, "psych.register_consultation")
    service = _service_or_none(request)
    if service is None:
        messages.error(
            request, _("Your account is not linked to a hospital or a psychological service. Ask the administrator.")
        )
        return redirect("home")
    person_pk = bounded_int(request.GET.get("person") or request.POST.get("person"), minimum=1)
    person = Person.objects.filter(pk=person_pk).select_related("district").first() if person_pk else None
    relatives = list(ContactPerson.objects.filter(person=person)) if person is not None else []
    steps = services.open_psych_steps(request.user, person) if person is not None else []
    form = BookForm(request.POST or None, relatives=relatives, steps=steps, initial={"format": "in_person"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        slot = (
            Slot.objects.select_related("resource__worker__user", "resource__organisation")
            .filter(pk=data["slot"])
            .first()
        )
        relative = next((r for r in relatives if r.pk == data["relative"]), None)
        try:
            if slot is None:
                raise ValidationError({"slot": _("Choose a free slot.")})
            consultation = services.book(
                actor=Actor.from_request(request),
                slot=slot,
                client=services.Client(
                    person=person,
                    kind=data["client_kind"],
                    relative=relative,
                    label=data["client_label"],
                    phone=data["client_phone"],
                    email=data["client_email"],
                ),
                format=data["format"],
                topic=Topic.objects.filter(pk=data["topic"], is_active=True).first() if data["topic"] else None,
                route_step=next((s for s in steps if s.pk == data["route_step"]), None),
            )
        except ValidationError as error:
            report(request, error)
        else:
            when = timezone.localtime(consultation.scheduled_at) if consultation.scheduled_at else None
            messages.success(
                request,
                _("Booked: %(who)s, %(date)s at %(time)s, %(format)s. The client gets an SMS.")
                % {
                    "who": _client_name(consultation),
                    "date": when.strftime("%d.%m.%Y") if when else "",
                    "time": when.strftime("%H:%M") if when else "",
                    "format": consultation.get_format_display(),
                },
            )
            return redirect("psych:consultation", consultation.pk)
    elif request.method == "POST":
        report_form(request, form)
    context = {
        "service": service,
        "person": person,
        "form": form,
        "days": _slots_by_day(service),
        "chosen_slot": bounded_int(request.POST.get("slot"), minimum=1) if request.method == "POST" else None,
    }
    return render(request, "psych/book.html", context)


# --- one consultation -----------------------------------------------------------------------------


def _detail_context(request: HttpRequest, consultation: Consultation, **forms: Any) -> dict[str, Any]:
    user = request.user
    may_change = user.has_perm("psych.change_consultation", consultation)
    may_read = notes.may_read(user, consultation)
    note = None
    if may_read:
        try:
            note = notes.read_note(actor=Actor.from_request(request), consultation=consultation)
        except UnreadableNote:
            # A ciphertext no configured key opens: the notes key was changed or the row was tampered with.
            messages.error(
                request, _("The note of this consultation cannot be read with the notes key. Tell the administrator.")
            )
            may_read = False
    moves = (
        [
            (to, label)
            for to, label in workflow.ACTION_LABELS.items()
            if workflow.allowed(consultation.status, to) and to != Status.DONE
        ]
        if may_change
        else []
    )
    breaches = (
        list(consultation.breaches.select_related("supervisor", "recorded_by"))
        if user.has_perm("psych.view_breaches", consultation)
        else []
    )
    return {
        "c": consultation,
        "client_name": _client_name(consultation)
        if may_read or user.has_perm("psych.change_consultation", consultation)
        else None,
        "may_change": may_change,
        "may_read": may_read,
        "note": note,
        "moves": moves,
        "cancel_label": workflow.ACTION_LABELS[Status.CANCELLED],
        "finish_form": forms.get("finish_form") or FinishForm(initial={"version": consultation.version}),
        "note_form": forms.get("note_form")
        or NoteForm(initial={"text": note.text if note else "", "version": note.version if note else 0}),
        "addendum_form": AddendumForm(),
        "breach_form": (forms.get("breach_form") or BreachForm(supervisors=notes.supervisors_to_inform(consultation)))
        if may_read
        else None,
        "breaches": breaches,
        "has_note": consultation_has_note(consultation),
        "waited": consultation.waited_minutes(),
    }


def consultation_has_note(consultation: Consultation) -> bool:
    return hasattr(consultation, "note") and consultation.note is not None


@require_GET
def consultation(request: HttpRequest, pk: int) -> HttpResponse:
    c = selectors.get_visible_consultation(request.user, pk)
    return render(request, "psych/consultation.html", _detail_context(request, c))


@require_POST
def move(request: HttpRequest, pk: int) -> HttpResponse:
    c = selectors.get_visible_consultation(request.user, pk, perm="psych.change_consultation")
    form = MoveForm(request.POST)
    if not form.is_valid():
        report_form(request, form)
        return redirect("psych:consultation", pk)
    try:
        services.move(
            actor=Actor.from_request(request),
            consultation=c,
            to=form.cleaned_data["to"],
            expected_version=form.cleaned_data["version"],
            reason=form.cleaned_data["reason"],
        )
    except (ValidationError, ConcurrentEditError) as error:
        report(request, error)
    else:
        messages.success(request, _("Done: %(action)s.") % {"action": workflow.ACTION_LABELS[form.cleaned_data["to"]]})
        if form.cleaned_data["to"] in (Status.WAITING, Status.LEFT) and c.place_id:
            return redirect(f"{reverse('psych:queue')}?place={c.place_id}")
    return redirect("psych:consultation", pk)


@require_POST
def finish(request: HttpRequest, pk: int) -> HttpResponse:
    c = selectors.get_visible_consultation(request.user, pk, perm="psych.change_consultation")
    form = FinishForm(request.POST)
    if not form.is_valid():
        report_form(request, form)
        return redirect("psych:consultation", pk)
    data = form.cleaned_data
    try:
        services.finish(
            actor=Actor.from_request(request),
            consultation=c,
            expected_version=data["version"],
            topic=Topic.objects.filter(pk=data["topic"]).first(),
            outcome=data["outcome"],
            next_step=data["next_step"],
            duration_minutes=data["duration_minutes"],
            close_step=data["close_step"],
        )
    except (ValidationError, ConcurrentEditError) as error:
        report(request, error)
    else:
        messages.success(request, _("The consultation is ended. The note can be written for 24 hours."))
    return redirect("psych:consultation", pk)


@require_POST
def write_note(request: HttpRequest, pk: int) -> HttpResponse:
    c = selectors.get_visible_consultation(request.user, pk, perm="psych.read_note")
    form = NoteForm(request.POST)
    if not form.is_valid():
        report_form(request, form)
        return redirect("psych:consultation", pk)
    try:
        notes.write_note(
            actor=Actor.from_request(request),
            consultation=c,
            text=form.cleaned_data["text"],
            expected_version=form.cleaned_data["version"],
        )
    except (ValidationError, ConcurrentEditError) as error:
        report(request, error)
    else:
        messages.success(request, _("The note is saved (encrypted; only your service's psychologists read it)."))
    return redirect(f"{reverse('psych:consultation', args=[pk])}#note")


@require_POST
def add_addendum(request: HttpRequest, pk: int) -> HttpResponse:
    c = selectors.get_visible_consultation(request.user, pk, perm="psych.read_note")
    form = AddendumForm(request.POST)
    if not form.is_valid():
        report_form(request, form)
    else:
        try:
            notes.add_addendum(actor=Actor.from_request(request), consultation=c, text=form.cleaned_data["text"])
        except ValidationError as error:
            report(request, error)
        else:
            messages.success(request, _("The addendum is saved."))
    return redirect(f"{reverse('psych:consultation', args=[pk])}#note")


@require_POST
def record_breach(request: HttpRequest, pk: int) -> HttpResponse:
    c = selectors.get_visible_consultation(request.user, pk, perm="psych.record_breach")
    supervisors = notes.supervisors_to_inform(c)
    form = BreachForm(request.POST, supervisors=supervisors)
    if not form.is_valid():
        report_form(request, form)
        return redirect(f"{reverse('psych:consultation', args=[pk])}#breach")
    data = form.cleaned_data
    try:
        breach = notes.record_breach(
            actor=Actor.from_request(request),
            consultation=c,
            reason=data["reason"],
            reported_to=data["reported_to"],
            reported_to_detail=data["reported_to_detail"],
            reference_number=data["reference_number"],
            supervisor=next((u for u in supervisors if u.pk == data["supervisor"]), None),
        )
    except ValidationError as error:
        report(request, error)
    else:
        messages.success(
            request,
            _("The break of confidentiality is recorded; %(who)s is told.")
            % {"who": breach.supervisor.get_full_name() or breach.supervisor.get_username()},
        )
    return redirect(f"{reverse('psych:consultation', args=[pk])}#breach")


# --- the service's list ---------------------------------------------------------------------------


@require_GET
def consultation_list(request: HttpRequest) -> HttpResponse:
    """Consultations the user may see, by period, format, mode and status: metadata only."""
    require(request.user, "psych.view_consultation")
    today = timezone.localdate()
    start = _date(request.GET.get("from")) or today - datetime.timedelta(days=30)
    end = _date(request.GET.get("to")) or today
    if end < start:
        start, end = end, start
    zone = timezone.get_current_timezone()
    rows = (
        selectors.visible_consultations(request.user)
        .annotate(when=selectors.WHEN)
        .filter(
            when__gte=datetime.datetime.combine(start, datetime.time.min, tzinfo=zone),
            when__lt=datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone),
        )
    )
    chosen = {}
    for name, values in (
        ("format", Consultation.Format.values),
        ("mode", Consultation.Mode.values),
        ("status", Status.values),
    ):
        value = request.GET.get(name, "")
        if value in values:
            rows = rows.filter(**{name: value})
            chosen[name] = value
    total = rows.count()
    page_rows = list(
        rows.select_related("organisation", "place", "psychologist", "topic__parent").order_by("-created_at", "-pk")[
            :200
        ]
    )
    context = {
        "rows": page_rows,
        "total": total,
        "start": start,
        "end": end,
        "chosen": chosen,
        "formats": Consultation.Format.choices,
        "modes": Consultation.Mode.choices,
        "statuses": Status.choices,
    }
    return render(request, "psych/consultations.html", context)


def _date(value: str | None) -> datetime.date | None:
    if not value or len(value) > 10:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None
