"""Chromium as a browser phone: fake microphone and camera, WebRTC kept on loopback.

    args = phone_chromium_args(write_beeps(tmp_path / "mic.wav"))
    chromium = playwright.chromium.launch(executable_path=require_chromium(), args=args)
    context = chromium.new_context(ignore_https_errors=True)   # the simulator's wss:// is self-signed

The microphone plays 1 kHz beeps (a steady tone is faded out by Chrome's noise suppression within
seconds); the simulator's far end reports what it hears (`SimulatorControl.webphone_media`).
Chromium grants the microphone without asking (`--use-fake-ui-for-media-stream`).
`chromium_with_tabs` is a Chromium whose tabs hide behind one another, for what a hidden tab does.
"""

import math
import struct
import subprocess
import time
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.browser import CHROMIUM_ARGS, DEFAULT_TIMEOUT_MS
from tests.services import stop_process


def write_beeps(path: Path, *, hz: float = 1000.0, rate: int = 48000, seconds: float = 10.0) -> Path:
    """The browser's microphone: 250 ms beeps at `hz`, 250 ms apart (48 kHz, 16 bit, mono)."""
    frames = bytearray()
    for n in range(int(rate * seconds)):
        on = (n / rate) % 0.5 < 0.25
        frames += struct.pack("<h", int(0.5 * 32767 * math.sin(2 * math.pi * hz * n / rate)) if on else 0)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(frames))
    return path


def phone_chromium_args(microphone: Path) -> list[str]:
    return [
        *CHROMIUM_ARGS,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={microphone}",
        # Offer 127.0.0.1 candidates: the simulator's far end only talks over loopback.
        "--allow-loopback-in-peer-connection",
    ]


@contextmanager
def chromium_with_tabs(playwright, executable: str, args: list[str], workdir: Path) -> Iterator:
    """Chromium whose first tab hides when another tab of its window is in front, as a person's does.

    Playwright keeps every page it opens visible: it turns on `Emulation.setFocusEmulationEnabled`
    for each, which also keeps the page shown (`document.visibilityState` stays "visible" whatever
    tab is in front), and headless windows are never occluded or minimized. So this Chromium is
    started here with a DevTools port and joined with `connect_over_cdp(no_defaults=True)`, which
    leaves focus emulation off in its default context; a second tab opened in the same window
    (`Target.createTarget`, `newWindow: false`) then hides the first, with `visibilitychange`, and
    `bring_to_front()` switches between them. Nor are Playwright's `--disable-renderer-backgrounding`
    and `--disable-background-timer-throttling` passed: a hidden tab is throttled as it is for people.
    Yields the browser; its default context's first page is `browser.contexts[0].pages[0]`.
    """
    profile = workdir / "profile"
    command = [executable, "--headless", "--mute-audio", *args, "--remote-debugging-port=0"]
    process = subprocess.Popen(
        [*command, f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        browser = playwright.chromium.connect_over_cdp(
            f"http://127.0.0.1:{_devtools_port(profile)}", no_defaults=True
        )
        browser.contexts[0].set_default_timeout(DEFAULT_TIMEOUT_MS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        stop_process(process)


def _devtools_port(profile: Path, timeout: float = 30.0) -> int:
    """The port Chromium chose (`--remote-debugging-port=0` writes it to DevToolsActivePort)."""
    written = profile / "DevToolsActivePort"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if written.exists() and written.read_text().strip():
            return int(written.read_text().split()[0])
        time.sleep(0.05)
    raise AssertionError(f"Chromium did not open its DevTools port within {timeout} s")


def open_tab_in_front(browser, url: str = "about:blank"):
    """A new tab in the same window as the default context's tabs, put in front (the others hide)."""
    context = browser.contexts[0]
    with context.expect_page() as opened:
        browser.new_browser_cdp_session().send("Target.createTarget", {"url": url, "newWindow": False})
    return opened.value
