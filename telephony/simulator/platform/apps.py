from django.apps import AppConfig


class SimPlatformConfig(AppConfig):
    name = "telephony.simulator.platform"
    label = "sim_platform"
    verbose_name = "Simulator: platform"
