"""`/restapi/v1.0/subscription[...]` (API.md §2)."""

from django.http import HttpResponse, JsonResponse

from telephony.simulator.platform.api import RCError, rc_api

from . import subscriptions
from .models import Subscription
from .views_callcontrol import by_method, json_body


def _base(request) -> str:
    return request.build_absolute_uri("/restapi/v1.0/subscription")


def _mine(request, subscription_id: str) -> Subscription:
    sub = (
        Subscription.objects.select_related("extension")
        .filter(id=subscription_id, extension=request.rc_extension, app=request.rc_token.app)
        .first()
    )
    if sub is None:
        raise RCError(
            404,
            "CMN-102",
            "Resource for parameter [subscriptionId] is not found",
            parameterName="subscriptionId",
        )
    if sub.expires_in <= 0:
        raise RCError(404, "SUB-507", "Subscription is expired", category="SUB-507")
    return sub


@rc_api(group="Medium", methods=("POST",))
def subscription_create(request):
    body = json_body(request)
    mode = body.get("deliveryMode") if isinstance(body.get("deliveryMode"), dict) else {}
    if mode.get("transportType") == Subscription.WEBSOCKET:
        raise RCError(
            400,
            "CMN-101",
            "WebSocket subscriptions are created over the WebSocket gateway",
            category="InvalidParameter",
            parameterName="deliveryMode.transportType",
        )
    sub = subscriptions.create_webhook(body=body, extension=request.rc_extension, app=request.rc_token.app)
    return JsonResponse(subscriptions.info(sub, base_uri=_base(request)))


@rc_api(group="Light", methods=("GET",))
def subscription_list(request):
    subs = Subscription.objects.visible().filter(extension=request.rc_extension, app=request.rc_token.app)
    records = [subscriptions.info(sub, base_uri=_base(request)) for sub in subs]
    return JsonResponse({"uri": _base(request), "records": records})


collection = by_method(GET=subscription_list, POST=subscription_create)


@rc_api(group="Light", methods=("GET",))
def subscription_get(request, subscription_id):
    return JsonResponse(subscriptions.info(_mine(request, subscription_id), base_uri=_base(request)))


@rc_api(group="Medium", methods=("PUT",))
def subscription_update(request, subscription_id):
    sub = _mine(request, subscription_id)
    if sub.transport == Subscription.WEBSOCKET:
        raise RCError(
            400,
            "CMN-101",
            "WebSocket subscriptions are updated over the WebSocket gateway",
            category="InvalidParameter",
        )
    sub = subscriptions.update(sub, body=json_body(request))
    return JsonResponse(subscriptions.info(sub, base_uri=_base(request)))


@rc_api(group="Medium", methods=("DELETE",))
def subscription_delete(request, subscription_id):
    _mine(request, subscription_id).delete()
    return HttpResponse(status=204)


item = by_method(GET=subscription_get, PUT=subscription_update, DELETE=subscription_delete)


@rc_api(group="Light", methods=("POST",))
def subscription_renew(request, subscription_id):
    sub = subscriptions.renew(_mine(request, subscription_id))
    return JsonResponse(subscriptions.info(sub, base_uri=_base(request)))
