"""Message store (voicemail): list with RingCentral's filters and paging, one message, mark it
read, attachment content with HTTP Range."""

import json
from datetime import timedelta

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from telephony.simulator.platform.api import RCError, invalid_parameter, not_found, paged_response, rc_api
from telephony.simulator.platform.calllog_views import _date_param
from telephony.simulator.platform.media import media_response
from telephony.simulator.platform.messages import content_of, message_json
from telephony.simulator.platform.models import Message

MESSAGE_TYPES = {"Fax", "SMS", "VoiceMail", "Pager", "Text"}
FILTERS = (
    ("messageType", "type", MESSAGE_TYPES),
    ("direction", "direction", {"Inbound", "Outbound"}),
    ("readStatus", "read_status", {"Read", "Unread"}),
    ("availability", "availability", {"Alive", "Deleted", "Purged"}),
)


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _mailbox(request: HttpRequest, extension_id: str):
    """Messages of `extension_id`; only its owner (or an administrator) may read them."""
    owner = request.rc_extension
    if extension_id != owner.id and not owner.is_admin:
        raise RCError(
            403, "CMN-404", "Attempt to access another extension's messages", category="PermissionDenied"
        )
    return Message.objects.filter(account=request.rc_account, extension_id=extension_id)


def _values(request: HttpRequest, name: str, allowed: set[str]) -> list[str]:
    # Multiple values come as repeated parameters (or comma-separated, as some clients send them).
    values = [part for raw in request.GET.getlist(name) for part in raw.split(",") if part]
    if any(v not in allowed for v in values):
        raise invalid_parameter(name)
    return values


def _filtered(request: HttpRequest, messages):
    date_to = _date_param(request, "dateTo") or timezone.now()
    date_from = _date_param(request, "dateFrom") or date_to - timedelta(hours=24)
    messages = messages.filter(creation_time__gte=date_from, creation_time__lte=date_to)
    for name, field, allowed in FILTERS:
        values = _values(request, name, allowed)
        if values:
            messages = messages.filter(**{f"{field}__in": values})
    if not request.GET.get("availability"):
        messages = messages.filter(availability="Alive")  # deleted messages only when asked for
    if request.GET.get("phoneNumber"):
        number = "+" + request.GET["phoneNumber"].strip().lstrip("+")
        messages = messages.filter(from_party__phoneNumber=number)
    return messages


@rc_api(group="Light", permission="ReadMessages")
def message_list(request: HttpRequest, account_id: str, extension_id: str) -> JsonResponse:
    messages = _filtered(request, _mailbox(request, extension_id)).order_by("-creation_time", "-id")
    base = _base(request)
    return paged_response(request, messages, serialize=lambda m: message_json(m, base=base))


def _message(request: HttpRequest, extension_id: str, message_id: str) -> Message:
    message = _mailbox(request, extension_id).filter(pk=message_id).first()
    if message is None or message.availability == "Purged":
        raise not_found("messageId", message_id)
    return message


@rc_api(group="Light", methods=("GET", "PUT", "DELETE"), permission="ReadMessages")
def message_detail(request: HttpRequest, account_id: str, extension_id: str, message_id: str) -> HttpResponse:
    message = _message(request, extension_id, message_id)
    if request.method == "DELETE":
        Message.objects.filter(pk=message.pk).update(
            availability="Deleted", last_modified_time=timezone.now()
        )
        return HttpResponse(status=204)
    if request.method == "PUT":
        _update(message, request)
    return JsonResponse(message_json(message, base=_base(request)))


def _update(message: Message, request: HttpRequest) -> None:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        raise RCError(
            400, "CMN-103", "Request body is not a valid JSON", category="InvalidParameter"
        ) from None
    status = body.get("readStatus") if isinstance(body, dict) else None
    if status not in ("Read", "Unread"):
        raise invalid_parameter("readStatus")
    message.read_status, message.last_modified_time = status, timezone.now()
    message.save(update_fields=["read_status", "last_modified_time"])


@rc_api(group="Medium", permission="ReadMessages")
def message_content(
    request: HttpRequest, account_id: str, extension_id: str, message_id: str, attachment_id: str
) -> HttpResponse:
    content = content_of(_message(request, extension_id, message_id), attachment_id)
    if content is None:
        raise not_found("attachmentId", attachment_id)
    data, content_type, filename = content
    return media_response(request, data, content_type=content_type, filename=filename)
