from django.apps import AppConfig


class SimVoiceConfig(AppConfig):
    name = "telephony.simulator.voice"
    label = "sim_voice"
    verbose_name = "Simulator: voice"
