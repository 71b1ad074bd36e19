import factory
from django.contrib.auth import get_user_model

from crm.models import Contact, Customer, Entity, PhoneNumber, Resource


class EntityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Entity

    name = factory.Sequence(lambda n: f"Company {n}")
    default_region = "US"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource

    user = factory.SubFactory(UserFactory)
    entity = factory.SubFactory(EntityFactory)
    display_name = factory.LazyAttribute(lambda r: r.user.username.title())


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    entity = factory.SubFactory(EntityFactory)
    name = factory.Sequence(lambda n: f"Customer {n}")
    account_number = factory.Sequence(lambda n: f"A-{n:05d}")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    entity = factory.LazyAttribute(lambda c: c.customer.entity)
    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = "Person"


class PhoneNumberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PhoneNumber

    entity = factory.LazyAttribute(lambda p: (p.customer or p.contact).entity)
    customer = None
    contact = None
    label = "main"
    raw = "(212) 555-0100"
