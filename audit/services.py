"""Writing to and checking the journal. Other apps call :func:`record` and nothing else."""

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from audit.models import GENESIS_HASH, Action, AuditEvent, ChainHead
from core.actor import Actor, Origin
from core.roles import user_roles

SEAL_BATCH = 2000
# An entry not sealed within this time means the sealer is not running: verification says so.
SEAL_GRACE = datetime.timedelta(minutes=10)

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
    anonymous caller.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    user = actor.user if actor is not None and actor.user.is_authenticated else None
    # One INSERT, no lock: the entry joins the chain when the sealer finds it committed.
    return AuditEvent.objects.create(
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


def seal(batch: int | None = None) -> int:
    """Link up to ``batch`` committed, unsealed entries into the chain, oldest first; returns how many.

    The chain head's row lock admits one sealer at a time; entries are numbered in the order the
    sealer finds them, so an entry whose transaction committed late simply gets a later number.
    """
    with transaction.atomic():
        head, _created = ChainHead.objects.select_for_update().get_or_create(pk=1)
        pending = list(AuditEvent.objects.filter(hash__isnull=True).order_by("id")[: batch or SEAL_BATCH])
        for event in pending:
            event.seq = head.seq + 1
            event.prev_hash = head.hash
            event.hash = event.compute_hash()
            head.seq, head.hash = event.seq, event.hash
        if pending:
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
    return len(pending)


def seal_all() -> int:
    """Seal batch after batch until nothing committed is left unsealed; returns how many."""
    total = 0
    while True:
        sealed = seal()
        total += sealed
        if sealed < SEAL_BATCH:  # a short batch took everything there was
            return total


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return sorted(name for name in after if before.get(name) != after.get(name))


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    problems: list[str]
    unsealed: int = 0


def _iter_events(batch: int = 5000) -> Iterator[AuditEvent]:
    last = 0
    while True:
        chunk = list(AuditEvent.objects.filter(seq__isnull=False, seq__gt=last).order_by("seq")[:batch])
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].seq or 0


def verify_chain(max_problems: int = 20) -> VerifyResult:
    """Walk the journal in order and recompute every hash.

    Detects an edited entry (its hash no longer matches), a deleted or inserted entry (a gap in the
    numbering or a broken link to the previous hash), a cut tail (the head no longer matches) and
    entries left unsealed for longer than SEAL_GRACE. Entries written in the last minutes and not yet
    sealed are counted, not checked: until sealed they are protected by the triggers alone.
    """
    problems: list[str] = []
    expected_seq = 1
    prev = GENESIS_HASH
    checked = 0
    for event in _iter_events():
        checked += 1
        seq = event.seq or 0  # only sealed entries are walked
        if seq != expected_seq:
            problems.append(f"entries {expected_seq}..{seq - 1} are missing")
        if event.prev_hash != prev:
            problems.append(f"entry {event.seq} does not link to the entry before it")
        if event.compute_hash() != event.hash:
            problems.append(f"entry {event.seq} was changed after it was written")
        prev = event.hash or ""
        expected_seq = seq + 1
        if len(problems) >= max_problems:
            break
    head = ChainHead.objects.filter(pk=1).first()
    if len(problems) < max_problems:
        head_seq = head.seq if head else 0
        head_hash = head.hash if head else GENESIS_HASH
        if head_seq != expected_seq - 1 or head_hash != prev:
            problems.append(
                f"the journal ends at entry {expected_seq - 1} but the head says {head_seq}: entries were removed"
            )
    unsealed = AuditEvent.objects.filter(hash__isnull=True)
    stale = unsealed.filter(at__lt=timezone.now() - SEAL_GRACE).count()
    if stale:
        problems.append(
            f"{stale} entries are older than {int(SEAL_GRACE.total_seconds() // 60)} minutes and not sealed:"
            " is `manage.py audit_seal --loop` running?"
        )
    return VerifyResult(ok=not problems, checked=checked, problems=problems, unsealed=unsealed.count())
