from django.urls import path

from telephony import recordings, views_connector

urlpatterns = [
    path("telephony/connector/", views_connector.connector_page, name="telephony-connector"),
    path(
        "telephony/connector/settings/",
        views_connector.connector_settings,
        name="telephony-connector-settings",
    ),
    path(
        "telephony/connector/connect/", views_connector.connector_connect, name="telephony-connector-connect"
    ),
    path(
        "telephony/connector/disconnect/",
        views_connector.connector_disconnect,
        name="telephony-connector-disconnect",
    ),
    path(
        "telephony/connector/mapping/", views_connector.connector_mapping, name="telephony-connector-mapping"
    ),
    path("telephony/connector/sync/", views_connector.connector_sync, name="telephony-connector-sync"),
    path("calls/<int:pk>/recording/", recordings.recording_audio, name="telephony-call-recording"),
]
