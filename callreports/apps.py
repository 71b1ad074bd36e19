from django.apps import AppConfig


class CallreportsConfig(AppConfig):
    name = "callreports"
    verbose_name = "Call reports"
