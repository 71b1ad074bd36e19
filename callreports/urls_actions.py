from django.urls import path

from callreports import views_actions as views

urlpatterns = [
    path("actions/", views.my_actions, name="callreports-actions"),
    path("actions/new/", views.action_create, name="callreports-action-create"),
    path("actions/<int:pk>/", views.action_detail, name="callreports-action-detail"),
    path("actions/<int:pk>/edit/", views.action_edit, name="callreports-action-edit"),
    path("calls/<int:call_id>/report/", views.call_report, name="callreports-call-report"),
    path("calls/<int:call_id>/note/", views.call_note, name="callreports-call-note"),
    path("customers/<int:pk>/call-reports/", views.customer_actions, name="callreports-customer-actions"),
]
