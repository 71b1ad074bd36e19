from django.urls import include, path

urlpatterns = [
    path("", include("telephony.simulator.platform.urls")),
    path("", include("telephony.simulator.voice.urls")),
]
