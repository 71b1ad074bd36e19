from django.urls import include, path

urlpatterns = [
    path("", include("telephony.simulator.platform.urls")),
    path("", include("telephony.simulator.webphone.urls")),
    path("", include("telephony.simulator.voice.urls")),
]

# Unknown paths and crashes answer in RingCentral's error shape, not Django's HTML pages.
handler404 = "telephony.simulator.platform.api.not_found_view"
handler500 = "telephony.simulator.platform.api.server_error_view"
