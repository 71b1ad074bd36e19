from django.apps import AppConfig


class TelephonyConfig(AppConfig):
    name = "telephony"
    verbose_name = "Telephony"

    def ready(self) -> None:
        # Imported here, not at the top: the registrations below need the app registry ready.
        from crm import demo
        from telephony.connect import demo as connect_demo
        from telephony.connect import signals  # noqa: F401  (the resource checkbox)
        from telephony.connect.status import phone_versions
        from telephony.ingest import events
        from telephony.live import (
            consumers,
            sessions,  # noqa: F401  (sessions that end close their sockets)
        )
        from telephony.outbound.dialling import claim_dialled_call
        from telephony.transfer import wizard_hooks as transfer_hooks
        from telephony.wizard import composer, matching, popup

        _register(events.call_listeners, popup.call_changed)
        _register(events.call_listeners, matching.match_unpopped_call)
        _register(events.call_claimers, claim_dialled_call)
        _register(events.call_listeners, transfer_hooks.call_changed)
        _register(composer.context_providers, transfer_hooks.wizard_context)
        _register(demo.demo_seeders, connect_demo.seed_demo_ringcentral)
        _register(consumers.heartbeat_providers, phone_versions)
        _register(consumers.heartbeat_providers, composer.live_call_versions)


def _register(registry: list, hook) -> None:
    if hook not in registry:
        registry.append(hook)
