from django.apps import AppConfig


class TelephonyConfig(AppConfig):
    name = "telephony"
    verbose_name = "Telephony"

    def ready(self) -> None:
        from telephony import events, signals, wizard  # noqa: F401  (signals: the resource checkbox)

        if wizard.call_changed not in events.call_listeners:
            events.call_listeners.append(wizard.call_changed)
