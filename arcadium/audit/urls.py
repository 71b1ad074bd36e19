from django.urls import path

from arcadium.audit import views

urlpatterns = [
    path("audit/", views.audit_log, name="audit-log"),
]
