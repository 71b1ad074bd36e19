from django.urls import path

from telephony.callbacks import views, voicemail

urlpatterns = [
    path("calls/callbacks/", views.queue, name="callbacks-queue"),
    path("calls/callbacks/badge/", views.badge, name="callbacks-badge"),
    path("calls/callbacks/promise/", views.promise_settings, name="callbacks-promise"),
    path("calls/callbacks/<int:pk>/", views.item_detail, name="callbacks-item"),
    path("calls/callbacks/<int:pk>/<str:action>/", views.item_action, name="callbacks-item-action"),
    path("calls/voicemail/<int:pk>/audio/", voicemail.voicemail_audio, name="callbacks-voicemail-audio"),
]
