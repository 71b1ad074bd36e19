from django.apps import AppConfig


class TelephonyConfig(AppConfig):
    name = "telephony"
    verbose_name = "Telephony"

    def ready(self) -> None:
        from telephony import events, presence, signals, wizard  # noqa: F401  (signals: the resource checkbox)

        for listener in (wizard.call_changed, presence.match_unrung_call):
            if listener not in events.call_listeners:
                events.call_listeners.append(listener)
