from django.apps import AppConfig


class CallbacksConfig(AppConfig):
    name = "telephony.callbacks"
    label = "callbacks"
    verbose_name = "Callbacks"

    def ready(self) -> None:
        # Imported here, not at the top: the registrations below need the app registry ready.
        from telephony.callbacks import live, queue, synced, voicemail_events, wizard_link
        from telephony.history import sync
        from telephony.ingest import events
        from telephony.live import consumers
        from telephony.wizard import composer

        _register(events.call_listeners, queue.call_changed)
        _register(sync.synced_listeners, synced.calls_synced)
        _register(events.notification_listeners, voicemail_events.notification_received)
        _register(consumers.heartbeat_providers, live.queue_version)
        _register(composer.context_providers, wizard_link.wizard_context)


def _register(registry: list, hook) -> None:
    if hook not in registry:
        registry.append(hook)
