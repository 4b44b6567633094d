"""Browser fixtures: Debian's Chromium driven by Playwright against the session's stack (tests/conftest.py), the web
app served by its gateway. `make web-test` builds the app and installs both first (web/test-tools.sh)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tools.devstack import Stack

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("COINS_CHROMIUM", "/usr/bin/chromium")

expect.set_options(timeout=10_000)


@pytest.fixture(scope="session")
def base_url(stack: Stack) -> str:
    if not (ROOT / "web" / "dist" / "index.html").exists():
        pytest.fail("the web app is not built: run `make web` (make web-test does)")
    return f"http://localhost:{stack.ports.gateway}"


@pytest.fixture(scope="session")
def browser(base_url: str) -> Iterator[Browser]:
    # After the stack: Playwright's sync API keeps an event loop running in this thread, and the stack's start-up
    # (migrations) runs one of its own.
    with sync_playwright() as playwright:
        # As root Chromium refuses its sandbox; the tests open only the app under test.
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, base_url: str, tmp_path: Path) -> Iterator[Page]:
    context = browser.new_context(base_url=base_url, viewport={"width": 1200, "height": 900}, accept_downloads=True)
    opened = context.new_page()
    yield opened
    # What the page showed at the end, for a failure's post-mortem (pytest keeps the last runs' tmp_path).
    opened.screenshot(path=str(tmp_path / "last.png"), full_page=True)
    context.close()


def local(link: str, base_url: str) -> str:
    """A mailed link (COINS_PUBLIC_URL) on the test stack's gateway."""
    parsed = urlparse(link)
    return f"{base_url}{parsed.path}{'?' + parsed.query if parsed.query else ''}"


def check_accessibility(page: Page) -> None:
    """axe-core's WCAG 2.1 A/AA rules on the page as it is now: no violation allowed."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("() => axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})")
    violations = [{"rule": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
                  for v in result["violations"]]
    assert not violations, f"{page.url}: {json.dumps(violations, indent=1)}"


def shot(page: Page, name: str) -> None:
    """Screenshots for the README, when COINS_WEB_SCREENSHOTS=1 (`make web-screenshots`)."""
    if os.environ.get("COINS_WEB_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def sign_in(page: Page, email: str, password: str) -> None:
    page.goto("/signin")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
