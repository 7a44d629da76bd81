"""Business actions on consultations: the walk-in queue, booking a psychologist's slot, online sessions with
their link and reminder, and each move of a consultation. Each checks its permission, validates, writes,
journals and queues its messages in one transaction. Notes are in ``psych.notes``."""

import datetime
import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit import services as audit
from audit.models import Action
from cases.models import Case, Responsible, RouteStep
from cases.services import move_step
from core.actor import Actor
from core.exceptions import ConcurrentEditError, ValidationError
from core.permissions import own_organisation_id, require
from core.roles import Role
from core.validators import clean_field, try_normalise_phone
from directory.models import Organisation
from notify import services as notify
from notify.models import Channel
from people.models import ContactPerson, Person, PersonPhone
from psych import workflow
from psych.models import Consultation, ServiceSettings, Topic
from scheduling import services as calendar
from scheduling.models import Slot

Status = Consultation.Status
SERVICE_KINDS = (Organisation.Kind.HOSPITAL, Organisation.Kind.PSYCH_SERVICE)
PLACE_KINDS: dict[str, str] = {
    Organisation.Kind.HOSPITAL: Consultation.Place.HOSPITAL,
    Organisation.Kind.ONCOLOGY_CENTRE: Consultation.Place.ONCOLOGY_CENTRE,
}
# Messages to clients are written in Russian, whatever language the psychologist's screen is in.
CLIENT_LANGUAGE = "ru"
DEFAULT_PLATFORM = "Психология для жизни"
MAX_DURATION_MINUTES = 480


_text = clean_field  # one text field: cleaned, required, bounded (core.validators)


def _journal(actor: Actor, action: str, consultation: Consultation, *, fields: list[str], **details: Any) -> None:
    """Metadata only: the journal never holds what was said, only what was done with the record."""
    audit.record(
        actor=actor,
        action=action,
        obj=consultation,
        person_id=consultation.person_id,
        fields=fields,
        details={"status": consultation.status, **details},
    )


# --- where the user works ---------------------------------------------------------------------------


def service_of(user: Any) -> Organisation:
    """The psychological service the user works for (a hospital's team or the city's service)."""
    own = own_organisation_id(user)
    service = Organisation.objects.filter(pk=own, kind__in=SERVICE_KINDS).first() if own else None
    if service is None:
        raise ValidationError(
            {
                "__all__": _(
                    "Your account is not linked to a hospital or a psychological service. Ask the administrator."
                )
            }
        )
    return service


def places_of(service: Organisation) -> list[Organisation]:
    """Where a service sees clients in person: a hospital's team in its hospital, the city's service at the
    outpatient oncology centres of its programme."""
    if service.kind == Organisation.Kind.HOSPITAL:
        return [service]
    centres = Organisation.objects.filter(kind=Organisation.Kind.ONCOLOGY_CENTRE, is_active=True)
    with_programme = centres.filter(programmes__code="psych_support")
    return list((with_programme if with_programme.exists() else centres).order_by("name"))


def _place_of(service: Organisation, place: Organisation | None) -> Organisation:
    places = places_of(service)
    if place is None and len(places) == 1:
        return places[0]
    if place is None or place.pk not in {p.pk for p in places}:
        raise ValidationError({"place": _("Choose one of the places where your service sees clients.")})
    return place


def settings_of(service: Organisation) -> ServiceSettings | None:
    return ServiceSettings.objects.filter(organisation=service).first()


# --- the client -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Client:
    """Who comes: a registered patient (or their relative), or someone who gives only a name or none."""

    person: Person | None = None
    kind: str = Consultation.ClientKind.PATIENT
    relative: ContactPerson | None = None
    label: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class CleanClient:
    person: Person | None
    kind: str
    relative: ContactPerson | None
    label: str
    phone: str
    email: str


def check_client(client: Client, *, needs_contact: bool = False) -> tuple[CleanClient | None, dict[str, list[str]]]:
    problems: dict[str, list[str]] = {}
    label = ""
    try:
        label = _text(client.label, "client_label", limit=200)
    except ValidationError as error:
        problems.update(error.message_dict)
    if client.kind not in Consultation.ClientKind.values:
        problems["client_kind"] = [_("Choose whether the client is the patient or a relative.")]
    relative = client.relative
    if relative is not None and (client.person is None or relative.person_id != client.person.pk):
        problems["relative"] = [_("This relative is not on the patient's card.")]
    if client.kind == Consultation.ClientKind.RELATIVE and relative is None and not label:
        problems["relative"] = [_("Choose the relative from the patient's card or write their name.")]
    phone = ""
    if client.phone.strip():
        normalised = try_normalise_phone(client.phone)
        if normalised is None:
            problems["client_phone"] = [_("Enter a Russian phone number, e.g. +7 916 123-45-67.")]
        else:
            phone = normalised
    email = client.email.strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems["client_email"] = [_("Enter a valid e-mail address.")]
        if len(email) > 254:
            problems["client_email"] = [_("At most %(n)d characters.") % {"n": 254}]
    if problems:
        return None, problems
    if client.person is None and not label:
        label = _("anonymous")
    clean = CleanClient(client.person, client.kind, relative, label, phone, email)
    if needs_contact and not (email or _client_phone(clean)):
        problems["client_phone"] = [_("An online consultation needs a mobile phone or an e-mail to send the link to.")]
        return None, problems
    return clean, {}


def _client_phone(client: CleanClient | Consultation) -> str:
    """Where an SMS to the client goes: the number given, the relative's, else the patient's mobile."""
    given = getattr(client, "phone", "") or getattr(client, "client_phone", "")
    if given:
        return str(given)
    relative = client.relative
    if relative is not None:
        return relative.phone or ""
    person = client.person
    if person is None:
        return ""
    phones = PersonPhone.objects.filter(person=person, kind=PersonPhone.Kind.MOBILE).order_by("-is_primary", "pk")
    return phones.values_list("number", flat=True).first() or ""


# --- the walk-in queue ------------------------------------------------------------------------------


def _today_start(now: datetime.datetime) -> datetime.datetime:
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _close_yesterdays_queue(actor: Actor, place: Organisation, today_start: datetime.datetime) -> None:
    """The queue is a day's: whoever still waits from an earlier day left without a consultation (their
    number is free again for today's queue)."""
    stale = list(
        Consultation.objects.filter(
            place=place,
            mode=Consultation.Mode.WALK_IN,
            status__in=[Status.WAITING, Status.CALLED],
            queued_at__lt=today_start,
        )
    )
    for consultation in stale:
        Consultation.objects.filter(pk=consultation.pk).update(status=Status.LEFT, version=F("version") + 1)
        consultation.status = Status.LEFT
        _journal(actor, Action.CHANGE, consultation, fields=["status"], to=Status.LEFT, why="queue_of_an_earlier_day")


def register_walk_in(*, actor: Actor, client: Client, place: Organisation | None = None) -> Consultation:
    """Someone came without an appointment: they get the next number of the centre's queue for today."""
    require(actor.user, "psych.register_consultation")
    service = service_of(actor.user)
    problems: dict[str, list[str]] = {}
    try:
        place = _place_of(service, place)
    except ValidationError as error:
        problems.update(error.message_dict)
    clean, client_problems = check_client(client)
    problems.update(client_problems)
    if problems or clean is None or place is None:
        raise ValidationError(problems)
    for _attempt in range(5):
        now = timezone.now()
        try:
            with transaction.atomic():
                _close_yesterdays_queue(actor, place, _today_start(now))
                last = Consultation.objects.filter(
                    place=place, mode=Consultation.Mode.WALK_IN, queued_at__gte=_today_start(now)
                ).aggregate(n=Max("ticket"))["n"]
                consultation = Consultation.objects.create(
                    organisation=service,
                    person=clean.person,
                    client_kind=clean.kind,
                    relative=clean.relative,
                    client_label=clean.label,
                    client_phone=clean.phone,
                    client_email=clean.email,
                    format=Consultation.Format.IN_PERSON,
                    mode=Consultation.Mode.WALK_IN,
                    place_kind=PLACE_KINDS.get(place.kind, Consultation.Place.HOSPITAL),
                    place=place,
                    status=Status.WAITING,
                    ticket=(last or 0) + 1,
                    queued_at=now,
                    created_by=actor.user,
                )
                _journal(actor, Action.CREATE, consultation, fields=["client", "place"], ticket=consultation.ticket)
        except IntegrityError:  # another registration took the same number a moment ago
            continue
        return consultation
    raise ValidationError({"__all__": _("The queue is busy: try again.")})


def call_next(*, actor: Actor, place: Organisation) -> Consultation | None:
    """The psychologist calls in whoever has waited longest at ``place``; None when nobody waits. Two
    psychologists pressing at once call in two different people (a conditional update)."""
    require(actor.user, "psych.run_queue")
    service = service_of(actor.user)
    for _attempt in range(10):
        candidate = (
            Consultation.objects.filter(organisation=service, place=place, status=Status.WAITING)
            .order_by("queued_at", "pk")
            .first()
        )
        if candidate is None:
            return None
        with transaction.atomic():
            taken = Consultation.objects.filter(pk=candidate.pk, status=Status.WAITING).update(
                status=Status.CALLED, called_at=timezone.now(), psychologist=actor.user, version=F("version") + 1
            )
            if taken:
                candidate.refresh_from_db()
                _journal(actor, Action.CHANGE, candidate, fields=["status", "psychologist"], to=Status.CALLED)
                return candidate
    return None


# --- moves ------------------------------------------------------------------------------------------


def _conditional_save(consultation: Consultation, expected_version: int, from_status: str, **values: Any) -> None:
    """Write ``values`` only if nobody changed the consultation since the user saw it."""
    updated = Consultation.objects.filter(pk=consultation.pk, version=expected_version, status=from_status).update(
        version=expected_version + 1, updated_at=timezone.now(), **values
    )
    if not updated:
        raise ConcurrentEditError(consultation.version)
    consultation.refresh_from_db()


def move(*, actor: Actor, consultation: Consultation, to: str, expected_version: int, reason: str = "") -> Consultation:
    """Call in, start, send back to the queue, mark as left, cancel or mark as not come (ending is ``finish``)."""
    require(actor.user, "psych.change_consultation", consultation)
    labels = dict(Status.choices)
    if to == Status.DONE or not workflow.allowed(consultation.status, to):
        raise ValidationError(
            {
                "to": _("This consultation cannot go from “%(from)s” to “%(to)s”.")
                % {"from": labels.get(consultation.status, consultation.status), "to": labels.get(to, to)}
            }
        )
    reason = _text(reason, "reason", required=to in workflow.REASON_REQUIRED, limit=300)
    now = timezone.now()
    values: dict[str, Any] = {"status": to}
    if to == Status.CALLED:
        values.update(called_at=now, psychologist=actor.user)
    elif to == Status.WAITING:
        values.update(called_at=None, psychologist=None)
    elif to == Status.IN_PROGRESS:
        values.update(started_at=now, psychologist=consultation.psychologist or actor.user)
        if consultation.mode == Consultation.Mode.WALK_IN and consultation.called_at is None:
            values["called_at"] = now
    elif to == Status.CANCELLED:
        values["cancel_reason"] = reason
    with transaction.atomic():
        _conditional_save(consultation, expected_version, consultation.status, **values)
        if to in (Status.CANCELLED, Status.NO_SHOW) and consultation.booking is not None:
            calendar.cancel(actor=actor, booking=consultation.booking)
        if to == Status.CANCELLED:
            _tell_client(consultation, "cancelled")
        _journal(actor, Action.CHANGE, consultation, fields=["status"], to=to)
    return consultation


def finish(
    *,
    actor: Actor,
    consultation: Consultation,
    expected_version: int,
    topic: Topic | None,
    outcome: str,
    next_step: str = "",
    duration_minutes: int | None = None,
    close_step: bool = False,
) -> Consultation:
    """End a consultation in progress: its topic and outcome are required (the service's figures count
    them); the duration is the time it took unless the psychologist corrects it. With ``close_step`` the
    case's route step it answers is marked done (the case shows "consultation held", nothing more)."""
    require(actor.user, "psych.change_consultation", consultation)
    problems: dict[str, list[str]] = {}
    if consultation.status != Status.IN_PROGRESS:
        problems["__all__"] = [_("Only a consultation in progress can be ended.")]
    if topic is None or not topic.is_active:
        problems["topic"] = [_("Choose the topic of the consultation.")]
    if outcome not in Consultation.Outcome.values:
        problems["outcome"] = [_("Choose the outcome of the consultation.")]
    if duration_minutes is not None and not 1 <= duration_minutes <= MAX_DURATION_MINUTES:
        problems["duration_minutes"] = [_("The duration is from 1 to %(n)d minutes.") % {"n": MAX_DURATION_MINUTES}]
    try:
        next_step = _text(next_step, "next_step", limit=300)
    except ValidationError as error:
        problems.update(error.message_dict)
    step = consultation.route_step if close_step else None
    if close_step and step is None:
        problems["close_step"] = [_("This consultation answers no step of a route of help.")]
    if problems:
        raise ValidationError(problems)
    now = timezone.now()
    started = consultation.started_at or now
    minutes = duration_minutes or max(1, min(MAX_DURATION_MINUTES, round((now - started).total_seconds() / 60)))
    with transaction.atomic():
        _conditional_save(
            consultation,
            expected_version,
            Status.IN_PROGRESS,
            status=Status.DONE,
            ended_at=now,
            duration_minutes=minutes,
            topic=topic,
            outcome=outcome,
            next_step=next_step,
        )
        if step is not None and not step.is_finished:
            move_step(
                actor=actor,
                step=step,
                to=RouteStep.Status.DONE,
                expected_version=step.version,
                result=_step_result(now),
            )
        _journal(actor, Action.CHANGE, consultation, fields=["status", "topic", "outcome"], to=Status.DONE)
    return consultation


def _step_result(now: datetime.datetime) -> str:
    """What the route step says it came to: that a consultation was held, in the case's language (Russian)."""
    with translation.override(CLIENT_LANGUAGE):
        return _("Psychologist's consultation held on %(date)s.") % {
            "date": timezone.localtime(now).strftime("%d.%m.%Y")
        }


@dataclass(frozen=True)
class HeldDetails:
    """A consultation held and recorded afterwards (a phone consultation, a talk on the ward)."""

    format: str
    mode: str
    started_at: datetime.datetime
    duration_minutes: int
    topic: Topic | None
    outcome: str
    next_step: str = ""
    place: Organisation | None = None


RECORD_HELD_DAYS = 30


def record_held(*, actor: Actor, client: Client, details: HeldDetails) -> Consultation:
    """Record a consultation that has already taken place: its times, format, mode, topic and outcome.
    Up to 30 days back; nothing is sent to the client. The note is written afterwards as for any other
    (within 24 hours of its end)."""
    require(actor.user, "psych.register_consultation")
    service = service_of(actor.user)
    problems: dict[str, list[str]] = {}
    now = timezone.now()
    clean, client_problems = check_client(client)
    problems.update(client_problems)
    if details.format not in Consultation.Format.values:
        problems["format"] = [_("Choose the format: in person, online or by phone.")]
    if details.mode not in Consultation.Mode.values:
        problems["mode"] = [_("Choose how the client came: without appointment, by appointment or the hotline.")]
    if details.started_at > now:
        problems["started_at"] = [_("A consultation held cannot start in the future.")]
    elif details.started_at < now - datetime.timedelta(days=RECORD_HELD_DAYS):
        problems["started_at"] = [
            _("Only consultations of the last %(n)d days are recorded afterwards.") % {"n": RECORD_HELD_DAYS}
        ]
    if not 1 <= details.duration_minutes <= MAX_DURATION_MINUTES:
        problems["duration_minutes"] = [_("The duration is from 1 to %(n)d minutes.") % {"n": MAX_DURATION_MINUTES}]
    if details.topic is None or not details.topic.is_active:
        problems["topic"] = [_("Choose the topic of the consultation.")]
    if details.outcome not in Consultation.Outcome.values:
        problems["outcome"] = [_("Choose the outcome of the consultation.")]
    try:
        next_step = _text(details.next_step, "next_step", limit=300)
    except ValidationError as error:
        problems.update(error.message_dict)
    place = None
    if details.format == Consultation.Format.IN_PERSON:
        try:
            place = _place_of(service, details.place)
        except ValidationError as error:
            problems.update(error.message_dict)
    if problems or clean is None:
        raise ValidationError(problems)
    ended = details.started_at + datetime.timedelta(minutes=details.duration_minutes)
    with transaction.atomic():
        consultation = Consultation.objects.create(
            organisation=service,
            psychologist=actor.user,
            person=clean.person,
            client_kind=clean.kind,
            relative=clean.relative,
            client_label=clean.label,
            client_phone=clean.phone,
            client_email=clean.email,
            format=details.format,
            mode=details.mode,
            place_kind=PLACE_KINDS.get(place.kind, Consultation.Place.HOSPITAL) if place else Consultation.Place.REMOTE,
            place=place,
            status=Status.DONE,
            # A walk-in recorded afterwards has no number of the day's queue (0) and no waiting time.
            ticket=0 if details.mode == Consultation.Mode.WALK_IN else None,
            queued_at=details.started_at if details.mode == Consultation.Mode.WALK_IN else None,
            started_at=details.started_at,
            ended_at=min(ended, now),
            duration_minutes=details.duration_minutes,
            topic=details.topic,
            outcome=details.outcome,
            next_step=next_step,
            created_by=actor.user,
        )
        _journal(actor, Action.CREATE, consultation, fields=["client", "format", "topic", "outcome"], afterwards=True)
    return consultation


# --- booking ----------------------------------------------------------------------------------------


def psychologist_of_slot(slot: Slot) -> User | None:
    worker = slot.resource.worker
    user = worker.user if worker is not None else None
    if user is None or not user.is_active or not user.groups.filter(name=Role.PSYCHOLOGIST).exists():
        return None
    return user


def open_psych_steps(user: Any, person: Person) -> list[RouteStep]:
    """Steps "psychologist's consultation" of the patient's open cases at the user's hospital, or asked of the
    user's service by another programme, not yet done."""
    own = own_organisation_id(user)
    if own is None:
        return []
    return list(
        RouteStep.objects.filter(
            Q(addressed_to_id=own) | Q(addressed_to__isnull=True, case__organisation_id=own),
            case__person=person,
            case__status=Case.Status.OPEN,
            responsible=Responsible.PSYCHOLOGIST,
        )
        .exclude(status__in=["done", "not_needed", "failed"])
        .select_related("case")
        .order_by("due_on", "pk")
    )


def book(
    *,
    actor: Actor,
    slot: Slot,
    client: Client,
    format: str,
    topic: Topic | None = None,
    route_step: RouteStep | None = None,
    overbook: bool = False,
    overbook_reason: str = "",
) -> Consultation:
    """Book a psychologist's free slot for a client. An online consultation gets its own room on the
    service's video platform, and the link goes to the client by SMS (and e-mail, if given) at once; every
    booking is reminded of before it starts (``send_due_reminders``)."""
    require(actor.user, "psych.register_consultation")
    service = service_of(actor.user)
    problems: dict[str, list[str]] = {}
    if format not in Consultation.Format.values:
        problems["format"] = [_("Choose the format: in person, online or by phone.")]
    psychologist = psychologist_of_slot(slot)
    if psychologist is None or own_organisation_id(psychologist) != service.pk:
        problems["slot"] = [_("Choose a slot of a psychologist of your service.")]
    clean, client_problems = check_client(client, needs_contact=format == Consultation.Format.ONLINE)
    problems.update(client_problems)
    if format == Consultation.Format.PHONE and clean is not None and not _client_phone(clean):
        problems["client_phone"] = [_("A consultation by phone needs the client's phone number.")]
    if route_step is not None and (
        clean is None
        or clean.person is None
        or route_step.pk not in {s.pk for s in open_psych_steps(actor.user, clean.person)}
    ):
        problems["route_step"] = [_("This step is not an open step of the patient's route at your hospital.")]
    settings = settings_of(service)
    if format == Consultation.Format.ONLINE and settings is None:
        problems["format"] = [_("Your service has no video platform set up. Ask the administrator.")]
    if problems or clean is None or psychologist is None:
        raise ValidationError(problems)
    in_person = format == Consultation.Format.IN_PERSON
    place = slot.resource.organisation
    link = ""
    if format == Consultation.Format.ONLINE and settings is not None:
        link = settings.video_link_base.rstrip("/") + "/" + secrets.token_urlsafe(12)
    with transaction.atomic():
        booking = calendar.book(
            actor=actor,
            slot=slot,
            purpose="psych.consultation",
            person_id=clean.person.pk if clean.person else None,
            overbook=overbook,
            overbook_reason=overbook_reason,
        )
        consultation = Consultation.objects.create(
            organisation=service,
            psychologist=psychologist,
            person=clean.person,
            client_kind=clean.kind,
            relative=clean.relative,
            client_label=clean.label,
            client_phone=clean.phone,
            client_email=clean.email,
            format=format,
            mode=Consultation.Mode.SCHEDULED,
            place_kind=PLACE_KINDS.get(place.kind, Consultation.Place.HOSPITAL)
            if in_person
            else Consultation.Place.REMOTE,
            place=place if in_person else None,
            status=Status.BOOKED,
            scheduled_at=slot.starts_at,
            booking=booking,
            duration_minutes=int((slot.ends_at - slot.starts_at).total_seconds() // 60),
            topic=topic,
            video_link=link,
            case=route_step.case if route_step is not None else None,
            route_step=route_step,
            created_by=actor.user,
        )
        _tell_client(consultation, "booked")
        _journal(actor, Action.CREATE, consultation, fields=["client", "slot", "format"], format=format)
    return consultation


# --- messages to the client -------------------------------------------------------------------------


def _platform(consultation: Consultation) -> str:
    settings = settings_of(consultation.organisation)
    return settings.video_platform if settings is not None else DEFAULT_PLATFORM


def client_message(consultation: Consultation, event: str) -> str:
    """The SMS/e-mail text: when, how, the link for an online session; never the topic or the psychologist's notes."""
    when = timezone.localtime(consultation.scheduled_at) if consultation.scheduled_at else None
    context = {
        "date": when.strftime("%d.%m.%Y") if when else "",
        "time": when.strftime("%H:%M") if when else "",
        "place": consultation.place.address or str(consultation.place) if consultation.place else "",
        "link": consultation.video_link,
        "platform": _platform(consultation),
        "phone": consultation.organisation.phone or "051",
    }
    if event == "cancelled":
        return (
            _("Your consultation with a psychologist on %(date)s at %(time)s is cancelled. Questions: %(phone)s.")
            % context
        )
    if consultation.format == Consultation.Format.ONLINE:
        text = (
            _("Online consultation with a psychologist on %(date)s at %(time)s (Moscow time), %(platform)s: %(link)s")
            if event == "booked"
            else _("Reminder: online consultation with a psychologist today at %(time)s, %(platform)s: %(link)s")
        )
    elif consultation.format == Consultation.Format.PHONE:
        text = (
            _("A psychologist will call you on %(date)s at %(time)s (Moscow time).")
            if event == "booked"
            else _("Reminder: a psychologist will call you today at %(time)s.")
        )
    else:
        text = (
            _("You are booked with a psychologist on %(date)s at %(time)s: %(place)s.")
            if event == "booked"
            else _("Reminder: consultation with a psychologist today at %(time)s: %(place)s.")
        )
    return text % context


def _tell_client(consultation: Consultation, event: str) -> int:
    """Queue the client's SMS and e-mail for ``event`` (booked, reminder, cancelled); the dedup key makes a
    repeat (a worker restarted mid-way) a no-op."""
    with translation.override(CLIENT_LANGUAGE):
        body = client_message(consultation, event)
        subject = _("Consultation with a psychologist")
    stamp = consultation.scheduled_at.isoformat() if consultation.scheduled_at else ""
    sent = 0
    phone = _client_phone(consultation)
    if phone and try_normalise_phone(phone):
        notify.send(
            channel=Channel.SMS,
            recipient=phone,
            body=body,
            person_id=consultation.person_id,
            related=consultation,
            dedup_key=f"psych:{consultation.pk}:{event}:sms:{stamp}",
        )
        sent += 1
    if consultation.client_email:
        notify.send(
            channel=Channel.EMAIL,
            recipient=consultation.client_email,
            subject=subject,
            body=body,
            person_id=consultation.person_id,
            related=consultation,
            dedup_key=f"psych:{consultation.pk}:{event}:email:{stamp}",
        )
        sent += 1
    return sent


def send_due_reminders(now: datetime.datetime | None = None) -> int:
    """Remind every booked client whose consultation starts within their service's reminder time (2 hours by
    default) and who has not been reminded; run every minute by ``manage.py psych_reminders``. Each is
    marked reminded in the same transaction that queues the message, so a restart sends nothing twice."""
    now = now or timezone.now()
    horizon = now + datetime.timedelta(hours=24)
    due = (
        Consultation.objects.filter(
            status=Status.BOOKED, reminder_sent_at__isnull=True, scheduled_at__gt=now, scheduled_at__lte=horizon
        )
        .select_related("organisation", "place", "relative", "person")
        .order_by("scheduled_at")
    )
    hours = {s.organisation_id: s.reminder_hours for s in ServiceSettings.objects.all()}
    sent = 0
    for consultation in due:
        lead = datetime.timedelta(hours=hours.get(consultation.organisation_id, 2))
        if consultation.scheduled_at is None or consultation.scheduled_at - lead > now:
            continue
        with transaction.atomic():
            marked = Consultation.objects.filter(
                pk=consultation.pk, status=Status.BOOKED, reminder_sent_at__isnull=True
            ).update(reminder_sent_at=now)
            if marked:
                _tell_client(consultation, "reminder")
                sent += 1
    return sent


__all__ = [
    "Client",
    "book",
    "call_next",
    "finish",
    "move",
    "places_of",
    "register_walk_in",
    "send_due_reminders",
    "service_of",
]
