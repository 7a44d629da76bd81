"""The field worker's phone pages: my tasks and one task with Start / Done / Could not be done."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assistance.card import PAGE_SIZE
from assistance.forms_field import parse_money
from assistance.models import Assignment, HelpRequest, Status
from assistance.services import RequestInput, create_request, transition
from assistance.tests.factories import PersonFactory, ServiceTypeFactory
from audit.models import AuditEvent
from core.actor import Actor
from people.models import PersonPhone

pytestmark = pytest.mark.django_db

SNILS = "11223344595"


def assigned(town, worker=None, **kwargs) -> HelpRequest:
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


@pytest.fixture
def citizen(town):
    person = town.person
    person.surname, person.given_name, person.patronymic = "Кузнецова", "Валентина", "Ивановна"
    person.snils = SNILS
    person.birth_date = datetime.date(1941, 4, 12)
    person.address = "ул. Липецкая, д. 10, кв. 5"
    person.save()
    PersonPhone.objects.create(person=person, number="+79260000001", is_primary=False)
    PersonPhone.objects.create(person=person, number="+79261234567", is_primary=True)
    return person


def test_volunteer_sees_only_own_live_tasks_with_name_address_phone_and_what_to_do(town, citizen):
    mine = assigned(town, details="Хлеб, молоко, кефир")
    other_person = PersonFactory(district=citizen.district, surname="Чужая")
    theirs = create_request(
        person=other_person, data=RequestInput(service_type=town.service), actor=Actor(town.operator)
    )
    transition(help_request=theirs, to=Status.ACCEPTED, actor=Actor(town.dispatcher), version=theirs.version)
    transition(
        help_request=theirs,
        to=Status.ASSIGNED,
        actor=Actor(town.dispatcher),
        version=theirs.version,
        assignee=town.worker,
    )
    response = as_user(town.volunteer_user).get(reverse("assistance:field_tasks"))
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("assistance:field_task", args=[mine.pk]) in html
    assert reverse("assistance:field_task", args=[theirs.pk]) not in html
    assert "Кузнецова Валентина Ивановна" in html and "Чужая" not in html
    assert "ул. Липецкая, д. 10, кв. 5" in html
    assert 'href="tel:+79261234567"' in html  # the primary phone, not the other one
    assert "+79260000001" not in html
    assert town.service.name in html


def test_finished_and_withdrawn_tasks_leave_the_list(town, citizen):
    req = started(town)
    transition(
        help_request=req, to=Status.DONE, actor=Actor(town.volunteer_user), version=req.version, money_spent=Decimal(1)
    )
    response = as_user(town.volunteer_user).get(reverse("assistance:field_tasks"))
    assert reverse("assistance:field_task", args=[req.pk]) not in response.content.decode()
    assert "No tasks for today." in response.content.decode()


def test_tasks_of_later_days_are_listed_as_upcoming(town, citizen):
    start = timezone.now() + datetime.timedelta(days=3)
    later = assigned(town, window_start=start, window_end=start + datetime.timedelta(hours=2))
    html = as_user(town.volunteer_user).get(reverse("assistance:field_tasks")).content.decode()
    upcoming = html[html.index('id="field-upcoming"') :]
    assert reverse("assistance:field_task", args=[later.pk]) in upcoming
    assert "No tasks for today." in html


def test_list_and_task_page_show_nothing_else_of_the_citizen(town, citizen):
    citizen.lives_alone = True
    citizen.chronic_illness = True
    citizen.save()
    req = assigned(town)
    client = as_user(town.volunteer_user)
    for url in (reverse("assistance:field_tasks"), reverse("assistance:field_task", args=[req.pk])):
        html = client.get(url).content.decode()
        assert "Кузнецова Валентина Ивановна" in html
        for secret in (SNILS, "112-233-445 95", "12.04.1941", "1941", "lives alone", "chronic"):
            assert secret not in html, (url, secret)
        assert reverse("people:detail", args=[citizen.pk]) not in html


def test_opening_a_task_is_journaled_as_a_read_of_the_citizen(town, citizen):
    req = assigned(town)
    as_user(town.volunteer_user).get(reverse("assistance:field_task", args=[req.pk]))
    event = AuditEvent.objects.filter(action="view", person_id=citizen.pk).order_by("-id").first()
    assert event is not None
    assert event.actor_username == town.volunteer_user.username
    assert event.details == {"section": "field_task"}


def test_start_then_done_with_money_and_receipt_closes_the_request(town, citizen, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    req = assigned(town)
    client = as_user(town.volunteer_user)
    response = client.post(reverse("assistance:field_task_start", args=[req.pk]), {"version": req.version})
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == Status.IN_PROGRESS
    receipt = SimpleUploadedFile("chek.jpg", b"\xff\xd8\xff\xe0 receipt", content_type="image/jpeg")
    response = client.post(
        reverse("assistance:field_task_done", args=[req.pk]),
        {"version": req.version, "money_spent": "412,50", "receipt": receipt},
    )
    assert response.status_code == 302 and response.url == reverse("assistance:field_tasks")
    req.refresh_from_db()
    assert req.status == Status.DONE
    assignment = Assignment.objects.get(request=req)
    assert assignment.outcome == "done" and assignment.money_spent == Decimal("412.50")
    assert assignment.receipt.name.startswith("receipts/")
    assert (tmp_path / assignment.receipt.name).read_bytes().endswith(b"receipt")


def test_done_without_money_or_receipt_shows_errors_next_to_the_fields(town, citizen):
    req = started(town)
    response = as_user(town.volunteer_user).post(
        reverse("assistance:field_task_done", args=[req.pk]), {"version": req.version, "money_spent": "abc"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_money_spent_error"' in html and "Enter an amount in roubles" in html
    assert 'id="id_receipt_error"' in html and "Attach a photo of the receipt." in html
    req.refresh_from_db()
    assert req.status == Status.IN_PROGRESS


def test_service_without_money_needs_neither_amount_nor_receipt(town, citizen):
    walking = ServiceTypeFactory(code="walk", name="Выгул собаки", handles_money=False)
    req = started(town, service_type=walking)
    client = as_user(town.volunteer_user)
    page = client.get(reverse("assistance:field_task", args=[req.pk])).content.decode()
    assert 'name="money_spent"' not in page and 'name="receipt"' not in page
    response = client.post(reverse("assistance:field_task_done", args=[req.pk]), {"version": req.version})
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == Status.DONE


@pytest.mark.parametrize("typed", ["412,50", "412.50", "412,5", " 412 ₽"])
def test_money_accepts_a_decimal_comma_or_dot(typed):
    assert parse_money(typed) in (Decimal("412.50"), Decimal("412"))


@pytest.mark.parametrize("typed", ["1,234.50", "4,125", "abc", "1.2.3"])
def test_money_refuses_ambiguous_amounts(typed):
    with pytest.raises(ValueError):
        parse_money(typed)


def test_could_not_be_done_without_a_reason_shows_an_error_and_changes_nothing(town, citizen):
    req = started(town)
    response = as_user(town.volunteer_user).post(
        reverse("assistance:field_task_failed", args=[req.pk]), {"version": req.version, "reason": "  "}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_reason_error"' in html and "Say why the task could not be done." in html
    assert '<details class="field-form" open>' in html
    fresh = HelpRequest.objects.get(pk=req.pk)
    assert fresh.status == Status.IN_PROGRESS and fresh.version == req.version
    assert Assignment.objects.get(request=req).outcome == ""


def test_could_not_be_done_with_a_reason_hands_the_request_back_to_the_dispatcher(town, citizen):
    """Not a dead end (issue 15 §2): the dispatcher assigns it again or closes it, and reads why."""
    req = started(town)
    response = as_user(town.volunteer_user).post(
        reverse("assistance:field_task_failed", args=[req.pk]), {"version": req.version, "reason": "Не открыли дверь"}
    )
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == Status.RETURNED and req.is_open
    assignment = Assignment.objects.get(request=req)
    assert assignment.outcome == "failed" and assignment.reason == "Не открыли дверь"


def test_stale_version_is_refused_with_a_clear_message(town, citizen):
    req = assigned(town)
    client = as_user(town.volunteer_user)
    client.post(reverse("assistance:field_task_start", args=[req.pk]), {"version": req.version})
    response = client.post(
        reverse("assistance:field_task_failed", args=[req.pk]), {"version": req.version, "reason": "x"}, follow=True
    )
    assert "Someone else changed this task" in response.content.decode()
    req.refresh_from_db()
    assert req.status == Status.IN_PROGRESS


def test_someone_elses_task_answers_404(town, citizen):
    theirs = assigned(town, worker=town.worker)
    client = as_user(town.volunteer_user)
    assert client.get(reverse("assistance:field_task", args=[theirs.pk])).status_code == 404
    response = client.post(reverse("assistance:field_task_start", args=[theirs.pk]), {"version": theirs.version})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Status.ASSIGNED


def test_unassigned_request_answers_404_like_a_missing_one(town, citizen):
    req = town.new_request()
    client = as_user(town.worker_user)
    assert client.get(reverse("assistance:field_task", args=[req.pk])).status_code == 404
    assert client.get(reverse("assistance:field_task", args=[req.pk + 1000])).status_code == 404


@pytest.mark.parametrize("role", ["dispatcher", "operator", "supervisor"])
def test_office_roles_cannot_use_the_field_view(town, citizen, role):
    req = assigned(town)
    client = as_user(getattr(town, role))
    assert client.get(reverse("assistance:field_tasks")).status_code == 403
    assert client.get(reverse("assistance:field_task", args=[req.pk])).status_code == 403
    assert client.post(reverse("assistance:field_task_start", args=[req.pk]), {"version": 3}).status_code == 403


def test_social_worker_sees_own_task(town, citizen):
    req = assigned(town, worker=town.worker)
    response = as_user(town.worker_user).get(reverse("assistance:field_task", args=[req.pk]))
    assert response.status_code == 200
    assert "Start" in response.content.decode()


# --- the citizen card's Requests tab ---------------------------------------------------------------
def test_card_lists_the_citizens_requests_newest_first_with_assignee_and_reason(town, citizen):
    older = assigned(town, details="первая")
    HelpRequest.objects.filter(pk=older.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=2), due_at=timezone.now() - datetime.timedelta(days=1)
    )
    newer = town.new_request()
    transition(
        help_request=newer, to=Status.CANCELLED, actor=Actor(town.operator), version=newer.version, reason="Передумала"
    )
    response = as_user(town.operator).get(reverse("people:tab", args=[citizen.pk, "requests"]))
    assert response.status_code == 200
    html = response.content.decode()
    table = html[html.index('data-testid="person-requests"') :]
    assert table.index(f">{newer.pk}<") < table.index(f">{older.pk}<")
    assert "Передумала" in table
    assert town.volunteer.full_name in table
    assert "overdue" in table
    assert town.tcso.name in table
    assert "No help requests recorded" not in html


def test_card_pages_a_long_history_of_requests(town, citizen):
    """A citizen served for years has hundreds of requests: the tab shows them 25 a page, newest first."""
    made = [town.new_request() for _n in range(PAGE_SIZE + 5)]
    client = as_user(town.operator)
    url = reverse("people:tab", args=[citizen.pk, "requests"])
    first = client.get(url).content.decode()
    rows = first[first.index('data-testid="person-requests"') : first.index("</table>")]
    assert rows.count("<tr>") == PAGE_SIZE + 1  # the heading and one page
    assert f">{made[-1].pk}<" in rows and f">{made[0].pk}<" not in rows
    assert f"1–{PAGE_SIZE} of {PAGE_SIZE + 5}" in first and f'href="{url}?page=2"' in first
    second = client.get(url, {"page": 2}).content.decode()
    rows = second[second.index('data-testid="person-requests"') : second.index("</table>")]
    assert rows.count("<tr>") == 6 and f">{made[0].pk}<" in rows
    assert f'href="{url}?page=1"' in second
    assert client.get(url, {"page": "99999999999999999999"}).status_code == 200  # the last page, no error


def test_card_without_requests_keeps_the_empty_line(town, citizen):
    response = as_user(town.operator).get(reverse("people:tab", args=[citizen.pk, "requests"]))
    assert "No help requests recorded for this citizen." in response.content.decode()


def test_volunteer_cannot_open_the_card_requests_tab(town, citizen):
    assigned(town)
    assert as_user(town.volunteer_user).get(reverse("people:tab", args=[citizen.pk, "requests"])).status_code == 403
