"""The journal on the citizen's card: names instead of codes, searches and screen pops that showed the
citizen, filters by who / action / period."""

import datetime
import importlib
import re

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from audit import services as audit
from audit.journal import journal_of
from audit.labels import describe
from audit.models import Action, AuditEvent, ShownPerson
from core.actor import Actor
from people import services as people_services
from people.tests.factories import PersonFactory, PhoneFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor_client(make_user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user("supervisor", first_name="Elena", last_name="Orlova"))
    return client


def _journal(client, person, **params):
    response = client.get(reverse("people:tab", args=[person.pk, "journal"]), params)
    assert response.status_code == 200
    return response.content.decode()


def _rows(html):
    table = re.search(r'<table class="results" data-testid="journal">.*?</table>', html, re.S)
    if table is None:
        return []
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
        for row in re.findall(r"<tr.*?</tr>", table.group(0), re.S)[1:]
    ]


def test_a_search_that_listed_the_citizen_is_in_their_journal_and_only_theirs(make_user, supervisor_client):
    person, other, stranger = PersonFactory(), PersonFactory(), PersonFactory()
    operator = make_user("operator", first_name="Anna", last_name="Morozova")
    people_services.record_search(actor=Actor.system(operator), kind="phone+name", results=[person, other])

    rows = _rows(_journal(supervisor_client, person))
    assert any("Morozova Anna" in row and "shown in search results (searched by phone, name)" in row for row in rows)
    assert any("shown in search results" in row for row in _rows(_journal(supervisor_client, other)))
    assert not any("shown in search results" in row for row in _rows(_journal(supervisor_client, stranger)))


def test_the_screen_pop_that_showed_the_caller_is_in_their_journal(make_user, supervisor_client):
    phone = PhoneFactory()
    operator = Client(HTTP_ACCEPT_LANGUAGE="en")
    operator.force_login(make_user("operator", first_name="Anna", last_name="Morozova"))
    assert operator.get(reverse("intake:call"), {"phone": phone.number}).status_code == 200

    rows = _rows(_journal(supervisor_client, phone.person))
    assert any("Morozova Anna" in row and "shown on the screen pop of an incoming call" in row for row in rows)


def test_entries_name_the_people_records_and_fields(make_user, supervisor_client):
    person = PersonFactory()
    operator = make_user("operator", first_name="Anna", last_name="Morozova")
    audit.record(
        actor=Actor.system(operator),
        action=Action.CHANGE,
        obj=person,
        person_id=person.pk,
        fields=["birth_date", "oms_number", "phones"],
    )

    html = _journal(supervisor_client, person)
    row = next(row for row in _rows(html) if "changed" in row)
    assert "Morozova Anna" in row and "Call-centre operator" in row
    assert f"Citizen no. {person.pk}" in row
    assert "date of birth, OMS policy number, phones" in row
    # No codes: not the login, not the model label, not the role code.
    assert operator.username not in row and "people.person" not in html and "operator," not in row


def _entry(person, actor, action, at):
    return AuditEvent.objects.create(
        at=at,
        actor=actor,
        actor_username=actor.username,
        action=action,
        object_type="people.person",
        object_id=str(person.pk),
        person_id=person.pk,
    )


def test_the_filter_narrows_by_who_action_and_period(make_user, supervisor_client):
    person = PersonFactory()
    anna = make_user("operator", first_name="Anna", last_name="Morozova")
    ivan = make_user("operator", first_name="Ivan", last_name="Petrov")
    now = timezone.now()
    old = _entry(person, anna, Action.VIEW, now - datetime.timedelta(days=40))
    anna_change = _entry(person, anna, Action.CHANGE, now - datetime.timedelta(days=2))
    ivan_view = _entry(person, ivan, Action.VIEW, now - datetime.timedelta(days=1))
    audit.record(actor=Actor.system(ivan), action=Action.SEARCH, details={"kind": "caller_id", "shown": [person.pk]})

    def ids(**filters):
        return [e.pk for e in journal_of(person.pk, **filters)]

    assert set(ids(who=anna.pk)) == {old.pk, anna_change.pk}
    assert ids(action="change") == [anna_change.pk]
    assert ids(action="view", who=ivan.pk) == [ivan_view.pk]
    week_ago = timezone.localdate() - datetime.timedelta(days=7)
    assert old.pk not in ids(since=week_ago)
    assert ids(until=week_ago) == [old.pk]
    searched = journal_of(person.pk, action="search")
    assert len(searched) == 1 and searched[0].details["kind"] == "caller_id"

    # The page: the "who" list names the people in this journal, and the filter applies.
    html = _journal(supervisor_client, person, who=ivan.pk, action="view")
    assert "Morozova Anna" in html  # an option of the filter
    rows = _rows(html)
    assert len(rows) == 1 and "Petrov Ivan" in rows[0]


def test_a_period_ending_before_it_starts_is_refused(supervisor_client):
    person = PersonFactory()
    html = _journal(supervisor_client, person, since="2026-03-10", until="2026-03-01")
    assert "The end of the period is before its start." in html


def test_the_index_leaves_the_journal_and_its_chain_intact(make_user):
    person, other = PersonFactory(), PersonFactory()
    operator = make_user("operator")
    entry = audit.record(
        actor=Actor.system(operator), action=Action.SEARCH, details={"kind": "name", "shown": [person.pk, other.pk]}
    )
    assert sorted(ShownPerson.objects.filter(event=entry).values_list("person_id", flat=True)) == sorted(
        [person.pk, other.pk]
    )
    assert entry.person_id is None  # the entry itself is as the caller wrote it
    audit.seal_all()
    result = audit.verify_chain()
    assert result.ok, result.problems


def test_the_migration_indexes_searches_written_before_it(make_user):
    person = PersonFactory()
    operator = make_user("operator")
    before = AuditEvent.objects.create(
        at=timezone.now(), actor=operator, action=Action.SEARCH, details={"kind": "name", "shown": [person.pk]}
    )
    assert not journal_of(person.pk)
    migration = importlib.import_module("audit.migrations.0006_shownperson")
    migration.index_existing(apps, None)
    assert [e.pk for e in journal_of(person.pk)] == [before.pk]
    migration.index_existing(apps, None)  # again: nothing doubles
    assert ShownPerson.objects.filter(event=before).count() == 1


def test_search_level_rows_say_what_was_shown(make_user):
    person = PersonFactory()
    operator = make_user("operator")
    entry = audit.record(
        actor=Actor.system(operator),
        action=Action.SEARCH,
        object_type="people.person",
        details={"kind": "name", "shown": [person.pk], "search_level": [person.pk]},
    )
    with translation.override("en"):
        (row,) = describe([entry], person_id=person.pk)
    assert row.shown and row.note == "name, date of birth and district only"
    assert row.record == "Citizen"


def test_a_programme_names_the_fields_it_journals_on_a_case():
    from django.utils import translation

    from audit.labels import field_labels

    with translation.override("ru"):
        assert field_labels("cases.case", ["stage", "call_tasks", "assistant"]) == [
            "этап",
            "задачи позвонить",
            "персональный помощник",
        ]


def test_entries_on_a_request_and_a_call_name_what_is_not_a_field_in_words():
    from audit.labels import field_labels

    with translation.override("ru"):
        assert field_labels("assistance.helprequest", ["status", "assignee", "full_name", "phone", "receipt"]) == [
            "статус",
            "работник",
            "ФИО",
            "телефон",
            "чек",
        ]
        # A field of that name on another kind of record keeps its own name.
        assert field_labels("cases.relativecall", ["full_name", "phone"]) == ["кому", "телефон"]
    with translation.override("en"):
        assert field_labels("intake.interaction", ["phone", "ring", "answer", "hangup"]) == [
            "phone",
            "the call came in",
            "the call was answered",
            "the call ended",
        ]


def test_the_journal_names_the_fields_of_a_status_change_and_of_the_citizens_records():
    from audit.labels import field_labels

    with translation.override("ru"):
        for object_type in ("people.personphone", "people.contactperson", "people.identitydocument", "people.consent"):
            assert field_labels(object_type, ["person"]) == ["гражданин"]
        assert field_labels("assistance.assignment", ["request", "worker"]) == ["заявка", "работник"]
    with translation.override("en"):
        names = ["request", "from_status", "to_status", "at", "by", "reason"]
        assert field_labels("assistance.transition", names) == [
            "help request",
            "previous status",
            "new status",
            "when",
            "changed by",
            "reason",
        ]
        assert field_labels("people.person", ["surname_folded"]) == ["surname (for search)"]
