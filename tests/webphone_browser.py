"""Chromium as a browser phone: fake microphone and camera, WebRTC kept on loopback.

    args = phone_chromium_args(write_beeps(tmp_path / "mic.wav"))
    chromium = playwright.chromium.launch(executable_path=require_chromium(), args=args)
    context = chromium.new_context(ignore_https_errors=True)   # the simulator's wss:// is self-signed

The microphone plays 1 kHz beeps (a steady tone is faded out by Chrome's noise suppression within
seconds); the simulator's far end reports what it hears (`SimulatorControl.webphone_media`).
Chromium grants the microphone without asking (`--use-fake-ui-for-media-stream`).
"""

import math
import struct
import wave
from pathlib import Path

from tests.browser import CHROMIUM_ARGS


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
