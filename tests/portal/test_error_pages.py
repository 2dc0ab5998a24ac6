"""The site's own 404 and 500 pages and the favicon."""

import pytest
from django.test import Client, override_settings
from django.urls import path

from portal.urls import urlpatterns as site_urls
from portal.views import errors


def test_favicon_ico_is_served_at_the_root(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an ICO header
    assert "max-age" in response["Cache-Control"]


@pytest.mark.django_db
def test_pages_link_the_svg_icon_and_the_ico_fallback(client):
    html = client.get("/accounts/login/").content.decode()
    assert 'type="image/svg+xml"' in html and "favicon.svg" in html
    assert 'href="/favicon.ico"' in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "heading", "home"),
    [
        ("en", "We can't find that page", "Go to the home page"),
        ("es", "No encontramos esa página", "Ir a la página de inicio"),
    ],
)
def test_404_is_branded_plain_and_in_the_visitors_language(language, heading, home):
    client = Client(headers={"accept-language": language})
    response = client.get("/no-such-page-here/")
    assert response.status_code == 404
    html = response.content.decode()
    assert heading in html.replace("&#x27;", "'") and home in html
    assert "ALL Care Portal" in html and 'href="/"' in html
    assert f'<html lang="{language}">' in html
    assert "site.css" in html


def boom(request):
    raise RuntimeError("broken on purpose")


urlpatterns = [*site_urls, path("boom/", boom)]
handler500 = errors.server_error


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="tests.portal.test_error_pages", DEBUG=False)
def test_500_page_needs_no_database_and_speaks_both_languages(django_assert_num_queries):
    client = Client(raise_request_exception=False)
    from django.db import connection

    def refuse(*args, **kwargs):
        raise AssertionError("the 500 page touched the database")

    with django_assert_num_queries(0), connection.execute_wrapper(lambda *a: refuse()):
        response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html and "Algo salió mal" in html
    assert 'href="/"' in html and "site.css" in html
