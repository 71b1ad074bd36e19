"""The audio the simulator serves: recordings play a few seconds of tones, generated once with
`wave`; voicemail plays a short spoken message committed beside this file.

`voicemail.wav` (8 kHz, 16-bit mono PCM) was made once, offline, with espeak-ng:
`espeak-ng -v en-us -s 155 -w raw.wav "<VOICEMAIL_TEXT>"`, then averaged down from 22,050 Hz to
8,000 Hz with the `wave` module. Nothing is generated or downloaded at run time.
"""

import functools
import io
import math
import struct
import wave
from pathlib import Path

VOICEMAIL_WAV = Path(__file__).with_name("voicemail.wav")
VOICEMAIL_TEXT = (
    "Hi, this is a message for you. Please call me back about my order when you get a chance. Thank you."
)
SAMPLE_RATE = 8000
# A short phrase of telephone-like tones (Hz, seconds), with a little silence between them.
PHRASE = [
    (440, 0.6),
    (0, 0.15),
    (554, 0.6),
    (0, 0.15),
    (659, 0.9),
    (0, 0.3),
    (523, 0.5),
    (0, 0.1),
    (392, 0.9),
]


@functools.cache
def recording_wav() -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        frames = bytearray()
        for frequency, seconds in PHRASE:
            for n in range(int(SAMPLE_RATE * seconds)):
                value = 0.35 * math.sin(2 * math.pi * frequency * n / SAMPLE_RATE) if frequency else 0.0
                frames += struct.pack("<h", int(value * 32767))
        out.writeframes(bytes(frames))
    return buffer.getvalue()


@functools.cache
def voicemail_wav() -> bytes:
    return VOICEMAIL_WAV.read_bytes()


def wav_seconds(data: bytes) -> float:
    with wave.open(io.BytesIO(data)) as audio:
        return audio.getnframes() / audio.getframerate()
