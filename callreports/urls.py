from django.urls import path

from callreports import views

urlpatterns = [
    path("customers/<int:pk>/calls/", views.customer_calls, name="callreports-customer-calls"),
    path("calls/<int:pk>/", views.call_detail, name="callreports-call-detail"),
]
