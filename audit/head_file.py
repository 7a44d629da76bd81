"""The head file: an append-only record, outside the database, of where the journal's chain ended and when.

The sealer appends one line on every seal and at least once a minute (``services.record_head``)::

    2026-11-23T09:15:02.113250+00:00 seq=1042 hash=<64 hex> keyed-from=1 hmac=<64 hex>

``hmac`` signs the rest of the line with the journal key, so a line cannot be forged without the key.
``audit_verify`` compares the database with every line: a chain rebuilt with the key (another hash at a
recorded number) or a cut tail (fewer entries than recorded) is seen as long as the file cannot be
rewritten. It is opened with O_APPEND only; put it where the application's user cannot rewrite it (an
append-only attribute, ``chattr +a``, set by root, or a mount shipped to another host).
"""

import datetime
import fcntl
import hashlib
import hmac
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from audit.journal_key import JournalError, JournalKey

_LINE = re.compile(
    r"(?P<body>(?P<at>\S+) seq=(?P<seq>\d+) hash=(?P<hash>[0-9a-f]{64}) keyed-from=(?P<keyed_from>\d+))"
    r" hmac=(?P<mac>[0-9a-f]{64})"
)
_TAIL_CHUNK = 8192


class HeadFileError(JournalError):
    """The head file is missing, cannot be written, or the database's chain contradicts it."""


@dataclass(frozen=True)
class HeadRecord:
    """One line of the head file: at ``at`` the chain ended at entry ``seq`` with ``hash``."""

    at: datetime.datetime
    seq: int
    hash: str
    keyed_from: int

    def line(self, key: JournalKey) -> str:
        body = (
            f"{self.at.isoformat(timespec='microseconds')} seq={self.seq} hash={self.hash} keyed-from={self.keyed_from}"
        )
        return f"{body} hmac={_mac(key, body)}\n"


def path() -> Path:
    return Path(settings.OPORA_JOURNAL_HEAD_FILE)


def _mac(key: JournalKey, body: str) -> str:
    return hmac.new(key.heads, body.encode(), hashlib.sha256).hexdigest()


def parse(line: str, key: JournalKey) -> HeadRecord | None:
    """The record a line holds, or None if the line is damaged or its HMAC is not the key's."""
    match = _LINE.fullmatch(line.strip())
    if match is None or not hmac.compare_digest(match["mac"], _mac(key, match["body"])):
        return None
    try:
        at = datetime.datetime.fromisoformat(match["at"])
    except ValueError:
        return None
    return HeadRecord(at=at, seq=int(match["seq"]), hash=match["hash"], keyed_from=int(match["keyed_from"]))


def records(file: Path, key: JournalKey) -> Iterator[tuple[int, HeadRecord | None]]:
    """(line number, record or None for a damaged or forged line) for every non-empty line, in order."""
    with file.open(encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, 1):
            if line.strip():
                yield number, parse(line, key)


def last_record(file: Path, key: JournalKey) -> HeadRecord | None:
    """The last line with a valid HMAC, read from the end; None if there is none (or no file)."""
    try:
        handle = file.open("rb")
    except FileNotFoundError:
        return None
    with handle:
        position = handle.seek(0, os.SEEK_END)
        partial = b""
        while position > 0:
            step = min(_TAIL_CHUNK, position)
            position -= step
            handle.seek(position)
            lines = (handle.read(step) + partial).split(b"\n")
            # The first piece may be the end of a line that starts in the part not read yet.
            partial = lines.pop(0) if position > 0 else b""
            for raw in reversed(lines):
                if raw.strip() and (record := parse(raw.decode("utf-8", errors="replace"), key)):
                    return record
    return None


def append(file: Path, record: HeadRecord, key: JournalKey, *, create: bool) -> bool:
    """Append ``record`` unless the file already records a later entry; returns whether it wrote.

    Creates the file (0600, its folder 0700) only when ``create`` says the journal may start a new one.
    Two sealers take turns on an exclusive lock of the file, so its records never go backwards.
    """
    flags = os.O_RDWR | os.O_APPEND
    if create:
        file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        flags |= os.O_CREAT
    descriptor = os.open(file, flags, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        last = last_record(file, key)
        if last is not None and last.seq > record.seq:
            return False
        size = os.fstat(descriptor).st_size
        # A line cut short (a crash mid-write) must not swallow the next one.
        separator = b"\n" if size and os.pread(descriptor, 1, size - 1) != b"\n" else b""
        os.write(descriptor, separator + record.line(key).encode())
        os.fsync(descriptor)
        return True
    finally:
        os.close(descriptor)
