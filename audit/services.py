"""Writing to and checking the journal. Other apps call :func:`record` and nothing else."""

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from audit import head_file, journal_key
from audit.head_file import HeadFileError, HeadRecord
from audit.journal_key import JournalKey, JournalKeyError
from audit.models import GENESIS_HASH, Action, AuditEvent, ChainHead, ShownPerson
from core.actor import Actor, Origin
from core.roles import user_roles
from notify import services as notify

SEAL_BATCH = 2000
# An entry not sealed within this time means the sealer is not running: verification says so.
SEAL_GRACE = datetime.timedelta(minutes=10)
# The sealer appends the chain's head to the head file on every seal and at least this often.
HEAD_INTERVAL = datetime.timedelta(minutes=1)

# Values of these fields never go into the journal, only the fact that they changed.
SENSITIVE_FIELDS = frozenset({"snils", "oms_number", "birth_date", "number", "phone", "address", "evidence"})


def record(
    *,
    actor: Actor | None,
    action: Action | str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    person_id: int | None = None,
    fields: Iterable[str] = (),
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one entry. Joins the caller's transaction, so the entry commits with the change (or not at all).

    ``actor`` says who, from which address and through which door (ui, api, system); None for an
    anonymous caller. ``details["shown"]``, when there, lists the citizens the entry showed (a search, a
    screen pop): they are indexed beside the journal, so each one's card finds the entry.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    user = actor.user if actor is not None and actor.user.is_authenticated else None
    # One INSERT, no lock: the entry joins the chain when the sealer finds it committed.
    event = AuditEvent.objects.create(
        at=timezone.now(),
        actor_id=user.pk if user is not None else None,
        actor_username=user.get_username() if user is not None else "",
        actor_roles=",".join(sorted(user_roles(user))) if user is not None else "",
        ip_address=actor.ip if actor is not None else None,
        origin=actor.origin if actor is not None else Origin.UI,
        action=str(action),
        object_type=object_type,
        object_id=str(object_id),
        person_id=person_id,
        fields=sorted(set(fields)),
        details=details or {},
    )
    index_shown(event)
    return event


def index_shown(event: AuditEvent) -> int:
    """Index the citizens ``event`` showed (its ``details["shown"]``) for their cards; returns how many."""
    shown = event.details.get("shown") if isinstance(event.details, dict) else None
    people = sorted({p for p in shown or () if isinstance(p, int) and p != event.person_id})
    ShownPerson.objects.bulk_create(
        [ShownPerson(event=event, person_id=p) for p in people],
        ignore_conflicts=True,
    )
    return len(people)


def seal(batch: int | None = None) -> int:
    """Link up to ``batch`` committed, unsealed entries into the chain, oldest first; returns how many.

    The chain head's row lock admits one sealer at a time; entries are numbered in the order the
    sealer finds them, so an entry whose transaction committed late simply gets a later number. Each
    entry is sealed with an HMAC under the journal key, and the new head goes to the head file. Nothing
    is sealed while the key is missing or the database contradicts the head file (:class:`JournalError`):
    sealing on would only extend a chain that ``audit_verify`` must first look at.
    """
    with transaction.atomic():
        head, _created = ChainHead.objects.select_for_update().get_or_create(pk=1)
        pending = list(AuditEvent.objects.filter(hash__isnull=True).order_by("id")[: batch or SEAL_BATCH])
        if not pending:
            return 0
        key = _sealing_key(head)
        _last, create = _continues_head_file(head, key)
        for event in pending:
            event.seq = head.seq + 1
            event.prev_hash = head.hash
            event.hash = event.compute_hash(key.entries)
            head.seq, head.hash = event.seq, event.hash
        # One parameterised statement for the batch (psycopg pipelines it): the ORM's bulk_update
        # builds a CASE per column and cost the sealer more CPU than the requests it serves saved.
        table = connection.ops.quote_name(AuditEvent._meta.db_table)
        with connection.cursor() as cursor:
            cursor.executemany(
                # The table name comes from the model, every value is a parameter.
                f"UPDATE {table} SET seq = %s, prev_hash = %s, hash = %s WHERE id = %s AND hash IS NULL",  # noqa: S608
                [(e.seq, e.prev_hash, e.hash, e.pk) for e in pending],
            )
        ChainHead.objects.filter(pk=1).update(seq=head.seq, hash=head.hash)
    # After the commit: a record of entries that then failed to commit would contradict the database
    # for good. Until the line is written, the new entries are protected by their HMAC alone.
    _write_head(head, key, create=create)
    return len(pending)


def seal_all() -> int:
    """Seal batch after batch until nothing committed is left unsealed; returns how many."""
    total = 0
    while True:
        sealed = seal()
        total += sealed
        if sealed < SEAL_BATCH:  # a short batch took everything there was
            return total


def record_head(*, every: datetime.timedelta = HEAD_INTERVAL) -> bool:
    """Append the chain's head to the head file unless its last record says the same and is younger than
    ``every``; returns whether it wrote. The sealer's loop calls it each round, so the file hears from an
    idle journal once a minute (and a fresh installation gets its key and head file at once).
    """
    with transaction.atomic():
        head, _created = ChainHead.objects.select_for_update().get_or_create(pk=1)
        key = _sealing_key(head)
        last, create = _continues_head_file(head, key)
        if last is not None and (last.seq, last.hash) == (head.seq, head.hash) and timezone.now() - last.at < every:
            return False
        _write_head(head, key, create=create)
    return True


def _sealing_key(head: ChainHead) -> JournalKey:
    """The journal key; generated on first use, but never once entries have been sealed with a key."""
    key = journal_key.load(create=head.seq < head.keyed_from)
    if key is None:
        raise JournalKeyError(
            f"the journal key {journal_key.key_file()} is missing, but entries {head.keyed_from}..{head.seq}"
            " were sealed with it: restore the file from the backup (or set OPORA_JOURNAL_KEY);"
            " a new key would make them all look forged"
        )
    return key


def _continues_head_file(head: ChainHead, key: JournalKey) -> tuple[HeadRecord | None, bool]:
    """Check that the database's chain continues what the head file last recorded.

    Returns that record and whether the file may be created: only while no entry is sealed with the key
    (a new installation, or the first run after migration 0005). A file lost later is an error, not a
    fresh start; an administrator who cannot restore it starts an empty one by hand (docs/operations.md).
    """
    path = head_file.path()
    if not path.exists():
        if head.seq >= head.keyed_from:
            raise HeadFileError(
                f"the head file {path} is missing, but the journal has entries {head.keyed_from}..{head.seq}"
                " sealed with the key: restore it from where it is kept (see docs/operations.md)"
            )
        return None, True
    last = head_file.last_record(path, key)
    if last is None:
        return None, False
    if last.keyed_from != head.keyed_from:
        raise HeadFileError(
            f"the head file {path} says entries are keyed from entry {last.keyed_from}, the database says"
            f" from entry {head.keyed_from}: run `manage.py audit_verify`"
        )
    if last.seq > head.seq:
        raise HeadFileError(
            f"the head file {path} recorded entry {last.seq} at {last.at:%Y-%m-%d %H:%M:%S %Z}, but the journal"
            f" ends at entry {head.seq}: entries were removed, or the database was restored or recreated;"
            " run `manage.py audit_verify`, and if the database was recreated on purpose, move the head file away"
            " (docs/operations.md)"
        )
    if last.seq == 0:
        found: str | None = GENESIS_HASH
    else:
        found = AuditEvent.objects.filter(seq=last.seq).values_list("hash", flat=True).first()
    if found != last.hash:
        raise HeadFileError(
            f"entry {last.seq} is not the one the head file {path} recorded at {last.at:%Y-%m-%d %H:%M:%S %Z}:"
            " the chain was rebuilt; run `manage.py audit_verify`"
        )
    return last, False


def _write_head(head: ChainHead, key: JournalKey, *, create: bool) -> None:
    record = HeadRecord(at=timezone.now(), seq=head.seq, hash=head.hash, keyed_from=head.keyed_from)
    path = head_file.path()
    try:
        head_file.append(path, record, key, create=create)
    except OSError as error:
        raise HeadFileError(f"cannot write the head file {path}: {error}") from error
    _ship_head(record, key)


def _ship_head(record: HeadRecord, key: JournalKey) -> None:
    """Also send the head off this host through the outbox, when ``OPORA_JOURNAL_HEAD_EMAIL`` names a
    mailbox elsewhere: the first head of every ``OPORA_JOURNAL_HEAD_EMAIL_MINUTES`` (one a minute would
    bury the outbox). The line is the head file's, HMAC included; it holds no personal data."""
    address = settings.OPORA_JOURNAL_HEAD_EMAIL
    if not address:
        return
    period = max(1, settings.OPORA_JOURNAL_HEAD_EMAIL_MINUTES) * 60
    slot = int(record.at.timestamp() // period)
    notify.send(
        channel="email",
        recipient=address,
        subject=f"Opora journal head #{record.seq}",
        body=record.line(key),
        dedup_key=f"journal-head:{slot}",
    )


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return sorted(name for name in after if before.get(name) != after.get(name))


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    problems: list[str]
    unsealed: int = 0
    # The last record of the head file that the database was compared with.
    recorded: HeadRecord | None = None


def _iter_events(batch: int = 5000) -> Iterator[AuditEvent]:
    last = 0
    while True:
        chunk = list(AuditEvent.objects.filter(seq__isnull=False, seq__gt=last).order_by("seq")[:batch])
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].seq or 0


class _Problems:
    def __init__(self, limit: int) -> None:
        self.found: list[str] = []
        self.limit = limit

    def add(self, problem: str) -> None:
        if len(self.found) < self.limit:
            self.found.append(problem)

    @property
    def full(self) -> bool:
        return len(self.found) >= self.limit


def _when(record: HeadRecord) -> str:
    return f"{record.at:%Y-%m-%d %H:%M:%S %Z}"


class _Recorded:
    """The head file's records in order, met along the walk of the chain; bad lines become problems."""

    def __init__(self, path: Path, key: JournalKey | None, problems: _Problems) -> None:
        self.path = path
        self.problems = problems
        self.exists = path.exists()
        self.first: HeadRecord | None = None
        self.last: HeadRecord | None = None
        self._records = self._read(key) if key is not None and self.exists else iter(())
        self._next = next(self._records, None)

    def _read(self, key: JournalKey) -> Iterator[HeadRecord]:
        """Valid records of entries not recorded before (a repeated head is checked, not yielded)."""
        try:
            yield from self._check(key)
        except OSError as error:
            self.problems.add(f"cannot read the head file {self.path}: {error}")

    def _check(self, key: JournalKey) -> Iterator[HeadRecord]:
        previous: HeadRecord | None = None
        for number, record in head_file.records(self.path, key):
            where = f"line {number} of the head file {self.path}"
            if record is None:
                self.problems.add(f"{where} is forged or damaged: its HMAC is not the journal key's")
                continue
            if self.first is None:
                self.first = record
            elif record.keyed_from != self.first.keyed_from:
                self.problems.add(
                    f"{where} says entries are keyed from entry {record.keyed_from}, the file's first record"
                    f" from entry {self.first.keyed_from}"
                )
            if previous is not None and record.seq < previous.seq:
                self.problems.add(
                    f"{where} goes back from entry {previous.seq} to entry {record.seq}: the journal was cut"
                )
                continue
            if previous is not None and record.seq == previous.seq:
                if record.hash != previous.hash:
                    self.problems.add(
                        f"the head file recorded two different hashes for entry {record.seq} ({_when(previous)}"
                        f" and {_when(record)}): the chain was rebuilt in between"
                    )
                else:
                    self.last = record
                continue
            previous = self.last = record
            yield record

    def meet(self, seq: int, hash: str) -> None:
        """The chain's entry ``seq`` has ``hash``: compare it with the records of entries up to it."""
        while self._next is not None and self._next.seq <= seq:
            if self._next.seq == seq and self._next.hash != hash:
                self.problems.add(
                    f"entry {seq} is not the one the head file recorded at {_when(self._next)}:"
                    " the chain was rebuilt from there or before"
                )
            self._next = next(self._records, None)

    def beyond(self) -> HeadRecord | None:
        """The last record of an entry after the ones met (the chain's tail was cut), if any."""
        found = self._next
        for record in self._records:
            found = record
        self._next = None
        return found


def verify_chain(max_problems: int = 20) -> VerifyResult:
    """Walk the journal in order, recompute every hash and compare the chain with the head file.

    Detects an edited entry (its HMAC no longer matches; without the key nobody can make a new one), a
    deleted or inserted entry (a gap in the numbering or a broken link to the previous hash), a cut tail
    (the chain head in the database or the head file recorded more entries), a chain rebuilt with the
    key (another hash at a number the head file recorded), a forged line in the head file, and entries
    left unsealed for longer than SEAL_GRACE. Entries written in the last minutes and not yet sealed are
    counted, not checked: until sealed they are protected by the triggers alone.
    """
    problems = _Problems(max_problems)
    head = ChainHead.objects.filter(pk=1).first() or ChainHead()
    try:
        key = journal_key.load(create=False)
    except JournalKeyError as error:
        problems.add(str(error))
        key = None
    recorded = _Recorded(head_file.path(), key, problems)
    # The head file's word on where the keyed chain starts, not the database's: moving it up in the
    # database would pass entries rewritten with plain SHA-256 off as sealed before the key came in.
    keyed_from = recorded.first.keyed_from if recorded.first is not None else head.keyed_from
    if head.keyed_from != keyed_from:
        problems.add(
            f"the database says entries are keyed from entry {head.keyed_from}, the head file says from entry"
            f" {keyed_from}: the switch-over point was moved"
        )
    if key is None and (recorded.exists or head.seq >= keyed_from):
        problems.add(
            f"the journal key ({journal_key.key_file()} or OPORA_JOURNAL_KEY) is missing: entries from"
            f" {keyed_from} on and the head file cannot be checked"
        )
    recorded.meet(0, GENESIS_HASH)
    expected_seq = 1
    prev = GENESIS_HASH
    checked = 0
    for event in _iter_events():
        checked += 1
        seq = event.seq or 0  # only sealed entries are walked
        if seq != expected_seq:
            problems.add(f"entries {expected_seq}..{seq - 1} are missing")
        if event.prev_hash != prev:
            problems.add(f"entry {event.seq} does not link to the entry before it")
        if seq < keyed_from:
            expected: str | None = event.legacy_hash()
        else:
            expected = event.compute_hash(key.entries) if key is not None else None
        if expected is not None and expected != event.hash:
            problems.add(f"entry {event.seq} was changed after it was written")
        recorded.meet(seq, event.hash or "")
        prev = event.hash or ""
        expected_seq = seq + 1
        if problems.full:
            break
    if not problems.full:
        if head.seq != expected_seq - 1 or head.hash != prev:
            problems.add(
                f"the journal ends at entry {expected_seq - 1} but the head says {head.seq}: entries were removed"
            )
        if (beyond := recorded.beyond()) is not None:
            problems.add(
                f"the journal ends at entry {expected_seq - 1} but the head file recorded entry {beyond.seq}"
                f" at {_when(beyond)}: entries were removed (or the database was restored from an older backup)"
            )
        if checked and not recorded.exists:
            problems.add(
                f"the head file {recorded.path} is missing, but the journal has {checked} sealed entries:"
                " a rebuilt or cut chain cannot be told from an honest one (is OPORA_JOURNAL_HEAD_FILE right?)"
            )
        elif checked and key is not None and recorded.first is None:
            problems.add(
                f"the head file {recorded.path} holds no valid record of the journal's {checked} sealed entries"
            )
    unsealed = AuditEvent.objects.filter(hash__isnull=True)
    stale = unsealed.filter(at__lt=timezone.now() - SEAL_GRACE).count()
    if stale:
        problems.add(
            f"{stale} entries are older than {int(SEAL_GRACE.total_seconds() // 60)} minutes and not sealed:"
            " is `manage.py audit_seal --loop` running?"
        )
    return VerifyResult(
        ok=not problems.found,
        checked=checked,
        problems=problems.found,
        unsealed=unsealed.count(),
        recorded=recorded.last,
    )
