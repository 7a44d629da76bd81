"""Moving a visit to a new window agreed with the citizen (assistance.services.reschedule): after a visit
that could not be made the agreed time has passed, and the dispatcher agrees a new one before assigning
the request again."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from assistance.models import HelpRequest, Status
from assistance.services import reschedule, transition
from audit.models import Action, AuditEvent
from core.actor import Actor
from core.exceptions import ConcurrentEditError, ValidationError
from notify.models import OutboxMessage
from people.tests.factories import PhoneFactory

pytestmark = pytest.mark.django_db


def _at(hour: int, days: int) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _returned(town) -> HelpRequest:
    """A visit agreed for yesterday 10–13 that the volunteer could not make."""
    req = town.new_request(window_start=_at(10, -1), window_end=_at(13, -1))
    town.walk(req, Status.ACCEPTED, Status.ASSIGNED, assignee=town.volunteer)
    req.refresh_from_db()
    transition(help_request=req, to=Status.FAILED, actor=Actor(town.volunteer_user), version=req.version,
               reason="Не открыли дверь")  # fmt: skip
    req.refresh_from_db()
    assert req.status == Status.RETURNED and req.is_overdue
    return req


def _post(client, req, **values):
    data = {"version": req.version, "window_date": "", "window_from": 10, "window_to": 13, "reason": "", **values}
    return client.post(reverse("assistance:request_reschedule", args=[req.pk]), data, follow=True)


def test_the_dispatcher_moves_a_returned_visit_and_it_is_due_by_the_new_end(client, town):
    req = _returned(town)
    client.force_login(town.dispatcher)
    page = client.get(reverse("assistance:request", args=[req.pk])).content.decode()
    assert 'data-testid="window-passed"' in page and 'data-testid="reschedule" open' in page
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).strftime("%d.%m.%Y")
    response = _post(client, req, window_date=tomorrow, window_from=15, window_to=18, reason="Договорились по телефону")
    assert f"визит перенесён на {tomorrow}, 15:00–18:00" in response.content.decode()
    req.refresh_from_db()
    assert (req.window_start, req.window_end, req.due_at) == (_at(15, 1), _at(18, 1), _at(18, 1))
    assert req.status == Status.RETURNED and not req.is_overdue
    changes = AuditEvent.objects.filter(object_id=str(req.pk), action=Action.CHANGE)
    [event] = [e for e in changes if "window_start" in e.fields]
    assert event.actor_username == town.dispatcher.username
    assert event.details["reason"] == "Договорились по телефону"
    assert datetime.datetime.fromisoformat(event.details["from"][0]) == _at(10, -1)
    # The request's history says it beside the status changes, in the order they happened.
    history = list(response.context["history"])
    assert [getattr(row, "to_status", "moved") for row in history][-2:] == [Status.RETURNED, "moved"]
    moved = history[-1]
    assert (moved.from_start, moved.to_start, moved.to_end) == (_at(10, -1), _at(15, 1), _at(18, 1))
    assert moved.by == town.dispatcher and moved.reason == "Договорились по телефону"
    assert f"визит перенесён на {tomorrow}, 15:00–18:00" in response.content.decode().split('data-testid="history"')[1]
    # Then assigned again: the worker's task carries the new time.
    transition(help_request=req, to=Status.ASSIGNED, actor=Actor(town.dispatcher), version=req.version,
               assignee=town.worker)  # fmt: skip
    req.refresh_from_db()
    assert req.status == Status.ASSIGNED and req.window_start == _at(15, 1)


def test_the_form_starts_from_the_same_hours_tomorrow(client, town):
    req = _returned(town)
    client.force_login(town.dispatcher)
    form = client.get(reverse("assistance:request", args=[req.pk])).context["reschedule"]
    assert form.initial["window_date"] == timezone.localdate() + datetime.timedelta(days=1)
    assert (form.initial["window_from"], form.initial["window_to"]) == (10, 13)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"window_date": "01.01.2020"}, "Дата не может быть в прошлом."),
        ({"window_from": 15, "window_to": 12}, "Конец интервала должен быть позже начала."),
        ({"window_date": "31.02.2026"}, "Введите дату"),
        ({"window_from": 99}, "Выберите корректный вариант"),
        ({"version": "99999999999999999999999"}, ""),
    ],
)
def test_bad_input_is_refused_whole_with_a_russian_message(client, town, values, message):
    req = _returned(town)
    before = (req.window_start, req.window_end, req.due_at, req.version)
    client.force_login(town.dispatcher)
    values.setdefault("window_date", (timezone.localdate() + datetime.timedelta(days=1)).strftime("%d.%m.%Y"))
    response = _post(client, req, **values)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert 'class="message message-error"' in response.content.decode() or "message-error" in response.content.decode()
    req.refresh_from_db()
    assert (req.window_start, req.window_end, req.due_at, req.version) == before


def test_a_window_that_has_already_passed_today_is_refused(town):
    req = _returned(town)
    now = timezone.localtime()
    if now.hour < 1:
        pytest.skip("no whole hour of today has passed yet")
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    with pytest.raises(ValidationError) as refused:
        reschedule(help_request=req, window_start=start, window_end=start + datetime.timedelta(hours=1),
                   actor=Actor(town.dispatcher), version=req.version)  # fmt: skip
    assert "window_end" in refused.value.message_dict


def test_of_two_dispatchers_moving_the_visit_at_once_one_wins(town):
    req = _returned(town)
    stale = HelpRequest.objects.get(pk=req.pk)
    reschedule(help_request=req, window_start=_at(10, 1), window_end=_at(12, 1), actor=Actor(town.dispatcher),
               version=req.version)  # fmt: skip
    with pytest.raises(ConcurrentEditError):
        reschedule(help_request=stale, window_start=_at(16, 1), window_end=_at(18, 1), actor=Actor(town.supervisor),
                   version=stale.version)  # fmt: skip
    req.refresh_from_db()
    assert req.window_start == _at(10, 1)


def test_only_the_requests_dispatcher_may_move_it_and_only_before_it_is_begun(client, town):
    req = _returned(town)
    for outsider in (town.other_dispatcher, town.operator, town.volunteer_user):
        with pytest.raises(Exception) as refused:
            reschedule(help_request=req, window_start=_at(10, 1), window_end=_at(12, 1), actor=Actor(outsider),
                       version=req.version)  # fmt: skip
        assert type(refused.value).__name__ in ("PermissionDenied", "Http404")
    client.force_login(town.other_dispatcher)
    response = _post(client, req, window_date=(timezone.localdate() + datetime.timedelta(days=1)).strftime("%d.%m.%Y"))
    assert response.status_code == 404
    town.walk(req, Status.ASSIGNED)
    town.walk(req, Status.IN_PROGRESS)
    req.refresh_from_db()
    with pytest.raises(ValidationError):
        reschedule(help_request=req, window_start=_at(10, 1), window_end=_at(12, 1), actor=Actor(town.dispatcher),
                   version=req.version)  # fmt: skip
    client.force_login(town.dispatcher)
    assert client.get(reverse("assistance:request", args=[req.pk])).context["reschedule"] is None


def test_a_night_window_is_moved_into_the_day_and_is_no_longer_flagged(client, town):
    req = town.new_request(window_start=_at(23, 1), window_end=_at(23, 1) + datetime.timedelta(hours=2))
    client.force_login(town.dispatcher)
    page = client.get(reverse("assistance:request", args=[req.pk]))
    assert page.context["night_window"] and 'data-testid="reschedule" open' in page.content.decode()
    _post(client, req, window_date=(timezone.localdate() + datetime.timedelta(days=1)).strftime("%d.%m.%Y"))
    page = client.get(reverse("assistance:request", args=[req.pk]))
    assert not page.context["night_window"]


def test_the_citizen_gets_an_sms_with_the_new_time_once(town):
    PhoneFactory(person=town.person, number="+79161112233", kind="mobile")
    req = _returned(town)
    before = OutboxMessage.objects.count()
    reschedule(help_request=req, window_start=_at(15, 1), window_end=_at(18, 1), actor=Actor(town.dispatcher),
               version=req.version)  # fmt: skip
    assert OutboxMessage.objects.count() == before + 1
    sms = OutboxMessage.objects.order_by("-pk").first()
    assert sms is not None and sms.recipient == "+79161112233"
    day = _at(15, 1).strftime("%d.%m")
    assert f"Заявка № {req.pk}: визит перенесён на {day} с 15:00 до 18:00." in sms.body
