"""The journal key: the secret of the journal's HMAC chain and of the head file's records.

It is never stored in the database. It comes from ``OPORA_JOURNAL_KEY`` or else from the file
``OPORA_JOURNAL_KEY_FILE`` (default ``keys/journal_key`` beside var/, not in it), which the sealer
generates on its first run, like Django's secret key: mode 0600 in a folder of mode 0700. A new key is
generated only while no entry has been sealed with one; a key lost after that is an error to fix (restore
the file), never a reason to start a new key in silence, which would make every sealed entry look forged.
"""

import contextlib
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

# A key given in the environment must be at least this long (a generated one has 64 characters).
MIN_KEY_LENGTH = 32


class JournalError(Exception):
    """The journal cannot be sealed as it should: the key or the head file is missing or contradicts the database."""


class JournalKeyError(JournalError):
    """The journal key is missing or unusable."""


@dataclass(frozen=True)
class JournalKey:
    """The two keys derived from the secret: one seals entries, the other signs head-file records."""

    entries: bytes = field(repr=False)
    heads: bytes = field(repr=False)
    source: str

    @classmethod
    def from_secret(cls, secret: bytes, source: str) -> "JournalKey":
        def derive(purpose: bytes) -> bytes:
            return hmac.new(secret, b"opora journal " + purpose, hashlib.sha256).digest()

        return cls(entries=derive(b"entries"), heads=derive(b"heads"), source=source)


def key_file() -> Path:
    return Path(settings.OPORA_JOURNAL_KEY_FILE)


def load(*, create: bool) -> JournalKey | None:
    """The journal key, or None when there is none; with ``create``, a missing key file is generated."""
    if secret := settings.OPORA_JOURNAL_KEY:
        if len(secret) < MIN_KEY_LENGTH:
            raise JournalKeyError(f"OPORA_JOURNAL_KEY is shorter than {MIN_KEY_LENGTH} characters")
        return JournalKey.from_secret(secret.encode(), "OPORA_JOURNAL_KEY")
    path = key_file()
    try:
        try:
            text = path.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            if not create:
                return None
            text = _generate(path)
    except (OSError, UnicodeDecodeError) as error:
        raise JournalKeyError(f"cannot read or write the journal key file {path}: {error}") from error
    if len(text) < MIN_KEY_LENGTH:
        raise JournalKeyError(f"the journal key file {path} is empty or too short")
    return JournalKey.from_secret(text.encode(), str(path))


def _generate(path: Path) -> str:
    """Write a new key to ``path`` unless another process has just done so; returns the key in the file."""
    folder = path.parent
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if folder.stat().st_uid == os.getuid():
        folder.chmod(0o700)
    draft = folder / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}"
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as out:
            out.write(secrets.token_urlsafe(48) + "\n")
            out.flush()
            os.fsync(out.fileno())
        # A hard link appears whole or not at all and never replaces a key another sealer wrote first.
        with contextlib.suppress(FileExistsError):
            os.link(draft, path)
    finally:
        draft.unlink(missing_ok=True)
    return path.read_text(encoding="ascii").strip()
