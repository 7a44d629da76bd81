"""Issue 15 §2: the dispatcher's buttons, suggestions, queue columns, reassigning, failed requests, working
hours, and the due time within the agreed window."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from assistance import workflow
from assistance.models import Assignment, HelpRequest, Status, Transition
from assistance.selectors import failed_before, night_window, queue_counts, queue_scope, suggestions_for
from assistance.services import auto_assign_all, reassign, transition, unassign
from audit.models import AuditEvent
from core.actor import Actor
from core.exceptions import ValidationError
from notify.models import OutboxMessage
from people.tests.factories import PersonFactory, PhoneFactory

pytestmark = pytest.mark.django_db


def _at(hour: int, days: int = 1) -> datetime.datetime:
    """Local ``hour`` o'clock ``days`` days from today."""
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _move(town, req, to, by=None, **kwargs):
    req.refresh_from_db()
    return transition(help_request=req, to=to, actor=Actor(by or town.dispatcher), version=req.version, **kwargs)


def _assigned(town, worker=None, **kwargs) -> HelpRequest:
    req = town.new_request(**kwargs)
    _move(town, req, Status.ACCEPTED)
    _move(town, req, Status.ASSIGNED, assignee=worker or town.volunteer)
    req.refresh_from_db()
    return req


# --- due time ---------------------------------------------------------------------------------------


def test_due_time_is_the_end_of_the_agreed_window(town):
    start = timezone.now() + datetime.timedelta(hours=1)
    within = town.new_request(window_start=start, window_end=start + datetime.timedelta(hours=2))
    assert within.due_at == start + datetime.timedelta(hours=2)  # the service's target is 24 hours
    # A window days away: due by its end, not at the service's target, which falls before the window opens.
    later = town.new_request(
        window_start=start + datetime.timedelta(days=2), window_end=start + datetime.timedelta(days=3)
    )
    assert later.due_at == later.window_end
    without = town.new_request()
    assert abs(without.due_at - (without.created_at + datetime.timedelta(hours=24))) < datetime.timedelta(minutes=1)


# --- a request that could not be done ---------------------------------------------------------------


def test_the_workers_failure_comes_back_to_the_dispatcher_counted_and_visible(client, town):
    req = _assigned(town)
    _move(town, req, Status.FAILED, by=town.volunteer_user, reason="Не открыли дверь")
    req.refresh_from_db()
    assert req.status == Status.RETURNED and req.closed_at is None
    assert Assignment.objects.get(request=req).outcome == Assignment.Outcome.FAILED
    assert queue_counts(queue_scope(town.dispatcher))["returned"] == 1
    client.force_login(town.dispatcher)
    page = client.get(reverse("assistance:queue"))
    assert req in list(page.context["page"])
    detail = client.get(reverse("assistance:request", args=[req.pk]))
    assert "Не открыли дверь" in detail.content.decode()
    assert detail.context["suggestions"], "a returned request gets worker suggestions to assign it again"


def test_a_failed_request_is_assigned_again(client, town):
    req = _assigned(town)
    _move(town, req, Status.FAILED, by=town.volunteer_user, reason="Не открыли дверь")
    req.refresh_from_db()
    client.force_login(town.dispatcher)
    client.post(reverse("assistance:request_assign", args=[req.pk]), {"worker": town.worker.pk, "version": req.version})
    req.refresh_from_db()
    assert req.status == Status.ASSIGNED
    assert Assignment.objects.get(request=req, outcome="").worker == town.worker
    assert list(req.transitions.values_list("to_status", flat=True))[-2:] == [Status.RETURNED, Status.ASSIGNED]


def test_closing_a_failure_and_cancelling_text_the_citizen_with_the_reason(town):
    PhoneFactory(person=town.person, number="+79161112233", kind="mobile")
    req = _assigned(town)
    _move(town, req, Status.FAILED, by=town.volunteer_user, reason="Не открыли дверь")
    returned_sms = OutboxMessage.objects.count()
    _move(town, req, Status.FAILED, reason="Гражданин в больнице")
    req.refresh_from_db()
    assert req.status == Status.FAILED and req.closed_at is not None
    failed_sms = OutboxMessage.objects.order_by("-pk").first()
    assert OutboxMessage.objects.count() == returned_sms + 1
    assert failed_sms is not None and "Гражданин в больнице" in failed_sms.body
    other = town.new_request()
    _move(town, other, Status.CANCELLED, reason="Справился сам")
    cancelled_sms = OutboxMessage.objects.order_by("-pk").first()
    assert cancelled_sms is not None and "Справился сам" in cancelled_sms.body
    assert cancelled_sms.recipient == "+79161112233"


def test_the_dispatcher_marks_not_done_directly(town):
    req = _assigned(town)
    _move(town, req, Status.FAILED, reason="Гражданин отказался при встрече")
    req.refresh_from_db()
    assert req.status == Status.FAILED


def _failed_yesterday(town, worker) -> HelpRequest:
    """A request ``worker`` could not do and handed back yesterday, so that today's load is the same for all."""
    req = _assigned(town, worker=worker)
    _move(town, req, Status.FAILED, by=worker.user, reason="Не открыли дверь")
    Assignment.objects.filter(request=req).update(finished_at=timezone.now() - datetime.timedelta(days=1))
    req.refresh_from_db()
    return req


def test_a_worker_who_could_not_do_the_request_is_suggested_after_an_equal_one(town):
    # Equal otherwise: the social worker comes first (the lower number breaks the tie).
    assert [s.worker for s in suggestions_for(town.new_request())] == [town.worker, town.volunteer]
    req = _failed_yesterday(town, town.worker)
    assert req.status == Status.RETURNED
    volunteer, worker = suggestions_for(req)
    assert (volunteer.worker, worker.worker) == (town.volunteer, town.worker)
    assert volunteer.load_today == worker.load_today == 0
    assert "failed_before" in worker.reasons and "failed_before" not in volunteer.reasons


def test_the_request_page_says_who_could_not_do_it_before(town):
    req = _failed_yesterday(town, town.worker)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(town.dispatcher)
    html = client.get(reverse("assistance:request", args=[req.pk])).content.decode()
    table = re.search(r'<table class="results" data-testid="suggestions">.*?</table>', html, re.S)
    assert table is not None
    rows = {
        name: row
        for row in re.findall(r"<tr>.*?</tr>", table.group(0), re.S)
        for name in (town.worker.full_name, town.volunteer.full_name)
        if name in row
    }
    assert 'data-testid="failed-before"' in rows[town.worker.full_name]
    assert "could not do this request before" in rows[town.worker.full_name]
    assert "failed-before" not in rows[town.volunteer.full_name]


def test_who_could_not_do_the_requests_is_one_query_however_many(town, django_assert_num_queries):
    first = _failed_yesterday(town, town.worker)
    second = _failed_yesterday(town, town.volunteer)
    town.new_request()
    with django_assert_num_queries(1):
        failed = failed_before(HelpRequest.objects.filter(tcso=town.tcso).values_list("pk", flat=True))
    assert failed == {first.pk: {town.worker.pk}, second.pk: {town.volunteer.pk}}


def test_auto_assign_gives_a_request_to_someone_other_than_who_could_not_do_it(town):
    req = town.new_request()
    # Back in the queue as new after a failure (handed to another TCSO and back, say).
    Assignment.objects.create(
        request=req,
        worker=town.worker,
        assigned_by=town.dispatcher,
        outcome=Assignment.Outcome.FAILED,
        finished_at=timezone.now() - datetime.timedelta(days=1),
    )
    result = auto_assign_all(tcso=town.tcso, actor=Actor(town.dispatcher))
    assert result.assigned == 1
    assert Assignment.objects.get(request=req, outcome="").worker == town.volunteer


# --- reassign and unassign --------------------------------------------------------------------------


def test_unassign_needs_a_reason_and_is_journaled(town):
    req = _assigned(town)
    with pytest.raises(ValidationError):
        unassign(help_request=req, actor=Actor(town.dispatcher), version=req.version, reason=" ")
    unassign(help_request=req, actor=Actor(town.dispatcher), version=req.version, reason="Заболела")
    req.refresh_from_db()
    assert req.status == Status.ACCEPTED
    assert Transition.objects.filter(request=req, to_status=Status.ACCEPTED, reason="Заболела").exists()
    assert Assignment.objects.get(request=req).outcome == Assignment.Outcome.WITHDRAWN
    assert AuditEvent.objects.filter(object_id=str(req.pk), action="change").count() >= 3


def test_reassign_from_the_request_page(client, town):
    req = _assigned(town, worker=town.volunteer)
    client.force_login(town.dispatcher)
    page = client.get(reverse("assistance:request", args=[req.pk]))
    assert 'data-testid="reassign-form"' in page.content.decode()
    client.post(
        reverse("assistance:request_reassign", args=[req.pk]),
        {"worker": town.worker.pk, "version": req.version, "reason": "Ближе живёт"},
    )
    req.refresh_from_db()
    assert req.status == Status.ASSIGNED
    assert Assignment.objects.get(request=req, outcome="").worker == town.worker
    old = Assignment.objects.get(request=req, worker=town.volunteer)
    assert (old.outcome, old.reason) == (Assignment.Outcome.WITHDRAWN, "Ближе живёт")


def test_reassign_is_refused_whole_without_a_reason_or_to_the_same_worker(town):
    req = _assigned(town, worker=town.volunteer)
    actor = Actor(town.dispatcher)
    with pytest.raises(ValidationError):
        reassign(help_request=req, assignee=town.worker, actor=actor, version=req.version, reason="")
    with pytest.raises(ValidationError):
        reassign(help_request=req, assignee=town.volunteer, actor=actor, version=req.version, reason="так")
    req.refresh_from_db()
    assert req.status == Status.ASSIGNED
    assert Assignment.objects.get(request=req, outcome="").worker == town.volunteer


# --- working hours and "assign all new" ---------------------------------------------------------------


def test_assign_all_new_leaves_accepted_requests_alone(town):
    accepted = town.new_request()
    _move(town, accepted, Status.ACCEPTED)
    new = town.new_request()
    result = auto_assign_all(tcso=town.tcso, actor=Actor(town.dispatcher))
    assert result.assigned == 1
    accepted.refresh_from_db()
    new.refresh_from_db()
    assert (accepted.status, new.status) == (Status.ACCEPTED, Status.ASSIGNED)


def test_no_visit_at_night_unless_the_citizen_asked(town):
    night = town.new_request(window_start=_at(1), window_end=_at(4))
    asked = town.new_request(window_start=_at(1), window_end=_at(4), night_visit=True)
    evening = town.new_request(window_start=_at(19), window_end=_at(23))
    assert night_window(night) and not night_window(asked) and not night_window(evening)
    result = auto_assign_all(tcso=town.tcso, actor=Actor(town.dispatcher))
    assert (result.assigned, result.left_unassigned, result.at_night) == (2, 1, 1)
    night.refresh_from_db()
    assert night.status == Status.NEW
    assert HelpRequest.objects.get(pk=asked.pk).status == Status.ASSIGNED


# --- the pages -------------------------------------------------------------------------------------------


def test_a_new_request_shows_suggestions_and_one_click_accepts_and_assigns(client, town):
    req = town.new_request()
    client.force_login(town.dispatcher)
    page = client.get(reverse("assistance:request", args=[req.pk]))
    assert [s.worker for s in page.context["suggestions"]]
    assert 'data-testid="suggestions"' in page.content.decode()


def test_every_reason_field_sits_in_the_form_of_the_action_that_needs_it(client, town):
    req = _assigned(town)
    client.force_login(town.dispatcher)
    html = client.get(reverse("assistance:request", args=[req.pk])).content.decode()
    forms = re.findall(r'<form[^>]*data-testid="move-(\w+)".*?</form>', html, re.S)
    bodies = dict(zip(forms, re.findall(r'<form[^>]*data-testid="move-\w+"(.*?)</form>', html, re.S), strict=True))
    assert set(bodies) == {"accepted", "in_progress", "done", "failed", "cancelled"}
    for to in ("accepted", "failed", "cancelled"):
        assert 'name="reason"' in bodies[to] and "<legend>" in bodies[to], to
    for to in ("in_progress", "done"):
        assert 'name="reason"' not in bodies[to], to


def test_buttons_say_what_they_do():
    with translation.override("en"):
        assert str(workflow.action_label(Status.NEW, Status.ACCEPTED)) == "Accept"
        assert str(workflow.action_label(Status.ASSIGNED, Status.FAILED)) == "Mark as not done"
        assert str(workflow.action_label(Status.ASSIGNED, Status.CANCELLED)) == "Cancel the request"
        assert str(workflow.action_label(Status.RETURNED, Status.FAILED)) == "Close as not done"


def test_the_request_page_shows_the_citizens_phone(client, town):
    PhoneFactory(person=town.person, number="+79161112233", kind="mobile")
    req = town.new_request()
    client.force_login(town.dispatcher)
    html = client.get(reverse("assistance:request", args=[req.pk])).content.decode()
    assert "+7 916 111-22-33" in html and 'href="tel:+79161112233"' in html


def test_the_queue_shows_worker_and_window_and_sorts_by_any_column(client, town):
    zed = PersonFactory(district=town.person.district, surname="Яковлева")
    abe = PersonFactory(district=town.person.district, surname="Абрамова")
    first = town.new_request(person=zed, window_start=_at(10), window_end=_at(12))
    second = town.new_request(person=abe)
    _move(town, first, Status.ACCEPTED)
    _move(town, first, Status.ASSIGNED, assignee=town.worker)
    client.force_login(town.dispatcher)
    page = client.get(reverse("assistance:queue"))
    html = page.content.decode()
    assert town.worker.surname in html and _at(10).strftime("%d.%m") + " 10:00" in html
    by_citizen = list(client.get(reverse("assistance:queue") + "?sort=citizen").context["page"])
    assert by_citizen == [second, first]
    by_citizen_desc = list(client.get(reverse("assistance:queue") + "?sort=-citizen").context["page"])
    assert by_citizen_desc == [first, second]
    for sort in ("assignee", "-assignee", "window", "-window"):
        rows = list(client.get(reverse("assistance:queue") + f"?sort={sort}").context["page"])
        assert rows == [first, second], f"{sort}: empty cells come last"
    assert client.get(reverse("assistance:queue") + "?sort=drop table").context["sort"] == "due"


def test_the_queue_rows_refresh_live_and_keep_the_ticks(client, town):
    req = town.new_request()
    client.force_login(town.dispatcher)
    full = client.get(reverse("assistance:queue")).content.decode()
    assert 'hx-trigger="every 30s"' in full and "part=rows" in full
    part = client.get(
        reverse("assistance:queue") + f"?part=rows&requests={req.pk}", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "<html" not in part and 'id="queue-rows"' in part
    assert re.search(rf'value="{req.pk}"\s+checked', part)


def test_demo_visit_windows_are_in_the_day():
    import random

    from assistance.selectors import outside_visit_hours
    from demo.seed.requests import _day_window_start

    rng = random.Random(1)
    for _ in range(300):
        start = timezone.localtime(_day_window_start(rng))
        end = start + datetime.timedelta(hours=3)
        assert start.hour >= 9 and timezone.localtime(end).hour <= 20 and start > timezone.now()
        assert not outside_visit_hours(start, end)
