import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit import guard
from audit import services as audit
from audit.models import AppendOnlyError, AuditEvent
from core.actor import Actor


def _write(n, user=None, *, sealed=True):
    written = [
        audit.record(
            actor=Actor(user) if user else None, action="view", object_type="people.person", object_id=i, person_id=i
        )
        for i in range(1, n + 1)
    ]
    if sealed:
        audit.seal_all()
        return list(AuditEvent.objects.filter(pk__in=[e.pk for e in written]).order_by("seq"))
    return written


def _drop_guard_triggers():
    """What only a database superuser could do: switch off the append-only triggers."""
    guard.remove(connection)


@pytest.mark.django_db
def test_entries_are_chained_to_the_previous_hash(make_user):
    events = _write(3, make_user("operator"))
    assert events[0].prev_hash == "0" * 64
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    assert [e.seq for e in events] == [1, 2, 3]
    assert audit.verify_chain().ok


@pytest.mark.django_db
def test_journal_entry_records_who_and_roles_but_not_values(make_user):
    user = make_user("supervisor")
    event = audit.record(
        actor=Actor(user),
        action="change",
        object_type="people.person",
        object_id=7,
        person_id=7,
        fields=["snils", "surname"],
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.actor_username == user.username
    assert stored.actor_roles == "supervisor"
    assert stored.fields == ["snils", "surname"]
    assert "112" not in str(stored.details)


@pytest.mark.django_db
def test_model_refuses_to_update_or_delete_an_entry():
    event = _write(1)[0]
    event.object_id = "999"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


@pytest.mark.django_db(transaction=True)
def test_database_refuses_update_and_delete_even_with_raw_sql():
    _write(2)
    for sql in ("UPDATE audit_auditevent SET object_id = 'x'", "DELETE FROM audit_auditevent"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditEvent.objects.count() == 2
    assert audit.verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_verify_detects_an_edited_entry():
    _write(5)
    _drop_guard_triggers()
    AuditEvent.objects.filter(seq=3).update(object_id="42")
    result = audit.verify_chain()
    assert not result.ok
    assert any("entry 3 was changed" in p for p in result.problems)
    with pytest.raises(CommandError):
        call_command("audit_verify")


@pytest.mark.django_db(transaction=True)
def test_verify_detects_a_deleted_entry_in_the_middle_and_at_the_end():
    _write(5)
    _drop_guard_triggers()
    AuditEvent.objects.filter(seq=2).delete()
    problems = audit.verify_chain().problems
    assert any("missing" in p for p in problems)
    AuditEvent.objects.filter(seq=5).delete()
    assert any("removed" in p for p in audit.verify_chain().problems)


@pytest.mark.django_db
def test_audit_verify_command_reports_an_intact_journal(capsys):
    _write(4)
    _write(2, sealed=False)
    call_command("audit_verify")
    out = capsys.readouterr().out
    assert "4 entries verified" in out
    assert "2 recent entries are waiting" in out


@pytest.mark.django_db
def test_entries_are_written_unsealed_and_the_sealer_chains_them_in_order(make_user):
    written = _write(3, make_user("operator"), sealed=False)
    assert all(e.seq is None and e.hash is None for e in written)
    assert audit.seal() == 3
    sealed = list(AuditEvent.objects.order_by("seq"))
    assert [e.pk for e in sealed] == [e.pk for e in written]
    assert [e.seq for e in sealed] == [1, 2, 3]
    assert audit.seal() == 0
    more = _write(2, sealed=False)
    assert audit.seal(batch=1) == 1 and audit.seal(batch=1) == 1 and audit.seal() == 0
    assert [e.seq for e in AuditEvent.objects.filter(pk__in=[m.pk for m in more]).order_by("id")] == [4, 5]
    assert AuditEvent.objects.get(seq=4).prev_hash == sealed[-1].hash
    assert audit.verify_chain().ok


@pytest.mark.django_db
def test_an_entry_rolled_back_with_its_change_never_reaches_the_journal():
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(actor=None, action="view", object_type="people.person", object_id=1)
        raise RuntimeError("the change failed")
    assert not AuditEvent.objects.exists()
    assert audit.seal() == 0


@pytest.mark.django_db(transaction=True)
def test_database_allows_only_the_first_seal_of_an_entry():
    unsealed = _write(1, sealed=False)[0]
    attempts = [
        # changing the content while sealing
        f"UPDATE audit_auditevent SET seq = 1, prev_hash = '', hash = 'x', object_id = 'y' WHERE id = {unsealed.pk}",
        # touching the content without sealing
        f"UPDATE audit_auditevent SET object_id = 'y' WHERE id = {unsealed.pk}",
    ]
    for sql in attempts:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    audit.seal()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE audit_auditevent SET seq = 9, hash = 'forged' WHERE id = {unsealed.pk}")
    assert audit.verify_chain().ok


@pytest.mark.django_db
def test_entries_left_unsealed_too_long_fail_verification():
    _write(2, sealed=False)
    guard.remove(connection)  # only to age the entries for the test
    AuditEvent.objects.update(at=timezone.now() - audit.SEAL_GRACE - datetime.timedelta(minutes=1))
    guard.install(connection)
    result = audit.verify_chain()
    assert not result.ok
    assert any("not sealed" in p for p in result.problems)
    audit.seal_all()
    assert audit.verify_chain().ok


@pytest.mark.django_db
def test_audit_seal_command_seals_what_was_written(capsys):
    _write(3, sealed=False)
    call_command("audit_seal")
    assert "3 entries sealed" in capsys.readouterr().out
    assert not AuditEvent.objects.filter(hash__isnull=True).exists()
