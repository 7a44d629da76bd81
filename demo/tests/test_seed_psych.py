"""The demo psychological service: hours and slots, a month of consultations, today's queue and bookings,
a note, made through the services once."""

from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from core.actor import Actor
from psych import notes
from psych.models import (
    Attendance,
    Consultation,
    DutyShift,
    FollowUp,
    HotlineCall,
    HotlineLine,
    ServiceSettings,
    SessionNote,
    SupportGroup,
)
from scheduling.models import Booking, Resource, Slot

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", people=300, requests=40, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        m.__name__: m.objects.count() for m in (Consultation, SessionNote, Slot, Booking, Resource, ServiceSettings)
    }


def test_the_demo_psychologist_has_a_queue_bookings_history_and_a_note_and_a_second_run_adds_nothing() -> None:
    output = seed()
    psychologist = User.objects.get(username="psychologist")
    mine = Consultation.objects.filter(organisation=psychologist.worker.organisation)
    assert mine.filter(status="waiting").count() == 3
    assert mine.filter(status="booked", psychologist=psychologist).count() == 3
    assert mine.filter(status="booked", format="online").exclude(video_link="").count() == 1
    assert mine.filter(status="done").count() >= 20
    assert {f for (f,) in Consultation.objects.filter(status="done").values_list("format").distinct()} == {
        "in_person",
        "online",
        "phone",
    }
    assert Consultation.objects.exclude(organisation=psychologist.worker.organisation).filter(status="done").exists()
    held_today = mine.filter(psychologist=psychologist, status="done").order_by("-ended_at")[:2]
    with_note = [c for c in held_today if SessionNote.objects.filter(consultation=c).exists()]
    assert len(with_note) == 1
    assert notes.read_note(actor=Actor(psychologist), consultation=with_note[0]).text
    assert Slot.objects.filter(resource__worker__user=psychologist).count() > 100
    assert "Demo psychological service" in output

    # Groups: the hospital's full, with two on the waiting list and attendance marked; the service's online.
    hospital_group = SupportGroup.objects.get(organisation=psychologist.worker.organisation)
    assert hospital_group.members.filter(status="member").count() == hospital_group.capacity
    assert hospital_group.members.filter(status="waiting").count() == 2
    assert Attendance.objects.filter(session__group=hospital_group).exists()
    assert SupportGroup.objects.exclude(video_link="").count() == 1
    # Hotlines: both lines of the city's service with a roster, the 24-hour one with its hole on Sunday night.
    onco = User.objects.get(username="oncopsychologist")
    lines = HotlineLine.objects.filter(organisation=onco.worker.organisation)
    assert {line.phone for line in lines} == {"+7 (495) 587-00-51", "051; +7 (495) 051 с мобильного"}
    assert DutyShift.objects.filter(line__round_the_clock=True).count() >= 20
    assert HotlineCall.objects.filter(risk="emergency", handed_to="ambulance").count() == 1
    assert FollowUp.objects.filter(kind="emergency", done_at__isnull=True).count() == 1
    assert FollowUp.objects.filter(kind="call_back").count() == 2

    before = counts()
    seed()
    assert counts() == before
