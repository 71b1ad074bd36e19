from django.urls import path

from . import provision, views_sim

urlpatterns = [
    path("restapi/v1.0/client-info/sip-provision", provision.sip_provision, name="sim-sip-provision"),
    path("_sim/webphone/registrations", views_sim.registrations, name="sim-webphone-registrations"),
    path("_sim/webphone/drop-sockets", views_sim.drop_sockets, name="sim-webphone-drop-sockets"),
    path("_sim/webphone/dialogs", views_sim.dialog_list, name="sim-webphone-dialogs"),
    path(
        "_sim/webphone/calls/<str:telephony_session_id>/media",
        views_sim.call_media,
        name="sim-webphone-media",
    ),
]
