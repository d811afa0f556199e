"""NHS.UK error pages with a way forward, as production serves them (DEBUG off)."""

import pytest
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import path

from portal.core.public import public
from portal.urls import urlpatterns as portal_urls

pytestmark = pytest.mark.django_db


@public
def _forbidden(request):
    raise PermissionDenied


@public
def _bad(request):
    raise BadRequest


@public
def _broken(request):
    raise RuntimeError("a bug")


@public
def _form(request):
    return HttpResponse("posted")


urlpatterns = [
    path("test-403/", _forbidden),
    path("test-400/", _bad),
    path("test-500/", _broken),
    path("test-form/", _form),
    *portal_urls,
]
handler500 = "portal.core.views.server_error"


def _page(response) -> str:
    html = response.content.decode()
    assert 'class="nhsuk-header"' in html, "not in the NHS.UK layout"
    assert 'href="/contact/"' in html and 'href="/"' in html, "no way forward"
    return html


@override_settings(DEBUG=False)
def test_a_missing_page_says_so_in_the_nhs_layout(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in _page(response)


@override_settings(DEBUG=False, ROOT_URLCONF=__name__)
def test_a_forbidden_page_says_who_can_give_access(client):
    response = client.get("/test-403/")
    assert response.status_code == 403
    html = _page(response)
    assert "<h1>You do not have access to this page</h1>" in html
    assert "primary contact" in html


@override_settings(DEBUG=False, ROOT_URLCONF=__name__)
def test_a_bad_request_gets_a_page(client):
    response = client.get("/test-400/")
    assert response.status_code == 400
    assert "<h1>Sorry, there is a problem with that request</h1>" in _page(response)


@override_settings(DEBUG=False, ROOT_URLCONF=__name__)
def test_a_server_error_gets_a_page_without_the_technical_detail():
    client = Client(raise_request_exception=False)
    response = client.get("/test-500/")
    assert response.status_code == 500
    html = _page(response)
    assert "<h1>Sorry, there is a problem with the service</h1>" in html
    assert "a bug" not in html and "RuntimeError" not in html


@override_settings(DEBUG=False, ROOT_URLCONF=__name__)
def test_a_form_sent_without_its_csrf_token_explains_and_loses_nothing_silently():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/test-form/", {"name": "x"})
    assert response.status_code == 403
    html = _page(response)
    assert "<h1>Sorry, we could not send that form</h1>" in html
    assert "Nothing you entered on that page was saved" in html
    assert "CSRF" not in html
