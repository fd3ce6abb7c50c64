"""A live server and headless Chromium (Debian's, driven by Playwright) for browser tests."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.conftest import PASSWORD, AppMaker
from tests.fakes.fixtures import _twilio_server, fake_twilio  # noqa: F401  (fixtures)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"


@pytest.fixture
def live_server(app: Flask, make_app: AppMaker) -> Iterator[str]:
    """The app served over real HTTP on a free port, sharing the test's database and Redis."""
    served = make_app()
    server = make_server("127.0.0.1", 0, served, threaded=True)
    # Polled every 50 ms for the shutdown instead of werkzeug's 500: a quarter of a second
    # less at the end of each browser test.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make test installs it as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    page = context.new_page()
    yield page
    context.close()


def shot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    """Save a full-page screenshot for people to look at (test-output/screenshots/)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, base: str, username: str, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    """Sign in and wait until the answer (home page or the form again) has loaded.

    Without the wait, a test's next navigation or key press can race the redirect
    chain after the POST and land on the page that is being replaced.
    """
    page.goto(f"{base}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
