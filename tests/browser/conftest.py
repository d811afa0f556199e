"""Real Chromium (Debian's package), driven by Playwright, against a live test server.

Every browser context a test opens (through the `browser` fixture, `page` or
`person_browser`) passes its requests through one guard, `_Guard`:

- requests to anywhere but the live server are refused and recorded (the portal loads
  nothing from outside);
- each HTML page the browser is sent (every navigation, every form's answer, every error
  page) is kept, and when the test ends `_check_pages` opens each one again in a separate
  browser and runs axe-core on it (WCAG 2.2 A and AA rules) and measures it at 320 CSS
  pixels wide: any axe violation, or a page wider than the screen, fails the test, naming
  the page. Checking after the test, from a copy, means a journey that moves on quickly
  cannot skip a page, and the check never changes what the journey sees.

Tests may also call `page.check_accessibility()` to check a page as scripts have changed
it (an opened details element, a field revealed by a radio).
"""

import hashlib
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# The WCAG 2.2 A and AA rules, and axe's best practices (landmarks, heading order).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
NARROW = 320  # WCAG 1.4.10 Reflow: 320 CSS pixels wide without scrolling sideways

# Playwright's sync API runs an event loop in this thread; the tests still use the ORM
# directly to set up data, which Django would otherwise refuse.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@dataclass
class _Seen:
    """What the browser was shown during one test."""

    pages: dict = field(default_factory=dict)  # sha256 of the body -> (url, status, body)
    external: list = field(default_factory=list)
    csp_violations: list = field(default_factory=list)
    live_states: list = field(default_factory=list)  # (url, problems) from check_accessibility


_seen = _Seen()


def _axe_source() -> str:
    if not AXE.is_file():
        pytest.fail(f"axe-core is not installed ({AXE} missing): run make assets")
    return AXE.read_text(encoding="utf-8")


def _problems_on(page) -> list[str]:
    """axe-core's violations on the page as it is now, and whether it reflows at 320 px."""
    page.evaluate(_axe_source())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} -- "
        + "; ".join(node["target"][0] if node["target"] else "?" for node in v["nodes"][:5])
        for v in result["violations"]
    ]
    size = page.viewport_size
    page.set_viewport_size({"width": NARROW, "height": 640})
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > NARROW:
        wide = page.evaluate(
            """limit => [...document.querySelectorAll('body *')]
                .filter(el => el.getBoundingClientRect().right > limit + 1
                    && !el.closest('.nhsuk-table-container, .portal-scroll'))
                .slice(0, 3)
                .map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''))""",
            NARROW,
        )
        problems.append(f"reflow: {width} px wide at {NARROW} px ({', '.join(wide)})")
    if size:
        page.set_viewport_size(size)
    return problems


def _shown(status: int, headers: dict) -> bool:
    """An HTML page the browser shows (a redirect's body never is)."""
    return not 300 <= status < 400 and "text/html" in headers.get("content-type", "")


def _keep(url: str, status: int, headers: dict, body: bytes) -> None:
    if _shown(status, headers):
        _seen.pages.setdefault(hashlib.sha256(body).hexdigest(), (url, status, body))


class _Guard:
    """Keeps requests on the live server and keeps each HTML page the browser is sent."""

    def __init__(self, base_url: str):
        self.base_url = base_url

    def install(self, context) -> None:
        context.route("**/*", self.route)
        context.on("console", self.console)
        context.on("response", self.response)

    def route(self, route):
        request = route.request
        if not request.url.startswith(self.base_url):
            _seen.external.append(request.url)
            route.abort()
            return
        if not request.is_navigation_request() or self._unseen_body(request):
            route.continue_()
            return
        # Redirects go back to the browser, which follows them through this guard again.
        response = route.fetch(max_redirects=0)
        body = response.body()
        _keep(request.url, response.status, response.headers, body)
        route.fulfill(response=response, body=body)

    @staticmethod
    def _unseen_body(request) -> bool:
        """Chromium does not show an interceptor the files in a form's upload, so such a
        request goes on untouched and its answer is kept by `response` instead."""
        return request.method == "POST" and "multipart/form-data" in (
            request.headers.get("content-type", "")
        )

    def response(self, response):
        request = response.request
        if request.is_navigation_request() and self._unseen_body(request):
            if _shown(response.status, response.headers):
                _keep(request.url, response.status, response.headers, response.body())

    def console(self, message):
        if "Content Security Policy" in message.text:
            _seen.csp_violations.append(message.text)


class _GuardedBrowser:
    """The session's Chromium, whose every new context is guarded (see the module docstring)."""

    def __init__(self, browser):
        self._browser = browser

    def new_context(self, **kwargs):
        context = self._browser.new_context(**kwargs)
        _Guard(kwargs.get("base_url", "")).install(context)
        return context

    def __getattr__(self, name):
        return getattr(self._browser, name)


def _prepare(page) -> None:
    """The attributes the journeys read off a page."""
    page.external_requests = _seen.external
    page.csp_violations = _seen.csp_violations

    def check_accessibility():
        problems = _problems_on(page)
        _seen.live_states.append((page.url, problems))
        assert not problems, f"{page.url}:\n  " + "\n  ".join(problems)

    page.check_accessibility = check_accessibility


@pytest.fixture(scope="session", autouse=True)
def _patient_expectations():
    """expect() retries for up to 15 s (Playwright's default is 5 s): CI runs the live
    server, the browser and the database on two busy cores, and a page that is slow to
    arrive is not a failure; one that never arrives still is."""
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)


@pytest.fixture(scope="session")
def _chromium():
    from playwright.sync_api import sync_playwright

    if not shutil.which("chromium") and not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is not installed: apt-get install chromium chromium-driver")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def browser(_chromium):
    return _GuardedBrowser(_chromium)


@pytest.fixture(autouse=True)
def _check_pages(request, live_server):
    """After each browser test, run axe and the reflow check on every page it was shown."""
    _seen.pages.clear()
    _seen.external.clear()
    _seen.csp_violations.clear()
    _seen.live_states.clear()
    yield
    if not _seen.pages or "_chromium" not in request.fixturenames:
        return
    failures = [f"{url}:\n  " + "\n  ".join(p) for url, p in _seen.live_states if p]
    checker_browser = request.getfixturevalue("_chromium")
    # A copy of each page: scripts run and the stylesheet loads from the live server, but
    # nothing else is asked of it, so checking cannot change the journey's data.
    context = checker_browser.new_context(base_url=live_server.url, bypass_csp=True)
    showing = {}

    def replay(route):
        url = route.request.url
        if route.request.is_navigation_request() and url == showing.get("url"):
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=showing["body"])
        elif url.startswith(live_server.url + "/static/"):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", replay)
    page = context.new_page()
    try:
        for url, status, body in _seen.pages.values():
            showing.update(url=url, body=body)
            page.goto(url, wait_until="load")
            problems = _problems_on(page)
            if problems:
                failures.append(f"{url} ({status}):\n  " + "\n  ".join(problems))
    finally:
        context.close()
    assert not failures, "Accessibility problems on pages this test reached:\n" + "\n".join(
        failures
    )
    assert not _seen.external, f"requests outside the portal: {_seen.external}"


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    _prepare(page)
    yield page
    context.close()


@pytest.fixture
def person_browser(browser, live_server):
    """Open a new, separate browser for each person, with the same guards as `page`."""
    contexts = []

    def open_for_a_person():
        context = browser.new_context(base_url=live_server.url)
        contexts.append(context)
        page = context.new_page()
        _prepare(page)
        return page

    yield open_for_a_person
    for context in contexts:
        context.close()
