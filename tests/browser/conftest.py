"""Browser test infrastructure (Playwright sync API + Debian's Chromium), for every helper to reuse.

Fixtures and helpers:
- `browser` (session): headless Chromium at $CHROMIUM or /usr/bin/chromium. A missing binary is a
  test error with install advice, never a silent skip.
- `live_url`: base URL of pytest-django's live server (static files served by finders).
- `page`: a fresh context and page per test. The test FAILS at teardown on any console error,
  uncaught page error, failed request or HTTP status >= 400 (unless the test lists an expected URL
  fragment in `page.allowed_failures`, a list it may append to; or, for a request that leaving the
  page may abort, such as an htmx poll, its exact URL in `page.allowed_aborts`: then only
  net::ERR_ABORTED is forgiven for that URL, every other failure and status still counts).
- `page_factory(viewport=..., color_scheme=...)`: more pages, same failure rules.
- `axe_audit(page)`: runs axe-core; fails on any serious or critical violation.
- `screenshot(page, name)`: writes test-artifacts/screenshots/<name>.png (gitignored).
- Viewports: DESKTOP, PHONE.
Mark browser tests with `pytestmark = pytest.mark.browser`.

`make test` runs the suite in two processes (pytest-xdist): each has its own Chromium, live server
and test database; screenshot names are unique per test, so the two never write the same file.
`expect(...)` waits up to 10 s by default (as `page` actions do): a busy two-core machine running two
browsers can take longer than Playwright's 5 s default for an htmx round trip. Tests that promise a
time (the outcome flips within a second) pass their own `timeout=`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, Response, expect, sync_playwright  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent.parent
SCREENSHOT_DIR = ROOT / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--headless",
]
BLOCKING_IMPACTS = {"serious", "critical"}
TIMEOUT_MS = 10_000
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not Path(executable).exists():
        pytest.fail(
            f"Chromium not found at {executable}: install it (sudo apt-get install chromium) or set "
            "CHROMIUM=/path/to/chromium. `make test` does this for you when run as root.",
            pytrace=False,
        )
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)  # some tests write element shots straight into it
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def live_url(live_server: Any) -> str:
    return str(live_server.url)


# The pages' own htmx polls (the API calls panel every 4 s, the class dashboard every 3 s): one may
# be in flight whenever a test reloads or leaves the page, which the browser then aborts.
POLLS = re.compile(r"/scenarios/[a-z0-9-]+/aws-calls/$|/classroom/\d+/$")


class PageProblems:
    def __init__(self, page: Page) -> None:
        self.problems: list[str] = []
        page.allowed_failures = []  # type: ignore[attr-defined]
        page.allowed_aborts = []  # type: ignore[attr-defined]
        page.browser_problems = self.problems  # type: ignore[attr-defined]  # readable by tests
        self.page = page
        page.on("console", self.on_console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("requestfailed", self.on_request_failed)
        page.on("response", self.on_response)

    def allowed(self, url: str) -> bool:
        return any(fragment in url for fragment in self.page.allowed_failures)  # type: ignore[attr-defined]

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            source = message.location.get("url", "")
            if message.text.startswith("Failed to load resource") and self.allowed(source):
                return  # the failed response itself was allowed by the test
            self.problems.append(f"console error: {message.text} ({message.location.get('url', '')})")

    def on_request_failed(self, request: Request) -> None:
        if request.failure == "net::ERR_ABORTED" and request.url in self.page.allowed_aborts:  # type: ignore[attr-defined]
            return  # the page moved on while this request was in flight, as the test said it may
        if request.failure == "net::ERR_ABORTED" and request.method == "GET" and POLLS.search(request.url):
            return  # a poll in flight when the page reloads or navigates (any test, at any moment)
        if not self.allowed(request.url):
            self.problems.append(f"request failed: {request.method} {request.url} {request.failure}")

    def on_response(self, response: Response) -> None:
        if response.status >= 400 and not self.allowed(response.url):
            self.problems.append(f"HTTP {response.status}: {response.request.method} {response.url}")


@pytest.fixture
def page_factory(browser: Browser) -> Iterator[Callable[..., Page]]:
    contexts = []
    trackers: list[PageProblems] = []

    def make(viewport: dict[str, int] | None = None, color_scheme: str = "light") -> Page:
        context = browser.new_context(viewport=viewport or DESKTOP, color_scheme=color_scheme)  # type: ignore[arg-type]
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        new_page = context.new_page()
        trackers.append(PageProblems(new_page))
        return new_page

    yield make
    problems = [problem for tracker in trackers for problem in tracker.problems]
    for context in contexts:
        context.close()
    if problems:
        pytest.fail("browser problems:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture
def page(page_factory: Callable[..., Page]) -> Page:
    return page_factory()


_axe = Axe()
AXE_OPTIONS = {"resultTypes": ["violations"]}


def axe_audit(page: Page) -> None:
    """Fail on any serious or critical axe-core violation on the current page.

    axe-core (about 500 kB of script) is injected once per document, not before every audit of the
    same document (after htmx swaps); each `axe.run` examines the DOM afresh. Only the violations
    come back over the wire: the passes and inapplicable rules are never looked at."""
    if not page.evaluate("() => typeof window.axe === 'object' && typeof window.axe.run === 'function'"):
        page.evaluate(_axe.axe_script)
    violations = page.evaluate("options => axe.run(document, options).then(results => results.violations)", AXE_OPTIONS)
    blocking = [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]
    if blocking:
        lines = []
        for violation in blocking:
            targets = [", ".join(node["target"]) for node in violation["nodes"][:5]]
            lines.append(f"{violation['impact']}: {violation['id']}: {violation['help']} -> {targets}")
        pytest.fail(f"axe violations on {page.url}:\n" + "\n".join(lines), pytrace=False)


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")
    path = SCREENSHOT_DIR / f"{safe}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture(name="axe_audit")
def axe_audit_fixture() -> Callable[[Page], None]:
    return axe_audit


@pytest.fixture(name="screenshot")
def screenshot_fixture() -> Callable[[Page, str], Path]:
    return screenshot
