"""Project-wide test fixtures."""

import uuid

import pytest
from django.contrib.auth.models import Group, User

from core.roles import Role


@pytest.fixture(autouse=True)
def _plain_static_storage(settings: object) -> None:
    """Tests render templates without running collectstatic first."""
    settings.STORAGES = {  # type: ignore[attr-defined]
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _second_factor_off_unless_marked(request: pytest.FixtureRequest, settings: object) -> None:
    """Most tests log users in with ``force_login`` and test what the pages do, not the second factor.
    Tests marked ``two_factor`` (accounts/tests, the enrolment browser test) run with it required, as
    the default settings have it."""
    if request.node.get_closest_marker("two_factor") is None:
        settings.OPORA_TWO_FACTOR_REQUIRED = False  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def journal_outside(settings: object, tmp_path_factory: pytest.TempPathFactory) -> object:
    """Each test's journal key and head file are its own, never the developer's keys/ (nor OPORA_JOURNAL_KEY).

    The folder is created only when a test seals (tmp_path would make one for every test).
    """
    folder = tmp_path_factory.getbasetemp() / "journal" / uuid.uuid4().hex
    settings.OPORA_JOURNAL_KEY = ""  # type: ignore[attr-defined]
    settings.OPORA_JOURNAL_KEY_FILE = folder / "journal_key"  # type: ignore[attr-defined]
    settings.OPORA_JOURNAL_HEAD_FILE = folder / "journal-head.log"  # type: ignore[attr-defined]
    return folder


@pytest.fixture(autouse=True)
def notes_key_outside(settings: object, tmp_path_factory: pytest.TempPathFactory) -> object:
    """Each test's key of the psychologists' notes is its own file, never the developer's keys/."""
    folder = tmp_path_factory.getbasetemp() / "notes" / uuid.uuid4().hex
    settings.OPORA_NOTES_KEY = ""  # type: ignore[attr-defined]
    settings.OPORA_NOTES_KEY_FILE = folder / "notes_key"  # type: ignore[attr-defined]
    return folder


@pytest.fixture(autouse=True)
def _fresh_reference_caches() -> object:
    """Per-process reference caches (core.refcache) must not carry rows of a rolled-back test."""
    from core.refcache import clear_all

    clear_all()
    yield
    clear_all()


@pytest.fixture
def make_user(db: None):  # type: ignore[no-untyped-def]
    """A user with one role: ``make_user("operator")``."""
    counter = {"n": 0}

    def make(role: str | Role, username: str | None = None, **extra: object) -> User:
        counter["n"] += 1
        user = User.objects.create_user(username=username or f"{role}-{counter['n']}", password=None, **extra)
        user.groups.add(Group.objects.get_or_create(name=str(role))[0])
        return user

    return make


@pytest.fixture
def town(make_user):  # type: ignore[no-untyped-def]
    """The shared cast (tests/cast.py): two TCSOs with their staff, the call centre, a supervisor..."""
    from tests.cast import build_town

    return build_town(make_user)


@pytest.fixture
def dispatcher_for(make_user):  # type: ignore[no-untyped-def]
    """A dispatcher whose (new) TCSO serves the given district."""
    from people.tests.factories import OrganisationFactory, WorkerFactory

    def make(district: object) -> User:
        user = make_user("dispatcher")
        tcso = OrganisationFactory()
        tcso.districts.add(district)
        WorkerFactory(user=user, organisation=tcso)
        return user

    return make


@pytest.fixture
def relation():  # type: ignore[no-untyped-def]
    """Register a test relation (people.relations) for this test only: ``relation(code=..., roles=...,
    people=...)``, the fields of :class:`people.relations.Relation`. Removed again at the end."""
    from people.relations import Relation, register_relation, unregister_relation

    codes: list[str] = []

    def register(**fields: object) -> Relation:
        made = Relation(**fields)  # type: ignore[arg-type]
        register_relation(made)
        codes.append(made.code)
        return made

    yield register
    for code in codes:
        unregister_relation(code)


@pytest.fixture
def _clear_audit_journal(transactional_db: None) -> object:
    """Transactional tests end with a flush, which the append-only journal would refuse."""
    yield
    from django.db import connection

    from audit import guard
    from audit.models import ChainHead

    guard.remove(connection)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent")
    ChainHead.objects.update_or_create(pk=1, defaults={"seq": 0, "hash": "0" * 64, "keyed_from": 1})
    guard.install(connection)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        marker = item.get_closest_marker("django_db")
        transactional = (marker is not None and marker.kwargs.get("transaction")) or (
            "live_server" in getattr(item, "fixturenames", ())
        )
        if transactional:
            item.fixturenames.append("_clear_audit_journal")  # type: ignore[attr-defined]
