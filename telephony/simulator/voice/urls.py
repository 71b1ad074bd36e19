from django.urls import path

from . import views_callcontrol as cc
from . import views_console, views_presence, views_sim
from . import views_subscriptions as subs

SESSION = "restapi/v1.0/account/<str:account_id>/telephony/sessions/<str:telephony_session_id>"
PARTY = SESSION + "/parties/<str:party_id>"

urlpatterns = [
    path("restapi/v1.0/subscription", subs.collection, name="sim-subscriptions"),
    path("restapi/v1.0/subscription/", subs.collection),
    path("restapi/v1.0/subscription/<str:subscription_id>", subs.item, name="sim-subscription"),
    path(
        "restapi/v1.0/subscription/<str:subscription_id>/renew",
        subs.subscription_renew,
        name="sim-subscription-renew",
    ),
    path(SESSION, cc.session, name="sim-telephony-session"),
    path(PARTY, cc.party, name="sim-party"),
    path(PARTY + "/answer", cc.answer, name="sim-party-answer"),
    path(PARTY + "/hold", cc.hold, name="sim-party-hold"),
    path(PARTY + "/unhold", cc.unhold, name="sim-party-unhold"),
    path(PARTY + "/reject", cc.reject, name="sim-party-reject"),
    path(PARTY + "/ignore", cc.ignore, name="sim-party-ignore"),
    path(PARTY + "/forward", cc.forward, name="sim-party-forward"),
    path(PARTY + "/transfer", cc.transfer, name="sim-party-transfer"),
    path(PARTY + "/bridge", cc.bridge, name="sim-party-bridge"),
    path(
        "restapi/v1.0/account/<str:account_id>/extension/<str:extension_id>/presence",
        views_presence.presence,
        name="sim-presence",
    ),
    path(
        "restapi/v1.0/account/<str:account_id>/presence",
        views_presence.account_presence,
        name="sim-account-presence",
    ),
    path("restapi/v1.0/account/<str:account_id>/telephony/call-out", cc.call_out, name="sim-call-out"),
    path(
        "restapi/v1.0/account/<str:account_id>/extension/<str:extension_id>/ring-out",
        cc.ringout_create,
        name="sim-ringout",
    ),
    path("restapi/v1.0/account/<str:account_id>/extension/<str:extension_id>/ringout", cc.ringout_create),
    path(
        "restapi/v1.0/account/<str:account_id>/extension/<str:extension_id>/ring-out/<str:ringout>",
        cc.ringout,
        name="sim-ringout-item",
    ),
    path(
        "restapi/v1.0/account/<str:account_id>/extension/<str:extension_id>/ringout/<str:ringout>", cc.ringout
    ),
    path("_sim/calls", views_sim.calls_collection, name="sim-calls"),
    path("_sim/calls/internal", views_sim.internal_call, name="sim-calls-internal"),
    path("_sim/calls/outbound", views_sim.outbound_call, name="sim-calls-outbound"),
    path("_sim/calls/<str:telephony_session_id>", views_sim.call_detail, name="sim-call"),
    path("_sim/calls/<str:telephony_session_id>/<str:action>", views_sim.call_action, name="sim-call-action"),
    path("_sim/subscriptions", views_sim.subscription_list, name="sim-sim-subscriptions"),
    path("_sim/deliveries", views_sim.delivery_list, name="sim-deliveries"),
    path("_sim/voice/config", views_sim.voice_config, name="sim-voice-config"),
    path("_sim/voice/reset", views_sim.voice_reset, name="sim-voice-reset"),
    path("_sim/console", views_console.console, name="sim-console"),
    path("_sim/console/ring", views_console.ring, name="sim-console-ring"),
    path("_sim/console/dial", views_console.dial, name="sim-console-dial"),
    path(
        "_sim/console/calls/<str:telephony_session_id>/<str:action>",
        views_console.act,
        name="sim-console-act",
    ),
    path("", views_console.console),
]
