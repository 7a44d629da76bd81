"""Confidential notes: who reads and writes them, encryption at rest, the 24-hour window and addenda, the
journal of every read, and the break of confidentiality. The note's text must appear nowhere but in a
psychologist of the service's view: not in the database in clear, not in any page, answer or journal."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from core.actor import Actor
from core.exceptions import ConcurrentEditError, ValidationError
from notify.models import OutboxMessage
from psych import crypto, notes, services
from psych.models import ConfidentialityBreach, NoteAddendum, SessionNote

pytestmark = pytest.mark.django_db
SECRET = "Пациентка рассказала о страхе рецидива и о конфликте с дочерью"


def held(clinic, user=None):
    """A walk-in consultation of the patient, held by the hospital's psychologist."""
    user = user or clinic.psychologist
    c = services.register_walk_in(actor=Actor(user), client=services.Client(person=clinic.patient))
    c = services.move(actor=Actor(user), consultation=c, to="in_progress", expected_version=c.version)
    return services.finish(
        actor=Actor(user), consultation=c, expected_version=c.version, topic=clinic.topic, outcome="supported"
    )


def noted(clinic):
    c = held(clinic)
    notes.write_note(actor=Actor(clinic.psychologist), consultation=c, text=SECRET, expected_version=0)
    return c


def test_the_psychologist_writes_and_a_colleague_of_the_service_reads_it(clinic):
    c = noted(clinic)
    view = notes.read_note(actor=Actor(clinic.colleague), consultation=c)
    assert view.text == SECRET and view.written_by == clinic.psychologist and view.version == 1


@pytest.mark.parametrize(
    "who",
    [
        "stranger",
        "onco_psychologist",
        "coordinator",
        "hospital_supervisor",
        "city_supervisor",
        "administrator",
        "operator",
    ],
)
def test_nobody_outside_the_service_reads_or_writes_it(clinic, who):
    c = noted(clinic)
    user = getattr(clinic, who)
    with pytest.raises(PermissionDenied):
        notes.read_note(actor=Actor(user), consultation=c)
    with pytest.raises(PermissionDenied):
        notes.write_note(actor=Actor(user), consultation=c, text="x", expected_version=1)
    assert not AuditEvent.objects.filter(actor_id=user.pk, action="view").exists()


def test_not_even_a_superuser_reads_it(clinic):
    c = noted(clinic)
    root = User.objects.create_superuser("root-psy", password=None)
    assert root.has_perm("psych.read_note", c)  # Django gives a superuser every permission...
    with pytest.raises(PermissionDenied):  # ...but the note asks the predicate itself
        notes.read_note(actor=Actor(root), consultation=c)


def test_the_note_is_not_in_the_database_in_clear(clinic):
    c = noted(clinic)
    notes.add_addendum(actor=Actor(clinic.psychologist), consultation=c, text=SECRET + " (дополнение)")
    fragment = "страхе рецидива"
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")
            for row in cursor.fetchall():
                assert not any(fragment in str(value) for value in row), f"the note's text is in {table} in clear"
    raw = SessionNote.objects.values_list("ciphertext", flat=True).get(consultation=c)
    assert crypto.decrypt(raw) == SECRET


def test_a_note_changed_in_the_database_is_refused_not_misread(clinic):
    c = noted(clinic)
    token = SessionNote.objects.get(consultation=c).ciphertext
    SessionNote.objects.filter(consultation=c).update(ciphertext=token[:-8] + "AAAAAAAA")
    with pytest.raises(crypto.UnreadableNote):
        notes.read_note(actor=Actor(clinic.psychologist), consultation=c)


def test_every_read_is_journaled_without_the_text(clinic):
    c = noted(clinic)
    notes.read_note(actor=Actor(clinic.colleague), consultation=c)
    notes.read_note(actor=Actor(clinic.colleague), consultation=c)
    reads = AuditEvent.objects.filter(actor_id=clinic.colleague.pk, action="view", object_id=str(c.pk))
    assert reads.count() == 2 and all(e.fields == ["note"] and e.person_id == clinic.patient.pk for e in reads)
    assert not any("рецидива" in str(e.details) for e in AuditEvent.objects.all())


def test_the_note_is_editable_for_24_hours_then_corrected_by_addenda(clinic):
    c = noted(clinic)
    later = c.ended_at + datetime.timedelta(hours=23)
    notes.write_note(actor=Actor(clinic.psychologist), consultation=c, text=SECRET + "!", expected_version=1, now=later)
    too_late = c.ended_at + datetime.timedelta(hours=25)
    with pytest.raises(ValidationError) as error:
        notes.write_note(
            actor=Actor(clinic.psychologist), consultation=c, text="исправлено", expected_version=2, now=too_late
        )
    assert "addendum" in str(error.value).lower() or "дополнение" in str(error.value).lower()
    assert notes.read_note(actor=Actor(clinic.psychologist), consultation=c, now=too_late).text == SECRET + "!"
    notes.add_addendum(actor=Actor(clinic.colleague), consultation=c, text="Уточнение: дочь приходит по средам")
    view = notes.read_note(actor=Actor(clinic.psychologist), consultation=c, now=too_late)
    assert [a.text for a in view.addenda] == ["Уточнение: дочь приходит по средам"] and not view.editable


def test_two_psychologists_saving_the_same_note_do_not_overwrite_each_other(clinic):
    c = noted(clinic)
    notes.write_note(actor=Actor(clinic.colleague), consultation=c, text="версия коллеги", expected_version=1)
    with pytest.raises(ConcurrentEditError):
        notes.write_note(actor=Actor(clinic.psychologist), consultation=c, text="моя версия", expected_version=1)
    assert notes.read_note(actor=Actor(clinic.psychologist), consultation=c).text == "версия коллеги"


def test_no_note_before_the_consultation_starts_and_no_empty_note(clinic):
    c = services.register_walk_in(actor=Actor(clinic.psychologist), client=services.Client())
    with pytest.raises(ValidationError):
        notes.write_note(actor=Actor(clinic.psychologist), consultation=c, text=SECRET, expected_version=0)
    c = held(clinic)
    with pytest.raises(ValidationError):
        notes.write_note(actor=Actor(clinic.psychologist), consultation=c, text="  \n ", expected_version=0)
    with pytest.raises(ValidationError):
        notes.write_note(actor=Actor(clinic.psychologist), consultation=c, text="x" * 20001, expected_version=0)
    assert not SessionNote.objects.exists() and not NoteAddendum.objects.exists()


def test_a_break_of_confidentiality_is_recorded_and_the_supervisor_told_without_the_clients_name(clinic):
    c = noted(clinic)
    breach = notes.record_breach(
        actor=Actor(clinic.psychologist),
        consultation=c,
        reason="Высказывала намерение покончить с собой сегодня",
        reported_to="ambulance",
        reference_number="103-4471",
        supervisor=clinic.hospital_supervisor,
    )
    assert breach.supervisor == clinic.hospital_supervisor and breach.reference_number == "103-4471"
    message = OutboxMessage.objects.get(related_type="psych.confidentialitybreach")
    assert "103-4471" in message.body and "Соколова" not in message.body and "рецидива" not in message.body


def test_a_break_without_reason_or_supervisor_is_refused_and_nothing_written(clinic):
    c = noted(clinic)
    with pytest.raises(ValidationError) as error:
        notes.record_breach(
            actor=Actor(clinic.psychologist),
            consultation=c,
            reason=" ",
            reported_to="nobody",
            supervisor=clinic.coordinator,
        )
    assert {"reason", "reported_to", "supervisor"} <= set(error.value.message_dict)
    assert not ConfidentialityBreach.objects.exists() and not OutboxMessage.objects.exists()


# --- pages: the note's text shows to the service's psychologists only -------------------------------


def page(user, c):
    client = Client()
    client.force_login(user)
    return client.get(reverse("psych:consultation", args=[c.pk]))


def test_the_psychologist_sees_the_note_on_the_page(clinic):
    c = noted(clinic)
    answer = page(clinic.colleague, c)
    assert answer.status_code == 200 and SECRET in answer.content.decode()


@pytest.mark.parametrize("who", ["hospital_supervisor", "city_supervisor", "coordinator"])
def test_others_see_that_it_happened_but_never_the_note(clinic, who):
    c = noted(clinic)
    answer = page(getattr(clinic, who), c)
    body = answer.content.decode()
    assert answer.status_code == 200
    assert "рецидива" not in body and SECRET not in body
    assert clinic.topic.name in body and "Запись о консультации сделана" in body


@pytest.mark.parametrize("who", ["stranger", "onco_psychologist"])
def test_psychologists_of_other_services_do_not_find_the_consultation(clinic, who):
    assert page(getattr(clinic, who), noted(clinic)).status_code == 404


@pytest.mark.parametrize("who", ["administrator", "operator", "volunteer", "navigator"])
def test_roles_without_psychology_get_403(clinic, who):
    assert page(getattr(clinic, who), noted(clinic)).status_code == 403


def test_the_admin_site_has_no_consultations_nor_notes(clinic):
    noted(clinic)
    root = User.objects.create_superuser("root-admin", password=None)
    client = Client()
    client.force_login(root)
    index = client.get(reverse("admin:index")).content.decode()
    assert "consultation" not in index.lower() and "sessionnote" not in index.lower()
    assert client.get("/admin/psych/sessionnote/").status_code == 404
    assert client.get("/admin/psych/consultation/").status_code == 404


def test_the_supervisors_journal_of_the_patient_has_no_note_text(clinic):
    c = noted(clinic)
    notes.read_note(actor=Actor(clinic.colleague), consultation=c)
    client = Client()
    client.force_login(clinic.city_supervisor)
    answer = client.get(reverse("people:tab", args=[clinic.patient.pk, "journal"]))
    assert answer.status_code == 200 and "рецидива" not in answer.content.decode()


def test_searching_the_registry_for_words_of_a_note_finds_nothing(clinic):
    noted(clinic)
    client = Client()
    client.force_login(clinic.city_supervisor)
    for query in ("рецидива", "Пациентка рассказала"):
        body = client.get(reverse("people:list"), {"q": query}).content.decode()
        assert "Соколова" not in body and "рецидива" not in body.replace(f'value="{query}"', "")


def test_a_note_that_cannot_be_read_gives_a_message_on_the_page_not_a_server_error(clinic):
    c = noted(clinic)
    SessionNote.objects.filter(consultation=c).update(ciphertext="not-a-fernet-token")
    answer = page(clinic.psychologist, c)
    body = answer.content.decode()
    assert answer.status_code == 200
    assert "не удаётся прочитать ключом записей" in body and 'data-testid="note-form"' not in body
