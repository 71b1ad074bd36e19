from django.apps import AppConfig


class SimWebPhoneConfig(AppConfig):
    name = "telephony.simulator.webphone"
    label = "sim_webphone"
    verbose_name = "Simulator: web phone (SIP over WebSocket)"

    def ready(self) -> None:
        from telephony.simulator.platform.signals import simulator_reset
        from telephony.simulator.voice import calls

        from . import dialogs

        calls.call_listeners.append(dialogs.on_call_events)
        simulator_reset.connect(dialogs.on_reset, dispatch_uid="sim-webphone-reset")
