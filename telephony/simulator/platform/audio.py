"""The audio every simulated recording plays: a few seconds of tones, generated once with `wave`."""

import functools
import io
import math
import struct
import wave

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
