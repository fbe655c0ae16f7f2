"""Fixtures of the browser tests: one `orion serve --demo` for every browser test file
(session-wide: starting it and seeding the demo costs seconds), Debian's Chromium through
Playwright, and the helpers the tests share. Screenshots go to test-artifacts/console/.

Skipped when Chromium or Playwright is missing on a developer's machine; CI installs both
(.ci/run), so there they run.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import drop_database, fresh_database_url

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "console"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PASSWORD = "demo-password-1"


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`orion serve --demo` on a fresh database, embedded worker included."""
    url = fresh_database_url(tmp_path_factory.mktemp("browser"), "browser")
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("ORION_")}
    env |= {"ORION_DATABASE_URL": url, "ORION_LOG_LEVEL": "WARNING"}
    process = subprocess.Popen(
        [sys.executable, "-m", "orion.cli", "serve", "--port", str(port), "--demo"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.2)
    else:
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail(f"orion serve did not start:\n{process.communicate(timeout=10)[0]}")
    yield base
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
    drop_database(url)


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is missing")
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium, server):  # type: ignore[no-untyped-def]
    contexts = []

    def make(width: int = 1280, height: int = 900):  # type: ignore[no-untyped-def]
        context = chromium.new_context(base_url=server, viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield make
    for context in contexts:
        context.close()


def sign_in(page, email: str, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    page.goto("/console/")
    page.fill("#f-email", email)
    page.fill("#f-password", password)
    page.click("#sign-in-form button[type=submit]")
    page.wait_for_selector("#menu")


def menu_labels(page) -> list[str]:  # type: ignore[no-untyped-def]
    return [text.strip() for text in page.locator("#menu a").all_inner_texts()]


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
