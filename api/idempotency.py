"""``Idempotency-Key`` for the API's writes: a repeated request gets the first answer back.

The record row is inserted first, inside the transaction that makes the change, so the unique
constraint on (user, key) serialises two concurrent requests with the same key: the second one waits
for the first to commit, fails its insert and replays the stored answer. Only successful (2xx) answers
are kept; after a refusal nothing changed, so the client may correct the request and send it again
with the same key.
"""

import datetime
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from api.models import IdempotencyRecord

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
RETENTION = datetime.timedelta(hours=24)
MAX_KEY_LENGTH = 200


@dataclass
class Answer:
    """A JSON answer: what the client gets now and, if successful, on every replay."""

    status: int
    body: dict[str, Any]

    @property
    def is_success(self) -> bool:
        return 200 <= self.status < 300


class InvalidIdempotencyKey(Exception):
    """The header is empty or longer than MAX_KEY_LENGTH."""


class IdempotencyKeyReused(Exception):
    """The key was already used for a different request."""


def request_fingerprint(request: HttpRequest) -> str:
    """Hash of method, path and body; JSON bodies are compared by content, not by spacing or key order."""
    raw = request.body
    try:
        body = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    except ValueError:
        body = raw
    digest = hashlib.sha256()
    for part in (request.method or "", request.path):
        digest.update(part.encode())
        digest.update(b"\0")
    digest.update(body)
    return digest.hexdigest()


def purge_expired(*, user: User | None = None, now: datetime.datetime | None = None) -> int:
    """Delete records older than RETENTION (of one user, or of everyone for a periodic job)."""
    cutoff = (now or timezone.now()) - RETENTION
    records = IdempotencyRecord.objects.filter(created_at__lt=cutoff)
    if user is not None:
        records = records.filter(user=user)
    deleted, _by_model = records.delete()
    return deleted


def _stored(user: User, key: str) -> IdempotencyRecord | None:
    cutoff = timezone.now() - RETENTION
    return IdempotencyRecord.objects.filter(user=user, key=key, created_at__gte=cutoff).first()


def _replay(record: IdempotencyRecord, fingerprint: str) -> Answer:
    if record.request_hash != fingerprint:
        raise IdempotencyKeyReused
    return Answer(status=record.status_code, body=record.response_body)


def _claim(user: User, key: str, request: HttpRequest, fingerprint: str) -> IdempotencyRecord:
    return IdempotencyRecord.objects.create(
        user=user,
        key=key,
        method=request.method or "",
        path=request.path[:300],
        request_hash=fingerprint,
        status_code=0,
        response_body={},
    )


def run_idempotent(request: HttpRequest, action: Callable[[], Answer]) -> tuple[Answer, bool]:
    """Run ``action`` in one transaction, at most once per Idempotency-Key.

    Returns the answer and whether it is a replay of an earlier one. Exceptions raised by ``action``
    roll the transaction back (the key stays unused) and propagate.

    A new key costs one INSERT before the action and one UPDATE after it; a used key is found by the
    INSERT's unique constraint, so there is no look-up first. Records older than RETENTION are purged
    by ``manage.py purge_idempotency`` (run beside the server); one that is still there when its key
    comes again is deleted here and the key used afresh.
    """
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        with transaction.atomic():
            return action(), False
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidIdempotencyKey
    user: User = request.user  # type: ignore[assignment]
    fingerprint = request_fingerprint(request)

    for _attempt in range(2):
        claimed = False
        try:
            with transaction.atomic():
                record = _claim(user, key, request, fingerprint)
                claimed = True
                answer = action()
                if answer.is_success:
                    record.status_code = answer.status
                    record.response_body = answer.body
                    record.save(update_fields=["status_code", "response_body"])
                else:
                    record.delete()
            return answer, False
        except IntegrityError:
            if claimed:
                raise
        # The key is taken: by an earlier request (or a concurrent one that has just committed, the
        # unique index made us wait for it), whose answer we give, or by an expired record.
        stored = _stored(user, key)
        if stored is not None:
            return _replay(stored, fingerprint), True
        IdempotencyRecord.objects.filter(user=user, key=key, created_at__lt=timezone.now() - RETENTION).delete()
    raise IntegrityError("Idempotency-Key could not be claimed")


# The OpenAPI description of the header, for the operations that honour it.
IDEMPOTENCY_DOC = {
    "parameters": [
        {
            "name": IDEMPOTENCY_HEADER,
            "in": "header",
            "required": False,
            "schema": {"type": "string", "maxLength": 200},
            "description": "Any unique string (a UUID) per intended change; repeats return the first answer.",
        }
    ]
}
