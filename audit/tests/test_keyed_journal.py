"""Issue 11 §4: the journal cannot be rebuilt by whoever can write the database.

The attackers here can do what a database owner can: drop the append-only triggers, edit and delete
entries, recompute the chain and move the chain head. Some also hold the journal key. None can rewrite
the head file, which is what the head file is there for.
"""

import datetime
import hashlib
import hmac
import stat

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from audit import guard, head_file, journal_key
from audit import services as audit
from audit.checks import check_journal_settings
from audit.head_file import HeadFileError
from audit.journal_key import JournalKeyError
from audit.models import GENESIS_HASH, AuditEvent, ChainHead

pytestmark = pytest.mark.django_db


def _write(n):
    for i in range(1, n + 1):
        audit.record(actor=None, action="view", object_type="people.person", object_id=i, person_id=i)
    audit.seal_all()


def _plain_sha256(event):
    return hashlib.sha256(event.canonical()).hexdigest()


def _hmac_with_the_key(event):
    key = journal_key.load(create=False)
    return hmac.new(key.entries, event.canonical(), hashlib.sha256).hexdigest()


def _rebuild(hasher, *, from_seq=1):
    """What a database owner does after an edit: relink and rehash every entry from ``from_seq`` on, and
    move the chain head to the new end, so that the chain in the database is consistent again."""
    guard.remove(connection)
    prev = GENESIS_HASH
    last = None
    for event in AuditEvent.objects.filter(seq__isnull=False).order_by("seq"):
        if event.seq >= from_seq:
            event.prev_hash = prev
            event.hash = hasher(event)
            AuditEvent.objects.filter(pk=event.pk).update(prev_hash=event.prev_hash, hash=event.hash)
        prev, last = event.hash, event.seq
    ChainHead.objects.filter(pk=1).update(seq=last or 0, hash=prev)


def _head_lines():
    return head_file.path().read_text().splitlines()


# --- the HMAC: an attacker without the key -------------------------------------------------------------


def test_a_chain_rebuilt_with_plain_sha256_after_an_edit_is_detected():
    _write(5)
    guard.remove(connection)
    AuditEvent.objects.filter(seq=3).update(object_id="42")
    _rebuild(_plain_sha256)

    result = audit.verify_chain()

    assert not result.ok
    assert any("entry 3 was changed" in p for p in result.problems)
    with pytest.raises(CommandError, match="NOT intact"):
        call_command("audit_verify")


def test_passing_rewritten_entries_off_as_sealed_before_the_key_is_detected():
    _write(5)
    guard.remove(connection)
    AuditEvent.objects.filter(seq=3).update(object_id="42")
    _rebuild(_plain_sha256)
    # The downgrade: "all five were sealed before the key came in, with plain SHA-256".
    ChainHead.objects.filter(pk=1).update(keyed_from=6)

    problems = audit.verify_chain().problems

    assert any("the switch-over point was moved" in p for p in problems)
    assert any("entry 5 is not the one the head file recorded" in p for p in problems)


# --- the head file: an attacker who holds the key as well ----------------------------------------------


def test_history_rewritten_with_the_key_is_detected_by_the_head_file():
    _write(5)
    guard.remove(connection)
    AuditEvent.objects.filter(seq=3).update(object_id="42")
    _rebuild(_hmac_with_the_key, from_seq=3)

    problems = audit.verify_chain().problems

    # Every HMAC is right and the chain links up: only the record outside the database tells.
    assert not any("was changed" in p or "does not link" in p for p in problems)
    assert any("entry 5 is not the one the head file recorded" in p for p in problems)


def test_a_cut_tail_is_detected_by_the_head_file_even_with_the_key():
    _write(5)
    guard.remove(connection)
    AuditEvent.objects.filter(seq__gt=3).delete()
    entry_3 = AuditEvent.objects.get(seq=3)
    ChainHead.objects.filter(pk=1).update(seq=3, hash=entry_3.hash)

    problems = audit.verify_chain().problems

    # The chain and its head in the database agree with each other; only the head file remembers entry 5.
    assert len(problems) == 1
    assert problems[0].startswith("the journal ends at entry 3 but the head file recorded entry 5")


def test_the_sealer_refuses_to_extend_a_chain_that_contradicts_the_head_file():
    _write(5)
    guard.remove(connection)
    AuditEvent.objects.filter(seq__gt=3).delete()
    ChainHead.objects.filter(pk=1).update(seq=3, hash=AuditEvent.objects.get(seq=3).hash)
    guard.install(connection)
    # New entries 4 and 5 in place of the removed ones would make the cut invisible but for the file.
    audit.record(actor=None, action="view", object_type="people.person", object_id=99)
    lines = _head_lines()

    with pytest.raises(HeadFileError, match="recorded entry 5"):
        audit.seal()

    assert AuditEvent.objects.filter(hash__isnull=True).count() == 1
    assert _head_lines() == lines


# --- the key -----------------------------------------------------------------------------------------


def test_the_key_is_generated_into_a_private_file_and_never_stored_in_the_database(journal_outside):
    _write(3)
    key_path = journal_outside / "journal_key"
    secret = key_path.read_text().strip()
    key = journal_key.load(create=False)

    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_path.parent.stat().st_mode) == 0o700
    assert len(secret) >= journal_key.MIN_KEY_LENGTH
    dump = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            dump.append(repr(cursor.fetchall()))
    everything = "\n".join(dump) + head_file.path().read_text()
    assert "audit_auditevent" in connection.introspection.table_names()
    for form in (secret, key.entries.hex(), key.heads.hex()):
        assert form not in everything


def test_each_entry_is_sealed_with_the_hmac_of_the_key():
    _write(2)
    event = AuditEvent.objects.get(seq=2)

    assert event.hash == _hmac_with_the_key(event)
    assert event.hash != _plain_sha256(event)


def test_a_key_given_in_the_environment_is_used_and_no_key_file_is_written(settings, journal_outside):
    settings.OPORA_JOURNAL_KEY = "k" * 40
    _write(2)
    assert audit.verify_chain().ok
    assert not (journal_outside / "journal_key").exists()

    settings.OPORA_JOURNAL_KEY = "another key of forty characters or more!"
    problems = audit.verify_chain().problems
    assert any("entry 1 was changed" in p for p in problems)
    assert any("head file" in p and "forged" in p for p in problems)


def test_a_short_key_in_the_environment_is_refused(settings):
    settings.OPORA_JOURNAL_KEY = "short"
    audit.record(actor=None, action="view", object_type="people.person", object_id=1)

    with pytest.raises(JournalKeyError, match="shorter than 32"):
        audit.seal()
    assert any("shorter than 32" in p for p in audit.verify_chain().problems)


def test_a_lost_key_is_not_replaced_once_entries_were_sealed_with_it(journal_outside):
    _write(2)
    (journal_outside / "journal_key").unlink()
    audit.record(actor=None, action="view", object_type="people.person", object_id=3)

    with pytest.raises(JournalKeyError, match="restore the file"):
        audit.seal()

    assert not (journal_outside / "journal_key").exists()
    assert any("journal key" in p and "missing" in p for p in audit.verify_chain().problems)


def test_system_checks_refuse_a_short_key_and_warn_of_key_or_head_file_beside_the_database(settings):
    assert check_journal_settings() == []
    settings.OPORA_JOURNAL_KEY_FILE = settings.VAR_DIR / "journal_key"
    settings.OPORA_JOURNAL_HEAD_FILE = settings.VAR_DIR / "journal-head.log"
    assert [m.id for m in check_journal_settings()] == ["audit.W001", "audit.W002"]
    settings.OPORA_JOURNAL_KEY = "short"
    assert [m.id for m in check_journal_settings()] == ["audit.E001", "audit.W002"]


# --- the head file -----------------------------------------------------------------------------------


def test_every_seal_appends_the_chain_head_to_the_head_file():
    _write(2)
    first = _head_lines()
    _write(3)
    lines = _head_lines()
    key = journal_key.load(create=False)
    last = head_file.parse(lines[-1], key)
    head = ChainHead.objects.get(pk=1)

    assert lines[: len(first)] == first
    assert len(lines) > len(first)
    assert last is not None
    assert (last.seq, last.hash, last.keyed_from) == (5, head.hash, 1)
    assert stat.S_IMODE(head_file.path().stat().st_mode) == 0o600


def test_a_head_file_line_forged_without_the_key_is_detected():
    _write(3)
    line = _head_lines()[-1]
    # A record of a shorter journal, signed with a guessed key.
    body = line.rsplit(" hmac=", 1)[0].replace("seq=3", "seq=2")
    forged = f"{body} hmac={hmac.new(b'guessed', body.encode(), hashlib.sha256).hexdigest()}\n"
    with head_file.path().open("a") as out:
        out.write(forged)

    problems = audit.verify_chain().problems

    assert len(problems) == 1
    assert "forged or damaged" in problems[0]
    # The sealer is not misled by it either: it goes on from the last genuine record.
    _write(1)
    assert AuditEvent.objects.filter(hash__isnull=True).count() == 0


def test_an_idle_sealer_records_the_head_once_a_minute():
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert audit.record_head()  # a fresh journal: its key and head file at once
        assert not audit.record_head()
        clock.shift(datetime.timedelta(seconds=59))
        assert not audit.record_head()
        clock.shift(datetime.timedelta(seconds=2))
        assert audit.record_head()
    records = [head_file.parse(line, journal_key.load(create=False)) for line in _head_lines()]
    assert [(r.seq, r.hash) for r in records] == [(0, GENESIS_HASH)] * 2


def test_the_sealer_loop_records_the_head_when_there_is_nothing_to_seal(monkeypatch):
    _write(1)
    lines = _head_lines()
    rounds = []

    def stop_after_two_rounds(seconds):
        rounds.append(seconds)
        if len(rounds) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr("core.loop.time.sleep", stop_after_two_rounds)
    monkeypatch.setattr("core.loop.close_old_connections", lambda: None)  # the test's transaction stays open
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=2), tick=False):
        call_command("audit_seal", loop=2)

    assert len(_head_lines()) == len(lines) + 1


def test_a_missing_head_file_is_reported_and_not_started_afresh_by_the_sealer():
    _write(2)
    head_file.path().unlink()

    problems = audit.verify_chain().problems
    assert any("the head file" in p and "is missing, but the journal has 2 sealed entries" in p for p in problems)

    audit.record(actor=None, action="view", object_type="people.person", object_id=3)
    with pytest.raises(HeadFileError, match="is missing"):
        audit.seal()
    with pytest.raises(CommandError, match="is missing"):
        call_command("audit_seal")
    assert not head_file.path().exists()


def test_the_sealer_loop_says_why_it_cannot_seal_and_keeps_going(monkeypatch, capsys):
    _write(2)
    head_file.path().unlink()
    audit.record(actor=None, action="view", object_type="people.person", object_id=3)
    rounds = []

    def stop_after_three_rounds(seconds):
        rounds.append(seconds)
        if len(rounds) == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr("core.loop.time.sleep", stop_after_three_rounds)
    monkeypatch.setattr("core.loop.close_old_connections", lambda: None)  # the test's transaction stays open
    call_command("audit_seal", loop=2)

    assert len(rounds) == 3
    assert capsys.readouterr().err.count("journal: the head file") == 1  # said once, not each round


def test_an_empty_head_file_started_by_an_administrator_is_continued():
    _write(2)
    head_file.path().unlink()
    head_file.path().touch(mode=0o600)

    _write(1)

    assert audit.verify_chain().ok
    assert len(_head_lines()) == 1


# --- the switch-over from plain SHA-256 --------------------------------------------------------------


def _seal_the_old_way(n):
    """Entries sealed before migration 0005: plain SHA-256, and keyed_from just after them."""
    for i in range(1, n + 1):
        audit.record(actor=None, action="view", object_type="people.person", object_id=i)
    guard.remove(connection)
    prev = GENESIS_HASH
    for seq, event in enumerate(AuditEvent.objects.order_by("id"), 1):
        event.seq, event.prev_hash = seq, prev
        event.hash = prev = _plain_sha256(event)
        AuditEvent.objects.filter(pk=event.pk).update(seq=seq, prev_hash=event.prev_hash, hash=event.hash)
    ChainHead.objects.filter(pk=1).update(seq=n, hash=prev, keyed_from=n + 1)
    guard.install(connection)


def test_entries_sealed_before_the_key_verify_with_sha256_and_later_ones_with_the_hmac():
    _seal_the_old_way(3)
    assert any("head file" in p and "missing" in p for p in audit.verify_chain().problems)

    _write(2)  # the first seal after the upgrade starts the head file

    assert audit.verify_chain().ok
    assert AuditEvent.objects.get(seq=3).hash == _plain_sha256(AuditEvent.objects.get(seq=3))
    assert AuditEvent.objects.get(seq=4).hash == _hmac_with_the_key(AuditEvent.objects.get(seq=4))
    first = head_file.parse(_head_lines()[0], journal_key.load(create=False))
    assert first is not None and first.keyed_from == 4


def test_old_entries_rewritten_with_sha256_are_still_detected_through_the_first_keyed_entry():
    _seal_the_old_way(3)
    _write(2)
    guard.remove(connection)
    AuditEvent.objects.filter(seq=2).update(object_id="42")
    _rebuild(_plain_sha256, from_seq=2)  # entry 4's HMAC covers the link to entry 3's new hash

    problems = audit.verify_chain().problems

    assert not any("entry 2 was changed" in p or "entry 3 was changed" in p for p in problems)
    assert any("entry 4 was changed" in p for p in problems)


@pytest.mark.django_db(transaction=True)
def test_the_migration_marks_entries_sealed_before_it_as_sealed_without_the_key():
    executor = MigrationExecutor(connection)
    executor.migrate([("audit", "0004_origin")])
    before = executor.loader.project_state([("audit", "0004_origin")]).apps
    entry = AuditEvent(seq=1, at=timezone.now(), action="view", object_type="people.person", prev_hash=GENESIS_HASH)
    fields = {f.attname: getattr(entry, f.attname) for f in AuditEvent._meta.concrete_fields if f.attname != "id"}
    before.get_model("audit", "AuditEvent").objects.create(**{**fields, "hash": _plain_sha256(entry)})
    before.get_model("audit", "ChainHead").objects.update_or_create(
        pk=1, defaults={"seq": 1, "hash": _plain_sha256(entry)}
    )

    try:
        MigrationExecutor(connection).migrate([("audit", "0005_keyed_chain")])

        assert ChainHead.objects.get(pk=1).keyed_from == 2
        _write(1)
        assert audit.verify_chain().ok
        assert AuditEvent.objects.get(seq=2).hash == _hmac_with_the_key(AuditEvent.objects.get(seq=2))
    finally:
        # Back to the newest migration, so the tests after this one find every table of the app.
        latest = MigrationExecutor(connection)
        latest.migrate(latest.loader.graph.leaf_nodes("audit"))


# --- an honest journal -------------------------------------------------------------------------------


def test_an_honest_journal_is_intact_with_its_head_file(capsys):
    _write(3)
    audit.record_head(every=datetime.timedelta(0))
    _write(2)
    audit.record(actor=None, action="view", object_type="people.person", object_id=6)  # not sealed yet

    result = audit.verify_chain()
    call_command("audit_verify")

    assert result.ok, result.problems
    assert result.recorded is not None and result.recorded.seq == 5
    out = capsys.readouterr().out
    assert "audit journal intact: 5 entries verified" in out
    assert "agrees; its last record: entry 5" in out
    assert "1 recent entries are waiting" in out


def test_the_head_goes_off_the_host_by_email_once_per_period_when_configured(settings):
    from notify.models import OutboxMessage

    settings.OPORA_JOURNAL_HEAD_EMAIL = "journal-heads@archive.example.ru"
    settings.OPORA_JOURNAL_HEAD_EMAIL_MINUTES = 60
    _write(2)
    _write(1)  # a second seal in the same hour: the first head of the hour is the one sent
    messages = list(OutboxMessage.objects.filter(recipient="journal-heads@archive.example.ru"))
    assert len(messages) == 1
    key = journal_key.load(create=False)
    shipped = head_file.parse(messages[0].body.strip(), key)
    assert shipped is not None and shipped.seq == 2
    assert shipped.hash == AuditEvent.objects.get(seq=2).hash


def test_no_head_leaves_by_email_unless_configured():
    from notify.models import OutboxMessage

    _write(2)
    assert not OutboxMessage.objects.exists()
