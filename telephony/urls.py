from django.urls import include, path

from telephony.connect import views as connect_views
from telephony.ingest import webhooks
from telephony.outbound import views as dial_views
from telephony.webphone import views as webphone_views
from telephony.wizard import views as wizard_views
from telephony.wizard import views_caller

urlpatterns = [
    path("telephony/webhook/", webhooks.ringcentral_webhook, name="telephony-webhook"),
    path("telephony/connect/", connect_views.connect, name="telephony-connect"),
    path("telephony/oauth/callback/", connect_views.oauth_callback, name="telephony-oauth-callback"),
    path("telephony/phone/", connect_views.phone_icon, name="telephony-phone-icon"),
    path("telephony/settings/", connect_views.phone_settings, name="telephony-settings"),
    path("telephony/presence/", connect_views.presence_badge, name="telephony-presence"),
    path("telephony/presence/dnd/", connect_views.do_not_disturb, name="telephony-dnd"),
    path(
        "telephony/webphone/credentials/", webphone_views.credentials, name="telephony-webphone-credentials"
    ),
    path("telephony/webphone/default/", webphone_views.default_to_browser, name="telephony-webphone-default"),
    path("telephony/dial/", dial_views.dial, name="telephony-dial"),
    path("telephony/dial/<int:pk>/status/", dial_views.ring_out_status, name="telephony-ring-out-status"),
    path("telephony/calls/live/", wizard_views.live_calls, name="telephony-live-calls"),
    path("telephony/calls/recent/", wizard_views.recent_calls, name="telephony-recent-calls"),
    path("telephony/calls/<int:pk>/wizard/", wizard_views.call_wizard, name="telephony-call-wizard"),
    path("telephony/calls/<int:pk>/choose/", wizard_views.choose_caller, name="telephony-call-choose"),
    path("", include("telephony.transfer.urls")),  # before the wizard's catch-all call actions
    path("telephony/calls/<int:pk>/<str:action>/", wizard_views.control, name="telephony-call-control"),
    path("crm/create-from-caller/", views_caller.create_from_caller, name="crm-create-from-caller"),
    path(
        "crm/create-from-caller/customers/",
        views_caller.caller_customer_options,
        name="crm-create-from-caller-customers",
    ),
]
