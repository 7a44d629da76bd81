"""SMS to the citizen when their request is accepted, assigned, done, closed as not done or cancelled,
and when its visit is moved (transactional outbox)."""

from collections.abc import Callable

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assistance.models import HelpRequest, Status
from directory.models import Worker
from notify import services as notify
from people.models import PersonPhone

NOTIFIED = (Status.ACCEPTED, Status.ASSIGNED, Status.DONE, Status.FAILED, Status.CANCELLED)
CALL_CENTRE = "8 (495) 870-45-09"


def _mobile(help_request: HelpRequest) -> str | None:
    phones = PersonPhone.objects.filter(person_id=help_request.person_id).order_by("-is_primary", "id")
    mobile = phones.filter(kind=PersonPhone.Kind.MOBILE).values_list("number", flat=True).first()
    return mobile


def _window(help_request: HelpRequest) -> dict[str, str] | None:
    """The visit window's day and hours, Moscow time, as an SMS writes them; None without a window."""
    if help_request.window_start is None or help_request.window_end is None:
        return None
    start, end = timezone.localtime(help_request.window_start), timezone.localtime(help_request.window_end)
    return {"day": start.strftime("%d.%m"), "start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")}


def _text(help_request: HelpRequest, status: str, worker: Worker | None) -> str:
    number, service = help_request.pk, help_request.service_type.name
    if status == Status.ACCEPTED:
        return _("Your request № %(number)s (%(service)s) is accepted by %(tcso)s.") % {
            "number": number,
            "service": service,
            "tcso": help_request.tcso,
        }
    if status == Status.ASSIGNED:
        parts = _window(help_request)
        window = " " + _("on %(day)s between %(start)s and %(end)s") % parts if parts else ""
        name = worker.given_name if worker else ""
        return _("Request № %(number)s: %(name)s will come to help%(window)s.") % {
            "number": number,
            "name": name,
            "window": window,
        }
    if status == Status.FAILED:
        return _("Request № %(number)s (%(service)s) could not be done: %(reason)s. Call centre: %(phone)s.") % {
            "number": number,
            "service": service,
            "reason": help_request.close_reason,
            "phone": CALL_CENTRE,
        }
    if status == Status.CANCELLED:
        return _("Request № %(number)s (%(service)s) is cancelled: %(reason)s. Call centre: %(phone)s.") % {
            "number": number,
            "service": service,
            "reason": help_request.close_reason,
            "phone": CALL_CENTRE,
        }
    return _("Request № %(number)s (%(service)s) is done. Call centre: 8 (495) 870-45-09.") % {
        "number": number,
        "service": service,
    }


def _text_citizen(help_request: HelpRequest, dedup_key: str, compose: Callable[[], str]) -> None:
    """Queue ``compose()``, written in the citizen's language, for their mobile phone if they have one."""
    phone = _mobile(help_request)
    if phone is None:
        return
    language = (
        help_request.person.preferred_language if help_request.person.preferred_language in ("ru", "en") else "ru"
    )
    with translation.override(language):
        body = compose()
    notify.send(
        channel="sms",
        recipient=phone,
        body=body,
        person_id=help_request.person_id,
        related=help_request,
        dedup_key=dedup_key,
    )


def request_moved(help_request: HelpRequest, status: str, worker: Worker | None = None) -> None:
    """Queue the SMS for this move, if it is one citizens hear about and they have a mobile phone.

    Runs inside the move's transaction; the dedup key keeps a repeated move from texting twice.
    """
    if status not in NOTIFIED:
        return
    suffix = f":{worker.pk}" if worker else ""
    _text_citizen(
        help_request, f"request:{help_request.pk}:{status}{suffix}", lambda: _text(help_request, status, worker)
    )


def visit_moved(help_request: HelpRequest) -> None:
    """Queue the SMS that confirms the new visit window agreed with the citizen, if they have a mobile
    phone. Runs inside the change's transaction; one per version of the request."""
    window = _window(help_request)
    if window is None:
        return
    _text_citizen(
        help_request,
        f"request:{help_request.pk}:window:{help_request.version}",
        lambda: (
            _(
                "Request № %(number)s: the visit is moved to %(day)s between %(start)s and %(end)s."
                " Call centre: %(phone)s."
            )
            % {"number": help_request.pk, "phone": CALL_CENTRE, **window}
        ),
    )
