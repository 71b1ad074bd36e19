from django.urls import path

from telephony import views, webhooks

urlpatterns = [
    path("telephony/webhook/", webhooks.ringcentral_webhook, name="telephony-webhook"),
    path("telephony/connect/", views.connect, name="telephony-connect"),
    path("telephony/oauth/callback/", views.oauth_callback, name="telephony-oauth-callback"),
    path("telephony/phone/", views.phone_icon, name="telephony-phone-icon"),
    path("telephony/settings/", views.phone_settings, name="telephony-settings"),
]
