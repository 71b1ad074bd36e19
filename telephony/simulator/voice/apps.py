from django.apps import AppConfig


class SimVoiceConfig(AppConfig):
    name = "telephony.simulator.voice"
    label = "sim_voice"
    verbose_name = "Simulator: voice"

    def ready(self) -> None:
        from telephony.simulator.platform.signals import simulator_reset

        simulator_reset.connect(_on_reset, dispatch_uid="sim-voice-reset")


def _on_reset(sender, **kwargs) -> None:
    from .views_sim import reset_voice

    reset_voice()
