from django.urls import path

from telephony.staff import views

urlpatterns = [
    path("staff/", views.staff_list, name="telephony-staff-list"),
    path("staff/<int:pk>/", views.staff_detail, name="telephony-staff-detail"),
]
