from django.urls import path

from telephony import views, views_calls, views_dial, webhooks

urlpatterns = [
    path("telephony/webhook/", webhooks.ringcentral_webhook, name="telephony-webhook"),
    path("telephony/connect/", views.connect, name="telephony-connect"),
    path("telephony/oauth/callback/", views.oauth_callback, name="telephony-oauth-callback"),
    path("telephony/phone/", views.phone_icon, name="telephony-phone-icon"),
    path("telephony/settings/", views.phone_settings, name="telephony-settings"),
    path("telephony/dial/", views_dial.dial, name="telephony-dial"),
    path("telephony/dial/<int:pk>/status/", views_dial.ring_out_status, name="telephony-ring-out-status"),
    path("telephony/presence/", views_dial.presence_badge, name="telephony-presence"),
    path("telephony/presence/dnd/", views_dial.do_not_disturb, name="telephony-dnd"),
    path("telephony/calls/live/", views_calls.live_calls, name="telephony-live-calls"),
    path("telephony/calls/recent/", views_calls.recent_calls, name="telephony-recent-calls"),
    path("telephony/calls/<int:pk>/wizard/", views_calls.call_wizard, name="telephony-call-wizard"),
    path("telephony/calls/<int:pk>/choose/", views_calls.choose_caller, name="telephony-call-choose"),
    path("telephony/calls/<int:pk>/<str:action>/", views_calls.control, name="telephony-call-control"),
]
