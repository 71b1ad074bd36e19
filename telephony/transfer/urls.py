from django.urls import path

from telephony.transfer import views

urlpatterns = [
    path("telephony/calls/<int:pk>/transfer/", views.transfer_region, name="telephony-transfer-region"),
    path(
        "telephony/calls/<int:pk>/transfer/picker/", views.transfer_picker, name="telephony-transfer-picker"
    ),
    path(
        "telephony/calls/<int:pk>/transfer/search/", views.transfer_search, name="telephony-transfer-search"
    ),
    path(
        "telephony/calls/<int:pk>/transfer/to/<str:how>/",
        views.transfer_start,
        name="telephony-transfer-start",
    ),
    path(
        "telephony/calls/<int:pk>/transfer/do/<str:action>/",
        views.transfer_action,
        name="telephony-transfer-action",
    ),
]
