from django.urls import path
from django.views.generic import RedirectView

from crm import views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="crm-customer-list"), name="home"),
    path("customers/", views.customer_list, name="crm-customer-list"),
    path("customers/<int:pk>/", views.customer_detail, name="crm-customer-detail"),
    path("customers/<int:pk>/contacts/", views.customer_contacts, name="crm-customer-contacts"),
    path("contacts/<int:pk>/", views.contact_detail, name="crm-contact-detail"),
]
