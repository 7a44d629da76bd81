"""``Idempotency-Key`` for the API's writes: a repeated request gets the first answer back.

The record row is inserted at the end of the transaction that makes the change, so the unique
constraint on (user, key) decides between two concurrent requests with the same key: the second one
waits for the first to commit, fails its insert, is rolled back and replays the stored answer. Only
successful (2xx) answers are kept; after a refusal nothing changed, so the client may correct the
request and send it again with the same key.
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


def run_idempotent(request: HttpRequest, action: Callable[[], Answer]) -> tuple[Answer, bool]:
    """Run ``action`` in one transaction, at most once per Idempotency-Key.

    Returns the answer and whether it is a replay of an earlier one. Exceptions raised by ``action``
    roll the transaction back (the key stays unused) and propagate.

    A successful answer is stored with one INSERT at the end of the action's transaction. The unique
    constraint on (user, key) decides between two requests with the same key: the second one's INSERT
    waits for the first to commit, fails, its whole transaction is rolled back and it answers as the
    first did. A request whose action fails or is refused looks for such a stored answer too, so a
    retried status move whose first attempt already moved the request replays that answer instead of
    reporting a stale version. Records older than RETENTION are purged by
    ``manage.py purge_idempotency`` (run beside the server); one still there when its key comes again
    is deleted here and the key used afresh.
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
        try:
            with transaction.atomic():
                answer = action()
                if answer.is_success:
                    IdempotencyRecord.objects.create(
                        user=user,
                        key=key,
                        method=request.method or "",
                        path=request.path[:300],
                        request_hash=fingerprint,
                        status_code=answer.status,
                        response_body=answer.body,
                    )
        except Exception:
            stored = _stored(user, key)
            if stored is not None:
                return _replay(stored, fingerprint), True
            if not _drop_expired(user, key):
                raise
            continue
        if not answer.is_success:
            stored = _stored(user, key)
            if stored is not None:
                return _replay(stored, fingerprint), True
        return answer, False
    raise IntegrityError("Idempotency-Key could not be used")


def _drop_expired(user: User, key: str) -> bool:
    """Delete a record of this key past its retention; whether there was one."""
    cutoff = timezone.now() - RETENTION
    deleted, _by_model = IdempotencyRecord.objects.filter(user=user, key=key, created_at__lt=cutoff).delete()
    return bool(deleted)


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
