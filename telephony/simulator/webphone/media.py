"""The far end of web-phone calls: aiortc, on its own thread and event loop.

Each forked INVITE gets a `FarEnd` (one RTCPeerConnection): it plays the simulator's recording
phrase (`platform.audio.recording_wav()`, tones with gaps) to the browser, silence while the call
is on hold, and listens to what the browser sends: packets, bytes, level and the energy at
1 kHz (the browser's fake microphone in the tests beeps at 1 kHz), over the last half second.

Loopback only, on purpose: no STUN server (aiortc would otherwise ask Google's), host
candidates limited to 127.0.0.1 (aioice leaves loopback out of its own list, so its lookup is
replaced below; aioice is pinned for that), and the browser's candidates filtered to 127.0.0.1
before aiortc sees them, so no check or packet ever leaves the machine's loopback.

aiortc (and its `av` wheels with GPL codecs) is a simulator/test-only dependency: this module
is imported only when a web phone call is set up.
"""

import array
import asyncio
import collections
import fractions
import io
import logging
import math
import threading
import time
import wave
from concurrent.futures import Future

import aioice.ice
from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError
from av import AudioFrame

from telephony.simulator.platform.audio import recording_wav

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
TONE_HZ, OTHER_HZ = 1000.0, 700.0
WINDOW_FRAMES = 25  # 25 × 20 ms


def _loopback_addresses(use_ipv4: bool = True, use_ipv6: bool = True) -> list[str]:
    return [LOOPBACK]


aioice.ice.get_host_addresses = _loopback_addresses

_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()


def media_loop() -> asyncio.AbstractEventLoop:
    global _loop
    with _loop_lock:
        if _loop is None:
            _loop = asyncio.new_event_loop()
            threading.Thread(target=_loop.run_forever, name="sim-webphone-media", daemon=True).start()
        return _loop


def submit(coro) -> Future:
    return asyncio.run_coroutine_threadsafe(coro, media_loop())


async def on_media_loop(coro):
    """Await `coro` on the media loop from another event loop."""
    return await asyncio.wrap_future(submit(coro))


def loopback_only(sdp: str) -> str:
    """The SDP without ICE candidates that are not on 127.0.0.1."""
    lines = []
    for line in sdp.split("\r\n"):
        if line.startswith("a=candidate:"):
            fields = line.split()
            if len(fields) < 5 or fields[4] != LOOPBACK:
                continue
        lines.append(line)
    return "\r\n".join(lines)


def _phrase_pcm() -> tuple[bytes, int]:
    with wave.open(io.BytesIO(recording_wav())) as source:
        return source.readframes(source.getnframes()), source.getframerate()


class PhraseTrack(MediaStreamTrack):
    """The far end's voice: the recording phrase in a loop, 20 ms frames; silence while held."""

    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self.pcm, self.rate = _phrase_pcm()
        self.samples = self.rate // 50
        self.held = False
        self._offset = 0
        self._start: float | None = None
        self._timestamp = 0

    async def recv(self) -> AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.time()
        else:
            self._timestamp += self.samples
            await asyncio.sleep(max(0.0, self._start + self._timestamp / self.rate - time.time()))
        size = self.samples * 2
        if self.held:
            chunk = bytes(size)
        else:
            if self._offset + size > len(self.pcm):
                self._offset = 0
            chunk = self.pcm[self._offset : self._offset + size]
            self._offset += size
        frame = AudioFrame(format="s16", layout="mono", samples=self.samples)
        frame.planes[0].update(chunk)
        frame.pts = self._timestamp
        frame.sample_rate = self.rate
        frame.time_base = fractions.Fraction(1, self.rate)
        return frame


def _goertzel(samples, rate: int, frequency: float) -> float:
    coeff = 2 * math.cos(2 * math.pi * frequency / rate)
    s1 = s2 = 0.0
    for sample in samples:
        s1, s2 = sample + coeff * s1 - s2, s1
    return (s1 * s1 + s2 * s2 - coeff * s1 * s2) / (len(samples) ** 2 or 1)


class Ear:
    """What the far end hears from the browser."""

    def __init__(self) -> None:
        self.frames = 0
        self.pcm_bytes = 0
        self.window: collections.deque = collections.deque(maxlen=WINDOW_FRAMES)

    def hear(self, frame: AudioFrame) -> None:
        raw = bytes(frame.planes[0])[: frame.samples * 2 * len(frame.layout.channels)]
        samples = array.array("h", raw)[:: len(frame.layout.channels)]
        self.frames += 1
        self.pcm_bytes += len(raw)
        head = samples[:480]
        self.window.append(
            (
                time.monotonic(),
                sum(s * s for s in samples),
                len(samples),
                _goertzel(head, frame.sample_rate, TONE_HZ),
                _goertzel(head, frame.sample_rate, OTHER_HZ),
            )
        )

    def snapshot(self) -> dict:
        # Only what arrived in the last half second: a browser that stops sending (muted with
        # DTX, gone) is heard as silence, not as its last words.
        recent = time.monotonic() - WINDOW_FRAMES * 0.02
        window = [frame[1:] for frame in list(self.window) if frame[0] >= recent]
        count = sum(n for _, n, _, _ in window)
        rms = math.sqrt(sum(sq for sq, _, _, _ in window) / count) / 32768 if count else 0.0
        tone = sum(t for _, _, t, _ in window) / len(window) if window else 0.0
        other = sum(o for _, _, _, o in window) / len(window) if window else 0.0
        return {
            "framesReceived": self.frames,
            "pcmBytesReceived": self.pcm_bytes,
            "level": round(rms, 6),
            "tone1kHz": round(tone, 3),
            "tone700Hz": round(other, 3),
        }


class FarEnd:
    """One RTCPeerConnection standing for the PSTN caller (or callee) of a web-phone call."""

    def __init__(self, telephony_session_id: str) -> None:
        self.telephony_session_id = telephony_session_id
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.voice = PhraseTrack()
        self.ear = Ear()
        self.closed = False
        self._listening: asyncio.Task | None = None
        self.pc.on("track", self._on_track)

    def _on_track(self, track) -> None:
        self._listening = asyncio.ensure_future(self._listen(track))

    async def _listen(self, track) -> None:
        try:
            while True:
                self.ear.hear(await track.recv())
        except MediaStreamError:
            return

    async def offer(self) -> str:
        self.pc.addTransceiver(self.voice, direction="sendrecv")
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return self.pc.localDescription.sdp

    async def accept_answer(self, sdp: str) -> None:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=loopback_only(sdp), type="answer"))

    async def answer(self, offer_sdp: str) -> str:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=loopback_only(offer_sdp), type="offer"))
        self.pc.addTrack(self.voice)
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        return self.pc.localDescription.sdp

    @property
    def local_sdp(self) -> str:
        return self.pc.localDescription.sdp if self.pc.localDescription else ""

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.voice.stop()
            if self._listening is not None:
                self._listening.cancel()
            await self.pc.close()

    async def stats(self) -> dict:
        report = await self.pc.getStats()
        packets = sum(
            getattr(s, "packetsReceived", 0) or 0 for s in report.values() if s.type == "inbound-rtp"
        )
        sent = sum(getattr(s, "bytesSent", 0) or 0 for s in report.values() if s.type == "outbound-rtp")
        return {
            "telephonySessionId": self.telephony_session_id,
            "connection": self.pc.connectionState,
            "held": self.voice.held,
            "packetsReceived": packets,
            "bytesSent": sent,
            **self.ear.snapshot(),
        }


async def _new_far_end(telephony_session_id: str) -> FarEnd:
    return FarEnd(telephony_session_id)


async def new_far_end(telephony_session_id: str) -> FarEnd:
    """A FarEnd living on the media loop (call from any event loop)."""
    return await on_media_loop(_new_far_end(telephony_session_id))
