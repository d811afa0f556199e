"""Deny by default: every route needs a signed-in user unless it is explicitly public."""

import uuid

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.converters import IntConverter, PathConverter, SlugConverter, UUIDConverter

# The only pages anyone may see without signing in. Adding to this list is a decision.
PUBLIC_ROUTES = {
    "core:home",
    "core:healthz",
    "core:accessibility",
    "core:privacy",
    "core:cookies",
    "core:contact",
    "accounts:sign-in",
    "accounts:activate",
    "accounts:activate-mfa",
    "accounts:sign-in-mfa",
    "certificates:guardian-review",
    "certificates:contacts-request",
    "certificates:contacts-request-sent",
    "certificates:contacts-disclosure",
    "certificates:apply-start",
    "certificates:apply-organisation",
    "certificates:apply-primary-contact",
    "certificates:apply-users",
    "certificates:apply-user-add",
    "certificates:apply-user-change",
    "certificates:apply-guardian",
    "certificates:apply-check",
    "certificates:apply-sent",
    "certificates:apply-progress",
    "publications:index",
    "publications:release",
    "publications:table-download",
    "publications:calendar",
    "publications:chart",
}

_SAMPLE = {
    IntConverter: "1",
    UUIDConverter: str(uuid.UUID(int=1)),
    SlugConverter: "sample",
    PathConverter: "sample",
}


def _sample_value(converter):
    for kind, value in _SAMPLE.items():
        if isinstance(converter, kind):
            return value
    return "sample"


def _walk(patterns, prefix="", namespace=None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            if ns and namespace and entry.namespace:
                ns = f"{namespace}:{entry.namespace}"
            yield from _walk(entry.url_patterns, prefix + _route(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield prefix + _route(entry.pattern), name, entry


def _route(pattern):
    route = str(pattern)
    converters = getattr(pattern, "converters", {})
    for key, converter in converters.items():
        for marker in (
            f"<{key}>",
            *(f"<{c}:{key}>" for c in ("int", "str", "slug", "uuid", "path")),
        ):
            route = route.replace(marker, _sample_value(converter))
    return route.lstrip("^").rstrip("$")


ALL_ROUTES = sorted({(route, name) for route, name, _ in _walk(get_resolver().url_patterns)})


def _is_public(view) -> bool:
    return getattr(view, "login_required", True) is False


def test_the_walk_finds_the_routes():
    assert ("", "core:home") in ALL_ROUTES
    assert len(ALL_ROUTES) >= 4


@pytest.mark.parametrize(("route", "name"), ALL_ROUTES, ids=[r or "/" for r, _ in ALL_ROUTES])
def test_every_route_denies_anonymous_users_unless_declared_public(client, db, route, name):
    path = "/" + route
    match = resolve(path)
    if _is_public(match.func):
        assert name in PUBLIC_ROUTES, f"{name} ({path}) is public but not declared in PUBLIC_ROUTES"
        return
    assert name not in PUBLIC_ROUTES or name is None, f"{name} is declared public but is not"
    for method in ("get", "post"):
        response = getattr(client, method)(path)
        if route.startswith("api/"):
            assert response.status_code in (401, 403), f"{method.upper()} {path}"
            continue
        assert response.status_code == 302, f"{method.upper()} {path} gave {response.status_code}"
        login = settings.LOGIN_URL if "/" in settings.LOGIN_URL else "/sign-in"
        assert response.url.startswith(login), f"{method.upper()} {path} went to {response.url}"
