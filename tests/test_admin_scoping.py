"""Django admin for anyone but a superuser shows their own company only, on every registered model:
changelists, search, list-filter choices, autocomplete (search results), foreign-key choices,
object pages. A model that belongs to no company is not reachable at all."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.test import RequestFactory
from django.urls import reverse

from arcadium.admin_site import entity_path
from arcadium.audit.models import AuditEvent
from callreports.models import Action, CallNote
from crm.models import Resource
from telephony.models import Call
from tests.factories import (
    ContactFactory,
    CustomerFactory,
    EntityFactory,
    PhoneNumberFactory,
    ResourceFactory,
    UserFactory,
)
from tests.telephony_factories import ConnectorFactory, TokenFactory


def company(name: str):
    entity = EntityFactory(name=name)
    staff = ResourceFactory(entity=entity, display_name=f"{name} staff")
    customer = CustomerFactory(entity=entity, name=f"{name} customer")
    PhoneNumberFactory(customer=customer, raw="(212) 555-0100")
    contact = ContactFactory(customer=customer, first_name=f"{name}", last_name="Contact")
    connector = ConnectorFactory(entity=entity)
    TokenFactory(connector=connector, resource=staff)
    call = Call.objects.create(entity=entity, resource=staff, direction="inbound", customer=customer)
    CallNote.objects.create(entity=entity, call=call, text=f"{name} note")
    Action.objects.create(
        entity=entity, subject=f"{name} action", assignee=staff, customer=customer, contact=contact
    )
    AuditEvent.objects.create(entity_id=entity.pk, action="sign_in", summary=f"{name} signed in")
    return entity


@pytest.fixture
def two_companies(db):
    return company("Northwind"), company("ACME")


@pytest.fixture
def company_admin(two_companies):
    """A Northwind user with every admin permission there is, but not a superuser."""
    northwind, _ = two_companies
    user = UserFactory(username="nw-admin", is_staff=True)
    user.user_permissions.set(Permission.objects.all())
    ResourceFactory(user=user, entity=northwind)
    return user


@pytest.fixture
def admin_client(client, company_admin):
    client.force_login(company_admin)
    return client


def registered():
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def entity_of(obj, path: str) -> int:
    value = obj
    for part in path.split("__"):
        value = getattr(value, part)
    return value if isinstance(value, int) else value.pk


def request_for(user):
    from crm.models import Resource

    request = RequestFactory().get("/admin/")
    request.user = user
    resource = Resource.objects.filter(user=user).select_related("entity").first()
    request.entity = resource.entity if resource else None
    return request


@pytest.mark.parametrize("model_name", [m._meta.label for m, _ in registered()])
def test_every_registered_model_shows_only_the_own_company(
    model_name, admin_client, company_admin, two_companies
):
    northwind, acme = two_companies
    model, model_admin = next((m, a) for m, a in registered() if m._meta.label == model_name)
    opts = model._meta
    path = entity_path(model)
    changelist = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))

    if path is None:  # belongs to no company: not for company admins at all
        assert changelist.status_code == 403
        return
    assert changelist.status_code == 200
    shown = list(changelist.context["cl"].queryset)
    assert shown, f"{model_name}: the own company's rows are listed"
    assert {entity_of(obj, path) for obj in shown} == {northwind.pk}

    searched = admin_client.get(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"), {"q": "ACME"}
    )
    assert all(entity_of(obj, path) == northwind.pk for obj in searched.context["cl"].queryset)

    for spec in changelist.context["cl"].filter_specs:  # list-filter choices
        choices = " ".join(str(choice) for choice in getattr(spec, "lookup_choices", []))
        assert "ACME" not in choices, f"{model_name}: filter {spec.title} offers {choices}"

    request = request_for(company_admin)  # what the autocomplete view runs
    results, _ = model_admin.get_search_results(request, model_admin.get_queryset(request), "ACME")
    assert all(entity_of(obj, path) == northwind.pk for obj in results)

    theirs = model._default_manager.filter(**{path: acme.pk}).first()
    if theirs is not None:
        page = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[theirs.pk]))
        assert page.status_code == 302  # "doesn't exist", back to the index

    if model_admin.has_add_permission(request):
        form = (
            admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
            .context["adminform"]
            .form
        )
        for name, field in form.fields.items():
            if hasattr(field, "queryset"):
                offered = list(field.queryset)
                rel_path = entity_path(field.queryset.model)
                assert rel_path is not None, f"{model_name}.{name} offers rows of no company"
                assert all(entity_of(obj, rel_path) == northwind.pk for obj in offered), (
                    f"{model_name}.{name}"
                )


def test_a_company_admin_cannot_move_staff_to_another_company(admin_client, two_companies):
    northwind, acme = two_companies
    staff = Resource.objects.get(entity=northwind, display_name="Northwind staff")
    url = reverse("admin:crm_resource_change", args=[staff.pk])
    response = admin_client.post(
        url, {"user": staff.user.pk, "entity": acme.pk, "display_name": staff.display_name}
    )
    assert response.status_code == 200  # the form refuses the choice
    staff.refresh_from_db()
    assert staff.entity == northwind


def test_a_company_admin_cannot_make_anyone_a_superuser(admin_client, company_admin, two_companies):
    url = reverse("admin:auth_user_change", args=[company_admin.pk])
    form = admin_client.get(url).context["adminform"].form
    assert "is_superuser" not in form.fields and "user_permissions" not in form.fields


def test_the_other_companys_customers_are_not_found(admin_client, two_companies):
    response = admin_client.get("/admin/crm/customer/", {"q": "ACME"})
    assert "ACME customer" not in response.content.decode()
    assert admin_client.get("/admin/crm/resource/").content.decode().count("ACME staff") == 0


def test_groups_are_for_superusers_only(admin_client):
    Group.objects.create(name="Everyone")
    assert admin_client.get("/admin/auth/group/").status_code == 403
