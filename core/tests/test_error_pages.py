"""The 403, 404 and 500 pages: the site's layout, the user's language, a way back; a 403 logs one line."""

import logging

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.urls import get_resolver, path, reverse
from django.utils import translation

from core import errors, views


def broken_view(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("the database went away")


# This module is also the urlconf of the tests marked @pytest.mark.urls(__name__).
urlpatterns = [path("test-only/broken/", broken_view), path("favicon.ico", views.favicon)]
handler500 = "core.errors.server_error"


@pytest.mark.parametrize(
    ("status", "handler"),
    [(403, errors.permission_denied), (404, errors.page_not_found), (500, errors.server_error)],
)
def test_the_site_answers_errors_with_the_opora_pages(status, handler):
    assert get_resolver("opora.urls").resolve_error_handler(status) is handler


@pytest.mark.django_db
def test_unknown_address_shows_the_russian_404_page_in_the_site_layout_to_a_logged_in_user(client, make_user):
    client.force_login(make_user("operator"))
    response = client.get("/no-such-page/", headers={"referer": "http://testserver/people/"})
    assert response.status_code == 404
    html = response.content.decode()
    assert "Страница не найдена" in html
    assert 'class="brand"><strong>Опора</strong>' in html, "the page is in the site's layout"
    assert 'href="http://testserver/people/"' in html and "Назад" in html
    assert 'href="/"' in html and "На главную" in html


@pytest.mark.django_db
def test_unknown_address_shows_the_404_page_to_an_anonymous_visitor(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Страница не найдена" in html
    assert "Опора" in html
    assert "На главную" in html
    assert "Назад" not in html, "no referer, so no back link"


@pytest.mark.django_db
def test_the_404_page_speaks_english_to_an_english_user(client):
    response = client.get("/no-such-page/", headers={"accept-language": "en"})
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


@pytest.mark.django_db
def test_back_link_is_offered_only_to_a_page_of_this_site(client):
    response = client.get("/no-such-page/", headers={"referer": "https://elsewhere.example/phish"})
    assert response.status_code == 404
    assert "elsewhere.example" not in response.content.decode()
    assert "Назад" not in response.content.decode()


@pytest.mark.django_db
def test_a_user_without_the_permission_gets_the_russian_403_page(client, make_user):
    client.force_login(make_user("volunteer"))
    response = client.get(reverse("reports:dashboard"), headers={"referer": "http://testserver/"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "Нет доступа" in html
    assert "У вас нет прав на эту страницу" in html
    assert 'class="brand"><strong>Опора</strong>' in html
    assert 'href="http://testserver/"' in html and "Назад" in html


@pytest.mark.django_db
def test_a_refusal_is_logged_as_one_line_without_a_traceback(client, make_user, caplog):
    client.force_login(make_user("volunteer"))
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get(reverse("reports:dashboard"))
    assert response.status_code == 403
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage() == "Forbidden (Permission denied): /reports/"
    assert record.exc_info is None
    assert "\n" not in logging.Formatter("%(levelname)s %(name)s %(message)s").format(record)
    assert "Traceback" not in caplog.text


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_failing_page_shows_the_russian_500_page(client, make_user, caplog):
    client.force_login(make_user("operator"))
    client.raise_request_exception = False
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/test-only/broken/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Что-то пошло не так" in html
    assert "Опора" in html
    assert 'href="/"' in html and "На главную" in html
    assert 'href="/static/opora/opora.css"' in html
    assert "the database went away" not in html
    assert "the database went away" in caplog.text, "the failure itself is still logged in full"


def test_the_500_page_renders_without_a_request_context():
    # Called directly, not through LocaleMiddleware: the language is set here.
    with translation.override("ru"):
        response = errors.server_error(RequestFactory().get("/anything/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "Что-то пошло не так" in html
    assert 'href="/static/vendor/pico/pico.min.css"' in html


@pytest.mark.urls(__name__)
def test_favicon_ico_redirects_to_the_svg_icon_without_a_login(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/opora/favicon.svg"
