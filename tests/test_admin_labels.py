"""§5 of issue 15: the admin in Russian — role groups by their labels, columns and titles named right."""

import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import pgettext

from directory.models import Organisation
from directory.reference import load_roles
from people.tests.factories import WorkerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_ru(make_user):
    load_roles()
    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    client.force_login(make_user("administrator", username="admin-ru"))
    return client


def _get(client, name, *args, **params):
    response = client.get(reverse(name, args=args), params)
    assert response.status_code == 200
    return response.content.decode()


def _text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_accounts_are_filtered_by_role_labels_not_group_codes(admin_ru, make_user):
    operator = make_user("operator", username="op-1")
    make_user("supervisor", username="sv-1")
    html = _get(admin_ru, "admin:auth_user_changelist")
    with translation.override("ru"):
        assert "Оператор колл-центра" in html and "Руководитель" in html
    filters = _text(html[html.index('id="changelist-filter"') :])
    for code in ("social_worker", "supervisor", "administrator", "telephony"):
        assert code not in filters
    # The filter works: only the operator.
    html = _get(admin_ru, "admin:auth_user_changelist", role="operator")
    assert operator.username in html and "sv-1" not in html
    # The groups themselves keep their codes: core.roles names them.
    assert Group.objects.filter(name="operator").exists()


def test_the_workers_columns_and_filters_are_named(admin_ru):
    WorkerFactory()
    html = _get(admin_ru, "admin:directory_worker_changelist")
    headers = _text(" ".join(re.findall(r'<th scope="col".*?</th>', html, re.S)))
    assert "ФИО" in headers and "Full name" not in html
    summaries = [_text(s).strip() for s in re.findall(r"<summary>(.*?)</summary>", html, re.S)]
    assert len(summaries) == len(set(summaries)), summaries  # no two filters both called «вид»


@pytest.mark.parametrize(
    ("changelist", "add", "word"),
    [
        ("admin:directory_programme_changelist", "admin:directory_programme_add", "programme"),
        ("admin:directory_organisation_changelist", "admin:directory_organisation_add", "organisation"),
        ("admin:directory_worker_changelist", "admin:directory_worker_add", "worker"),
        ("admin:auth_user_changelist", "admin:auth_user_add", "user"),
    ],
)
def test_titles_name_the_record_in_the_accusative(admin_ru, changelist, add, word):
    with translation.override("ru"):
        accusative = pgettext("accusative", word)
    html = _get(admin_ru, changelist)
    assert f"<h1>Выберите {accusative} для изменения</h1>" in html
    assert f"Добавить {accusative}" in _text(html)  # the add button
    html = _get(admin_ru, add)
    assert f"<h1>Добавить {accusative}</h1>" in html
    assert re.search(rf"&rsaquo; Добавить {accusative}\s*</div>", html)  # the breadcrumbs


def test_the_change_page_title_uses_the_accusative_too(admin_ru):
    organisation = Organisation.objects.create(name="ЦСО «Пресненский»", kind=Organisation.Kind.TCSO)
    with translation.override("ru"):
        accusative = pgettext("accusative", "organisation")
    html = _get(admin_ru, "admin:directory_organisation_change", organisation.pk)
    assert f"<h1>Изменить {accusative}</h1>" in html


@pytest.mark.parametrize("app", ["people", "intake", "assistance"])
def test_every_field_of_the_citizens_calls_and_requests_has_a_translated_name(app):
    """The admin, the forms and the journal show a field by its verbose name: one Django makes up from the
    attribute («from status») is English on a Russian page."""
    from django.apps import apps
    from django.utils.functional import Promise

    unnamed = [
        f"{model.__name__}.{f.name}"
        for model in apps.get_app_config(app).get_models()
        for f in model._meta.get_fields()
        if f.concrete and not f.auto_created and not isinstance(f.verbose_name, Promise)
    ]
    assert unnamed == []
