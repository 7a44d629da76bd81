"""Issue 15 §3: the field worker's phone pages as volunteers found them, and receipts for those who check them.

Today's tasks on the start page, "Mark the task as done" with an optional note, the address as a map
link, a confirmation before starting a task planned for a later day, a friendly page for an old link, and
receipts read through a checked, journaled view rather than a public media URL.
"""

import datetime
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from assistance import field_views
from assistance.models import Assignment, HelpRequest, Status, Transition
from assistance.services import transition
from assistance.tests.factories import ServiceTypeFactory
from audit.models import AuditEvent
from core.actor import Actor

pytestmark = pytest.mark.django_db

ADDRESS = "ул. Липецкая, д. 10, кв. 5"
RECEIPT = b"\xff\xd8\xff\xe0\x00\x10JFIF receipt bytes"


def assigned(town, worker=None, **kwargs) -> HelpRequest:
    """Assigned to the volunteer (or ``worker``); a service without money unless one is given."""
    kwargs.setdefault("service_type", ServiceTypeFactory(code="visit", name="Посещение на дому", handles_money=False))
    req = town.new_request(**kwargs)
    transition(help_request=req, to=Status.ACCEPTED, actor=Actor(town.dispatcher), version=req.version)
    transition(
        help_request=req,
        to=Status.ASSIGNED,
        actor=Actor(town.dispatcher),
        version=req.version,
        assignee=worker or town.volunteer,
    )
    req.refresh_from_db()
    return req


def started(town, **kwargs) -> HelpRequest:
    req = assigned(town, **kwargs)
    transition(help_request=req, to=Status.IN_PROGRESS, actor=Actor(town.volunteer_user), version=req.version)
    req.refresh_from_db()
    return req


def as_user(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def window_in(days: int, hour: int = 11) -> dict[str, datetime.datetime]:
    day = timezone.localdate() + datetime.timedelta(days=days)
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))
    return {"window_start": start, "window_end": start + datetime.timedelta(hours=2)}


@pytest.fixture
def citizen(town):
    town.person.surname, town.person.given_name, town.person.patronymic = "Кузнецова", "Валентина", "Ивановна"
    town.person.address = ADDRESS
    town.person.save()
    return town.person


# --- the start page of a field role --------------------------------------------------------------------
def test_the_start_page_of_a_volunteer_is_todays_tasks(town, citizen):
    req = assigned(town)
    request = RequestFactory(HTTP_ACCEPT_LANGUAGE="en").get("/")
    request.user = town.volunteer_user
    response = field_views.field_home(request)
    assert response is not None and response.status_code == 200
    html = response.content.decode()
    today = html[html.index('id="field-today"') : html.index('id="field-upcoming"')]
    assert reverse("assistance:field_task", args=[req.pk]) in today
    assert "Your tasks will appear here." not in html


@pytest.mark.parametrize("role", ["operator", "dispatcher", "supervisor", "coordinator"])
def test_other_roles_keep_their_own_start_page(town, role):
    request = RequestFactory().get("/")
    request.user = getattr(town, role)
    assert field_views.field_home(request) is None


def test_a_task_without_a_window_due_tomorrow_is_todays_task(town, citizen):
    """A due time is a deadline, not an appointment: such a task can (and should) be done today."""
    req = assigned(town)
    assert timezone.localdate(req.due_at) > timezone.localdate() or req.window_start is None
    req.due_at = timezone.now() + datetime.timedelta(days=1, hours=1)
    req.save(update_fields=["due_at"])
    html = as_user(town.volunteer_user).get(reverse("assistance:field_tasks")).content.decode()
    today = html[html.index('id="field-today"') : html.index('id="field-upcoming"')]
    assert reverse("assistance:field_task", args=[req.pk]) in today
    assert "No tasks for today." not in html


# --- the task page -------------------------------------------------------------------------------------
def test_the_done_form_has_one_action_button_and_no_heading_saying_done(town, citizen):
    req = started(town)
    html = as_user(town.volunteer_user).get(reverse("assistance:field_task", args=[req.pk])).content.decode()
    form = html[html.index('data-testid="done-form"') :]
    form = form[: form.index("</form>")]
    assert "Mark the task as done</button>" in form
    assert "<h2>" not in form and ">Done<" not in form


def test_the_address_opens_the_phones_map(town, citizen):
    req = assigned(town)
    client = as_user(town.volunteer_user)
    link = f'href="geo:0,0?q={quote(ADDRESS, safe="")}"'
    for url in (reverse("assistance:field_tasks"), reverse("assistance:field_task", args=[req.pk])):
        html = client.get(url).content.decode()
        assert link in html, url


def test_a_request_address_wins_over_the_citizens_in_the_map_link(town, citizen):
    req = assigned(town, address="пр. Мира, д. 1 & корп. 2")
    html = as_user(town.volunteer_user).get(reverse("assistance:field_task", args=[req.pk])).content.decode()
    assert f'href="geo:0,0?q={quote("пр. Мира, д. 1 & корп. 2", safe="")}"' in html


def test_done_with_a_note_keeps_it_where_the_dispatcher_reads_it(town, citizen):
    req = started(town)
    note = "Оставила пакет у соседки из кв. 6, Валентина Ивановна в поликлинике"
    response = as_user(town.volunteer_user).post(
        reverse("assistance:field_task_done", args=[req.pk]), {"version": req.version, "note": f"  {note}  "}
    )
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == Status.DONE
    assert Assignment.objects.get(request=req).reason == note
    assert Transition.objects.filter(request=req, to_status=Status.DONE).get().reason == note
    page = as_user(town.dispatcher).get(reverse("assistance:request", args=[req.pk])).content.decode()
    assert note in page


def test_done_without_a_note_is_fine(town, citizen):
    req = started(town)
    response = as_user(town.volunteer_user).post(
        reverse("assistance:field_task_done", args=[req.pk]), {"version": req.version}
    )
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == Status.DONE and Assignment.objects.get(request=req).reason == ""


def test_a_note_longer_than_the_record_keeps_is_refused_next_to_the_field(town, citizen):
    req = started(town)
    response = as_user(town.volunteer_user).post(
        reverse("assistance:field_task_done", args=[req.pk]), {"version": req.version, "note": "я" * 301}
    )
    assert response.status_code == 400
    assert 'id="id_note_error"' in response.content.decode()
    req.refresh_from_db()
    assert req.status == Status.IN_PROGRESS


def test_starting_a_task_planned_for_a_later_day_asks_first(town, citizen):
    req = assigned(town, **window_in(days=2))
    client = as_user(town.volunteer_user)
    url = reverse("assistance:field_task_start", args=[req.pk])
    response = client.post(url, {"version": req.version})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="confirm-start"' in html
    assert "not for today. Start it now anyway?" in html
    assert 'name="confirmed" value="1"' in html
    req.refresh_from_db()
    assert req.status == Status.ASSIGNED  # nothing happened yet

    response = client.post(url, {"version": req.version, "confirmed": "1"})
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == Status.IN_PROGRESS


@pytest.mark.parametrize("days", [0, -1])
def test_a_task_of_today_or_a_late_one_starts_at_once(town, citizen, days):
    req = assigned(town, **window_in(days=days, hour=0))
    response = as_user(town.volunteer_user).post(
        reverse("assistance:field_task_start", args=[req.pk]), {"version": req.version}
    )
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == Status.IN_PROGRESS


# --- an old link ---------------------------------------------------------------------------------------
def test_the_old_link_of_a_finished_task_says_it_is_closed(town, citizen):
    req = started(town)
    transition(help_request=req, to=Status.DONE, actor=Actor(town.volunteer_user), version=req.version)
    response = as_user(town.volunteer_user).get(reverse("assistance:field_task", args=[req.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="task-gone"' in html
    assert "You marked this task as done on" in html
    assert reverse("assistance:field_tasks") in html
    # the visit is over: the citizen's details are not shown any more
    assert "Кузнецова" not in html and ADDRESS not in html


def test_the_old_link_of_a_withdrawn_task_says_it_is_no_longer_yours(town, citizen):
    req = assigned(town)
    transition(
        help_request=req, to=Status.ACCEPTED, actor=Actor(town.dispatcher), version=req.version, reason="заболел"
    )
    req.refresh_from_db()
    transition(
        help_request=req, to=Status.ASSIGNED, actor=Actor(town.dispatcher), version=req.version, assignee=town.worker
    )
    response = as_user(town.volunteer_user).get(reverse("assistance:field_task", args=[req.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "This task is no longer assigned to you" in html
    assert "Кузнецова" not in html and ADDRESS not in html


def test_a_second_tap_on_done_lands_on_the_closed_page_not_an_error(town, citizen):
    req = started(town)
    client = as_user(town.volunteer_user)
    url = reverse("assistance:field_task_done", args=[req.pk])
    assert client.post(url, {"version": req.version}).status_code == 302
    response = client.post(url, {"version": req.version}, follow=True)
    assert response.status_code == 200
    assert "You marked this task as done on" in response.content.decode()


def test_the_old_link_of_a_task_that_could_not_be_done_says_the_dispatcher_decides(town, citizen):
    req = started(town)
    client = as_user(town.volunteer_user)
    response = client.post(
        reverse("assistance:field_task_failed", args=[req.pk]), {"version": req.version, "reason": "Не открыла дверь"}
    )
    assert response.status_code == 302
    html = client.get(reverse("assistance:field_task", args=[req.pk])).content.decode()
    assert "you recorded that this task could not be done" in html
    assert "Кузнецова" not in html


def test_the_old_link_of_a_cancelled_task_says_so(town, citizen):
    req = assigned(town)
    transition(help_request=req, to=Status.CANCELLED, actor=Actor(town.dispatcher), version=req.version, reason="x")
    html = as_user(town.volunteer_user).get(reverse("assistance:field_task", args=[req.pk])).content.decode()
    assert "This request was cancelled" in html


def test_a_task_one_never_held_still_answers_404(town, citizen):
    theirs = assigned(town, worker=town.worker)
    response = as_user(town.volunteer_user).get(reverse("assistance:field_task", args=[theirs.pk]))
    assert response.status_code == 404
    transition(help_request=theirs, to=Status.DONE, actor=Actor(town.worker_user), version=theirs.version)
    response = as_user(town.volunteer_user).get(reverse("assistance:field_task", args=[theirs.pk]))
    assert response.status_code == 404


# --- receipts ------------------------------------------------------------------------------------------
@pytest.fixture
def receipt(town, citizen, settings, tmp_path) -> Assignment:
    settings.MEDIA_ROOT = tmp_path
    req = started(town, service_type=ServiceTypeFactory(handles_money=True))
    response = as_user(town.volunteer_user).post(
        reverse("assistance:field_task_done", args=[req.pk]),
        {
            "version": req.version,
            "money_spent": "412,50",
            "receipt": SimpleUploadedFile("chek.jpg", RECEIPT, content_type="image/jpeg"),
        },
    )
    assert response.status_code == 302
    assignment = Assignment.objects.get(request=req)
    assert assignment.money_spent == Decimal("412.50")
    return assignment


@pytest.mark.parametrize("role", ["dispatcher", "supervisor"])
def test_the_dispatcher_and_supervisors_open_a_receipt_and_the_read_is_journaled(town, receipt, role):
    user = getattr(town, role)
    response = as_user(user).get(reverse("assistance:receipt", args=[receipt.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == RECEIPT
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline")
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.filter(action="view", details__section="receipt").get()
    assert event.actor_username == user.username
    assert (event.object_type, event.object_id) == ("assistance.helprequest", str(receipt.request_id))
    assert event.details == {"section": "receipt", "assignment": receipt.pk}
    assert event.person_id == receipt.request.person_id
    assert event.fields == ["receipt"]


@pytest.mark.parametrize("role", ["other_dispatcher", "operator", "volunteer_user", "worker_user", "coordinator"])
def test_nobody_else_opens_a_receipt(town, receipt, role):
    response = as_user(getattr(town, role)).get(reverse("assistance:receipt", args=[receipt.pk]))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(details__section="receipt").exists()


def test_a_receipt_needs_a_login(town, receipt):
    response = Client().get(reverse("assistance:receipt", args=[receipt.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_an_assignment_without_a_receipt_answers_404(town, citizen):
    req = started(town)
    transition(help_request=req, to=Status.DONE, actor=Actor(town.volunteer_user), version=req.version)
    assignment = Assignment.objects.get(request=req)
    assert as_user(town.supervisor).get(reverse("assistance:receipt", args=[assignment.pk])).status_code == 404


def test_a_receipt_has_no_public_url(town, receipt, settings):
    """The file lies in MEDIA_ROOT, which no URL serves: only the checked view reads it."""
    name = receipt.receipt.name
    assert name.startswith("receipts/")
    client = as_user(town.supervisor)
    for prefix in ("/", "/media/", settings.MEDIA_URL or "/"):
        with pytest.raises(Resolver404):
            resolve(prefix + name)
        assert client.get(prefix + name).status_code == 404


def test_the_dispatchers_request_page_can_link_the_receipt(town, receipt):
    """The snippet the request page includes for each assignment (assistance/receipts/_link.html)."""
    from django.template.loader import render_to_string

    html = render_to_string("assistance/receipts/_link.html", {"a": receipt})
    assert f'href="{reverse("assistance:receipt", args=[receipt.pk])}"' in html
    receipt.receipt = ""
    assert "href" not in render_to_string("assistance/receipts/_link.html", {"a": receipt})
