"""Call recordings: whether a user can play one (and why not), and the permission-checked proxy
that streams it from RingCentral. The browser only ever sees our URL; RingCentral's URL and the
token stay on the server."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from arcadium.audit.services import Action, record
from crm.access import EntityRequest, entity_required
from telephony import ringcentral as rc
from telephony.models import Call, Connector

LISTEN_PERMISSION = "telephony.listen_recordings"


@dataclass(frozen=True)
class Availability:
    playable: bool
    reason: str = ""


def connector_connected(entity_id: int) -> bool:
    return Connector.objects.filter(entity_id=entity_id, status=Connector.Status.CONNECTED).exists()


def recording_availability(*, call: Call, user: Any, connected: bool | None = None) -> Availability:
    """Can `user` play `call`'s recording? The reason is shown in place of the player.
    `connected` (the entity's connector state) can be given when checking many calls."""
    if not call.recording_id:
        return Availability(False, "Not recorded: RingCentral has no recording of this call.")
    if not user.has_perm(LISTEN_PERMISSION):
        return Availability(False, "You do not have permission to listen to call recordings.")
    if connected is None:
        connected = connector_connected(call.entity_id)
    if not connected:
        return Availability(
            False, "RingCentral is disconnected: recordings can be played again once it is reconnected."
        )
    return Availability(True)


def unavailable(request: HttpRequest, reason: str, status: int) -> HttpResponse:
    # A person who opens the link directly gets the app's page with the reason; the player only
    # looks at the status.
    return render(request, "telephony/recording_unavailable.html", {"reason": reason}, status=status)


def _is_audio(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower().startswith("audio/")


def _starts_playback(range_header: str | None) -> bool:
    """A request from the start (not a seek): the one that counts as playing or downloading."""
    return not range_header or range_header.replace(" ", "").startswith("bytes=0-")


@entity_required
@require_GET
def recording_audio(request: EntityRequest, pk: int) -> HttpResponseBase:
    """Stream the recording, passing Range through so the player can seek (206 Partial Content)."""
    call = get_object_or_404(Call.objects.for_entity(request.entity), pk=pk)
    availability = recording_availability(call=call, user=request.user)
    if not availability.playable:
        if not call.recording_id:
            return unavailable(request, availability.reason, 404)
        if not request.user.has_perm(LISTEN_PERMISSION):
            return unavailable(request, availability.reason, 403)
        return unavailable(request, availability.reason, 409)
    connector = Connector.objects.get(entity_id=call.entity_id)

    def open_stream() -> rc.RecordingStream:
        with rc.connector_session(connector) as session:
            return rc.recording_content(session, call.recording_id, range_header=request.headers.get("Range"))

    return stream_audio(
        request,
        open_stream,
        gone="RingCentral no longer has this recording (deleted or expired).",
        played=f"Played or downloaded the recording of call {call.pk}",
        data={"call_id": call.pk},
    )


def stream_audio(
    request: HttpRequest,
    open_stream: Callable[[], rc.RecordingStream],
    *,
    gone: str,
    played: str,
    data: dict,
) -> HttpResponseBase:
    """The streaming proxy itself, for any audio RingCentral keeps (recordings, voicemail): the
    caller has checked permission; Range passes through; only audio reaches the browser; a
    playback from the start is audited."""
    try:
        stream = open_stream()
    except rc.NotFound:
        return unavailable(request, gone, 404)
    except rc.InvalidRequest as exc:
        return unavailable(request, exc.message, 416 if exc.status == 416 else 502)
    except rc.RingCentralError as exc:
        return unavailable(request, exc.message, 502)
    if not _is_audio(stream.content_type):
        # Only audio goes to the browser under our origin: anything else could be HTML or script.
        stream.close()
        return unavailable(request, "RingCentral did not answer with audio. Please try again later.", 502)
    if _starts_playback(request.headers.get("Range")):
        record(action=Action.RECORDING_PLAYED, request=request, summary=played, data=data)
    response = StreamingHttpResponse(
        stream.iter_content(), status=stream.status, content_type=stream.content_type
    )
    for header, value in (
        ("Content-Length", stream.content_length),
        ("Content-Range", stream.content_range),
        ("Accept-Ranges", stream.accept_ranges or "bytes"),
    ):
        if value:
            response[header] = value
    response["Cache-Control"] = "private, no-store"
    return response
