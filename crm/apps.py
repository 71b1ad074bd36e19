from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = "CRM"

    def ready(self) -> None:
        # Models and services are importable only once the app registry is ready.
        from arcadium.audit.services import set_entity_resolver

        set_entity_resolver(_entity_id_of_user)


def _entity_id_of_user(user) -> int | None:
    # Called after start-up only; importing models at module level would run before the registry.
    from crm.models import Resource

    return Resource.objects.filter(user=user).values_list("entity_id", flat=True).first()
