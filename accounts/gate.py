"""The steps a logged-in user owes before working, kept in their session by accounts.signals at login."""

from django.http import HttpRequest

from accounts.models import UserSession

LOGIN_AT = "_opora_login_at"
SEEN = "_opora_seen"
SECOND_FACTOR = "_opora_second_factor"
OWN_PASSWORD = "_opora_own_password"  # noqa: S105 - a session key name, not a password
VERIFY, ENROL = "verify", "enrol"


def pending_step(request: HttpRequest) -> str | None:
    """ "enrol" or "verify" (a second factor), "password" (choose your own), or None: free to work."""
    session = request.session
    step = session.get(SECOND_FACTOR)
    if step:
        if request.user.is_verified():  # type: ignore[union-attr]
            del session[SECOND_FACTOR]
        else:
            return str(step)
    if session.get(OWN_PASSWORD):
        return "password"
    return None


def session_key_changed(old: str | None, new: str | None) -> None:
    """Django gives a session a new key when its password changes; the record of the session follows."""
    if old and new and old != new:
        UserSession.objects.filter(session_key=old).update(session_key=new)
