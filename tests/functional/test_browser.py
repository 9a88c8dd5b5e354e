"""`kiosk serve`: the kiosk in a web browser through textual-serve, opened in
headless Chromium (Debian's, with its background networking off, as this
machine's closed network needs).  The test sees the operator's start screen
arrive in the page's terminal and takes a screenshot of it.

Skipped with a reason where Chromium is missing, unless KIOSK_REQUIRE_BROWSER=1
(CI sets it, and installs Chromium)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time

import pytest

from tests.conftest import TEST_PEPPER

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Za-z0-9]|\x1b[=>]")

if not CHROMIUM:
    if os.environ.get("KIOSK_REQUIRE_BROWSER") == "1":
        raise RuntimeError("KIOSK_REQUIRE_BROWSER=1 but no chromium on PATH (apt-get install chromium)")
    pytestmark = pytest.mark.skip(reason="no chromium on PATH: apt-get install chromium (CI installs it)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, server: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.poll() is None, server.stdout.read()
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError(f"kiosk serve did not listen on {port}")


def test_the_kiosk_in_a_browser(tmp_path):
    from playwright.sync_api import sync_playwright

    port = free_port()
    env = {
        **os.environ,
        "KIOSK_DATA_DIR": str(tmp_path),
        "KIOSK_PEPPER": TEST_PEPPER.hex(),
        "KIOSK_BCRYPT_COST": "4",
    }
    env.pop("KIOSK_INSTITUTION", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "--database-url", f"sqlite:///{tmp_path / 'kiosk.db'}", "serve", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    try:
        wait_for_port(port, server)
        received: list[str] = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 1200, "height": 760})

            def frames(websocket) -> None:
                websocket.on("framereceived", lambda payload: received.append(
                    payload.decode("utf-8", "replace") if isinstance(payload, bytes) else payload
                ))

            page.on("websocket", frames)
            # The branch tablet's closed network: nothing but the kiosk answers.
            outside: list[str] = []

            def closed_network(route) -> None:
                if route.request.url.startswith(f"http://127.0.0.1:{port}/"):
                    route.continue_()
                else:
                    outside.append(route.request.url)
                    route.abort()

            page.route("**/*", closed_network)
            page.goto(f"http://127.0.0.1:{port}/")
            deadline = time.monotonic() + 60
            while "Demostración del kiosco" not in ANSI.sub("", "".join(received)):
                assert time.monotonic() < deadline, "the start screen never reached the page"
                page.wait_for_timeout(250)
            # The page shows its terminal once the first bytes arrive.
            page.wait_for_selector("body.-first-byte", timeout=10_000)
            page.wait_for_timeout(1000)  # let the terminal paint
            font_faces = page.evaluate(
                "async () => (await document.fonts.load(\"16px 'Roboto Mono'\")).map(face => face.status)"
            )
            screenshot = tmp_path / "kiosk-in-browser.png"
            page.screenshot(path=str(screenshot))
            browser.close()
        text = ANSI.sub("", "".join(received))
        assert "Elija la entidad que va a mostrar." in text and "Progressa" in text
        assert screenshot.stat().st_size > 10_000  # a painted terminal, not an empty page
        assert outside == []  # offline: no font (or anything) asked of the internet
        assert font_faces == ["loaded"]  # the terminal's font, served by the kiosk itself
        shutil.copy(screenshot, os.environ.get("KIOSK_BROWSER_SHOT", tmp_path / "copy.png"))
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=10)
