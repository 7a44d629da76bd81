"""Who of the staff hears of a case's events, and where: a hospital's psychologists and supervisors (the
city's when it has none), a TCSO's dispatchers, and each person's address (e-mail, work phone or the log).
Crises (``cases.crisis``) and escalated hand-offs (``cases.handoffs``) both tell people through these."""

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q, QuerySet

from core.roles import Role
from core.validators import try_normalise_phone
from directory.models import Organisation
from notify.models import Channel


def _staff(role: str) -> QuerySet[User]:
    return User.objects.filter(is_active=True, groups__name=role).select_related("worker").distinct()


def _working_at(role: str, organisation_id: int) -> QuerySet[User]:
    return _staff(role).filter(worker__organisation_id=organisation_id, worker__is_active=True)


def psychologists_of(hospital_id: int) -> QuerySet[User]:
    """The hospital's active psychologists: its on-duty team until rosters exist."""
    return _working_at(Role.PSYCHOLOGIST, hospital_id)


def dispatchers_of(tcso_id: int) -> QuerySet[User]:
    return _working_at(Role.DISPATCHER, tcso_id)


def supervisors_for(hospital_id: int) -> QuerySet[User]:
    """The hospital's own supervisors, or the city's (of no hospital) when it has none."""
    own = _working_at(Role.SUPERVISOR, hospital_id)
    if own.exists():
        return own
    # The same people ``cases.rules.citywide_supervisor`` lets see every hospital.
    return _staff(Role.SUPERVISOR).filter(
        Q(worker__isnull=True)
        | Q(worker__organisation__isnull=True)
        | ~Q(worker__organisation__kind=Organisation.Kind.HOSPITAL)
    )


def _valid_email(address: str) -> bool:
    try:
        validate_email(address)
    except ValidationError:
        return False
    return True


def address_of(user: User) -> tuple[str, str]:
    """(channel, recipient): the e-mail when set, else the worker's phone, else the log under the username.

    An address that does not parse is passed over for the next, so that one bad entry in the directory
    cannot keep anyone from being told."""
    if user.email and _valid_email(user.email):
        return Channel.EMAIL, user.email
    worker = getattr(user, "worker", None)
    phone = try_normalise_phone(worker.public_phone) if worker is not None and worker.public_phone else None
    if phone is not None:
        return Channel.SMS, phone
    return Channel.LOG, user.get_username()
