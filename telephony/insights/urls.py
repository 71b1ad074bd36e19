from django.urls import path

from telephony.insights import views

urlpatterns = [
    path("calls/insights/", views.team, name="insights-team"),
    path("customers/<int:pk>/insights/", views.customer_insights, name="insights-customer"),
]
