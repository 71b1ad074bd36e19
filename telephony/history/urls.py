from django.urls import path

from telephony.history import recordings
from telephony.history import views as connector_views

urlpatterns = [
    path("telephony/connector/", connector_views.connector_page, name="telephony-connector"),
    path(
        "telephony/connector/settings/",
        connector_views.connector_settings,
        name="telephony-connector-settings",
    ),
    path(
        "telephony/connector/connect/", connector_views.connector_connect, name="telephony-connector-connect"
    ),
    path(
        "telephony/connector/disconnect/",
        connector_views.connector_disconnect,
        name="telephony-connector-disconnect",
    ),
    path(
        "telephony/connector/mapping/", connector_views.connector_mapping, name="telephony-connector-mapping"
    ),
    path("telephony/connector/sync/", connector_views.connector_sync, name="telephony-connector-sync"),
    path("calls/<int:pk>/recording/", recordings.recording_audio, name="telephony-call-recording"),
]
