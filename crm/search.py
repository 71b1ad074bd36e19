"""Customer search: by name, account number or any phone number typed in any format."""

from django.db.models import Q, QuerySet

from crm.models import Customer, Entity, PhoneNumber
from crm.numbers import try_normalize


def search_customers(*, entity: Entity, query: str, include_inactive: bool = False) -> QuerySet[Customer]:
    customers = Customer.objects.for_entity(entity)
    if not include_inactive:
        customers = customers.filter(is_active=True)
    query = (query or "").strip()
    if not query:
        return customers
    condition = Q(name__icontains=query) | Q(account_number__iexact=query)
    phone = try_normalize(query, entity.default_region) if sum(c.isdigit() for c in query) >= 6 else None
    if phone is not None:
        owners = PhoneNumber.objects.filter(entity=entity, e164=phone.e164)
        condition |= Q(pk__in=owners.filter(customer__isnull=False).values("customer_id"))
        condition |= Q(pk__in=owners.filter(contact__isnull=False).values("contact__customer_id"))
    return customers.filter(condition)
