"""Encryption at rest of what psychologists write (session notes, addenda, safety plans).

Fernet (``cryptography``): authenticated encryption, so a ciphertext changed in the database is refused,
not read as something else. The key never lives in the database: ``OPORA_NOTES_KEY`` (Fernet keys,
comma-separated: the first encrypts, every one decrypts, which is how a key is rotated) or else the key
file ``OPORA_NOTES_KEY_FILE``, generated on first use with mode 0600 in a 0700 folder. A copy of the
database alone reveals no note.
"""

import contextlib
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class NotesKeyError(Exception):
    """The notes key is missing, unreadable or not a Fernet key."""


class UnreadableNote(Exception):
    """A ciphertext that no configured key opens (a wrong key, or the row was tampered with)."""


def _parse(keys: list[str], source: str) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.strip().encode("ascii")) for key in keys if key.strip()])
    except (ValueError, UnicodeEncodeError) as error:
        raise NotesKeyError(f"{source} does not hold a Fernet key (32 url-safe base64-encoded bytes)") from error


def _generate(path: Path) -> None:
    folder = path.parent
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    draft = folder / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}"
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as out:
            out.write(Fernet.generate_key().decode("ascii") + "\n")
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileExistsError):  # another process made it first: keep theirs
            os.link(draft, path)
    finally:
        draft.unlink(missing_ok=True)


_cache: dict[str, MultiFernet] = {}


def cipher() -> MultiFernet:
    """The notes' cipher, from the environment or the key file (generated when missing)."""
    configured = settings.OPORA_NOTES_KEY
    if configured:
        found = _cache.get("env:" + configured)
        if found is None:
            found = _cache.setdefault("env:" + configured, _parse(configured.split(","), "OPORA_NOTES_KEY"))
        return found
    path = Path(settings.OPORA_NOTES_KEY_FILE)
    cache_key = f"file:{path}"
    if cache_key in _cache:
        return _cache[cache_key]
    try:
        if not path.exists():
            _generate(path)
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as error:
        raise NotesKeyError(f"cannot read or write the notes key file {path}: {error}") from error
    return _cache.setdefault(cache_key, _parse(text.split(","), str(path)))


def encrypt(text: str) -> str:
    return cipher().encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return cipher().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError) as error:
        raise UnreadableNote from error
