"""Real headless Chromium for browser tests (Playwright's sync API, Debian's /usr/bin/chromium).

    @pytest.mark.browser
    def test_it_lists_customers(live_app, logged_in_page, resource, customer):
        page = logged_in_page(resource.user)           # signed in through the real login form
        page.goto(live_app + "/customers/")
        expect(page.get_by_role("link", name="ACME Corp")).to_be_visible()
        screenshot(page, "customer-list")              # -> test-artifacts/customer-list.png

Fixtures: `browser` (one Chromium per test module), `page` (a fresh context per test, 1280x800),
`logged_in_page` (a factory: each call opens a new context and signs a user in, so one test can
hold several users' tabs). `js_errors(page)` lists uncaught page errors and Content-Security-Policy
violations (`csp_violations(page)` only the latter). A failing browser test
leaves a screenshot of every page it opened in test-artifacts/failures/.

While Playwright's sync API runs, an asyncio event loop is *running* in the test's thread (inside
a greenlet). Two consequences:
- Django's async-safety check believes every ORM call the test makes (factories, assertions on
  the database) comes from async code and raises SynchronousOnlyOperation. Those calls are in
  fact synchronous, so DJANGO_ALLOW_ASYNC_UNSAFE is set while the browser is up, in the test
  process only (the live server keeps the check, see tests/live_server.py).
- `async_to_sync(...)` and pytest-asyncio tests cannot run in that thread meanwhile. That is why
  `browser` lives for one module, not the session: keep async tests out of browser modules, and
  make a browser test cause server pushes through HTTP into the live server.
"""

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.live_server import test_failed
from tests.services import require_chromium

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
TEST_PASSWORD = "pw-for-tests-123"  # tests.factories.UserFactory's password
VIEWPORT = {"width": 1280, "height": 800}
DEFAULT_TIMEOUT_MS = 10_000
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """Save a PNG of what a person sees to test-artifacts/<name>.png and return its path."""
    path = ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_./-]+', '-', name).lstrip('./')}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=full_page)
    return path


def js_errors(page) -> list[str]:
    """Uncaught JavaScript errors and Content-Security-Policy violations the page had so far."""
    return list(getattr(page, "_arcadium_js_errors", []))


def csp_violations(page) -> list[str]:
    """Content-Security-Policy violations Chromium reported on the page so far."""
    return [error for error in js_errors(page) if "Content Security Policy" in error]


def _console(page, message) -> None:
    # Chromium reports every CSP refusal (inline script, handler, style, eval, connect) as a
    # console error; counting them as page errors makes every browser test a CSP test too.
    if message.type == "error" and "Content Security Policy" in message.text:
        page._arcadium_js_errors.append(f"CSP: {message.text}")


def _watch(page):
    page._arcadium_js_errors = []
    page.on("pageerror", lambda error: page._arcadium_js_errors.append(str(error)))
    page.on("console", lambda message: _console(page, message))
    return page


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """Headless Chromium for the tests of one module (see the module docstring for why not longer)."""
    executable = require_chromium()
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def _browser_contexts(browser, request: pytest.FixtureRequest) -> Iterator[list]:
    contexts: list = []
    yield contexts
    failed = test_failed(request)
    for number, context in enumerate(contexts):
        if failed:
            for tab, page in enumerate(context.pages):
                try:
                    screenshot(page, f"failures/{request.node.name}-{number}-{tab}")
                except Exception as exc:  # noqa: BLE001 (best effort: the failure itself matters more)
                    print(f"could not screenshot {page.url}: {exc}")
        context.close()


def new_page(browser, contexts: list):
    context = browser.new_context(viewport=VIEWPORT, locale="en-US", timezone_id="America/New_York")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    contexts.append(context)
    return _watch(context.new_page())


@pytest.fixture
def page(browser, _browser_contexts):
    """A blank page in a fresh browser context (own cookies and storage)."""
    return new_page(browser, _browser_contexts)


def login(page, base_url: str, username: str, password: str = TEST_PASSWORD) -> None:
    """Sign in through the real login form; fails loudly if the form refuses the credentials."""
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if "/login/" in page.url:
        raise AssertionError(f"signing in as {username!r} failed; the page says: {page.inner_text('main')}")


@pytest.fixture
def logged_in_page(browser, live_app, _browser_contexts) -> Callable:
    """`logged_in_page(user_or_username, password=TEST_PASSWORD)` → a signed-in page on `live_app`."""

    # live_app before _browser_contexts: pages close before the server stops, so daphne is not
    # left waiting on their open websockets at teardown.
    def open_as(user, password: str = TEST_PASSWORD):
        username = user if isinstance(user, str) else user.get_username()
        page = new_page(browser, _browser_contexts)
        login(page, live_app, username, password)
        return page

    return open_as
