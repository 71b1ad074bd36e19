from django.urls import path
from django.views.generic import RedirectView

from crm import views, views_caller

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="crm-customer-list"), name="home"),
    path("customers/", views.customer_list, name="crm-customer-list"),
    path("customers/<int:pk>/", views.customer_detail, name="crm-customer-detail"),
    path("customers/<int:pk>/contacts/", views.customer_contacts, name="crm-customer-contacts"),
    path("contacts/<int:pk>/", views.contact_detail, name="crm-contact-detail"),
    path("crm/create-from-caller/", views_caller.create_from_caller, name="crm-create-from-caller"),
    path(
        "crm/create-from-caller/customers/",
        views_caller.caller_customer_options,
        name="crm-create-from-caller-customers",
    ),
]
