"""The consultation pages as a psychologist uses them: the queue screen, calling in, ending, the note."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases import crisis
from cases import services as case_services
from core.actor import Actor
from directory.models import Programme
from psych import services
from psych.models import Consultation, SessionNote

pytestmark = pytest.mark.django_db


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_queue_screen_lists_who_waits_even_with_an_open_crisis_in_the_menu(clinic):
    """The menu's count of crises waiting once shadowed the queue's list of who waits (a server error)."""
    Programme.objects.get_or_create(code="hospital_coordination", defaults={"name": "Социальная координация"})
    case = case_services.open_hospital_case(
        actor=Actor(clinic.coordinator),
        person=clinic.other_patient,
        reason="поступил",
        stay=case_services.StayDetails(admitted_on=timezone.localdate()),
    )
    crisis.mark_crisis(actor=Actor(clinic.coordinator), case=case, note="плачет")
    services.register_walk_in(actor=Actor(clinic.psychologist), client=services.Client(label="Ольга"))
    answer = logged_in(clinic.psychologist).get(reverse("psych:queue"))
    body = answer.content.decode()
    assert answer.status_code == 200
    assert "Ольга" in body and 'data-testid="nav-crises-count"' in body


def test_the_rows_refresh_alone_for_htmx(clinic):
    services.register_walk_in(actor=Actor(clinic.psychologist), client=services.Client(label="Ольга"))
    answer = logged_in(clinic.psychologist).get(
        reverse("psych:queue") + f"?place={clinic.hospital.pk}&part=rows", headers={"HX-Request": "true"}
    )
    body = answer.content.decode()
    assert answer.status_code == 200 and body.lstrip().startswith('<div id="queue-rows"') and "<html" not in body


def test_a_walk_in_from_arrival_to_note_through_the_pages(clinic):
    client = logged_in(clinic.psychologist)
    answer = client.post(reverse("psych:queue"), {"client_kind": "patient", "client_label": "Ольга"}, follow=True)
    assert "Номер 1 выдан: Ольга." in answer.content.decode()
    answer = client.post(reverse("psych:call_next"), {"place": clinic.hospital.pk}, follow=True)
    c = Consultation.objects.get()
    assert answer.redirect_chain[-1][0] == reverse("psych:consultation", args=[c.pk])
    assert c.status == "called" and c.psychologist == clinic.psychologist
    client.post(reverse("psych:move", args=[c.pk]), {"to": "in_progress", "version": c.version})
    c.refresh_from_db()
    answer = client.post(
        reverse("psych:finish", args=[c.pk]),
        {"version": c.version, "topic": clinic.topic.pk, "outcome": "supported", "next_step": "через неделю"},
        follow=True,
    )
    assert "Консультация завершена" in answer.content.decode()
    client.post(reverse("psych:write_note", args=[c.pk]), {"text": "Тревога перед операцией", "version": 0})
    assert SessionNote.objects.filter(consultation=c).exists()
    page = client.get(reverse("psych:consultation", args=[c.pk])).content.decode()
    assert "Тревога перед операцией" in page and "Сохранить запись" in page


def test_a_stale_form_says_someone_changed_it(clinic):
    c = services.register_walk_in(actor=Actor(clinic.psychologist), client=services.Client())
    services.call_next(actor=Actor(clinic.colleague), place=clinic.hospital)
    answer = logged_in(clinic.psychologist).post(
        reverse("psych:move", args=[c.pk]), {"to": "left", "version": 1}, follow=True
    )
    assert "изменил" in answer.content.decode().lower()
    assert Consultation.objects.get(pk=c.pk).status == "called"


def test_huge_numbers_and_control_characters_get_a_message_not_an_error(clinic):
    client = logged_in(clinic.psychologist)
    assert client.get(reverse("psych:queue") + "?place=99999999999999999999").status_code == 200  # the first centre
    assert client.get(reverse("psych:queue") + f"?place={clinic.other_hospital.pk}").status_code == 404
    assert client.get(reverse("psych:book") + "?person=99999999999999999999").status_code == 200
    answer = client.post(reverse("psych:queue"), {"client_kind": "patient", "client_label": "a\x00b"}, follow=True)
    assert answer.status_code == 200 and not Consultation.objects.exists()
    answer = client.post(
        reverse("psych:book"),
        {"slot": "99999999999999999999", "format": "phone", "client_kind": "patient"},
        follow=True,
    )
    assert answer.status_code == 200 and not Consultation.objects.exists()
    assert client.get(reverse("psych:consultations") + "?from=2026-99-99&to=x").status_code == 200


def test_the_psychologists_day_shows_the_queue_and_todays_bookings(clinic):
    from psych.tests.test_consultations import slot_of

    services.register_walk_in(actor=Actor(clinic.colleague), client=services.Client(label="Ольга"))
    slot = slot_of(clinic.psychologist, hours_ahead=1)
    services.book(
        actor=Actor(clinic.psychologist),
        slot=slot,
        client=services.Client(person=clinic.patient, phone="+79161112233"),
        format="phone",
    )
    body = logged_in(clinic.psychologist).get(reverse("psych:worklist")).content.decode()
    local = timezone.localtime(slot.starts_at)
    assert 'data-testid="day-waiting">1<' in body
    if local.date() == timezone.localdate():
        assert local.strftime("%H:%M") in body and "Соколова" in body
