from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "telephony.insights"
    label = "insights"
    verbose_name = "Call insights"

    def ready(self) -> None:
        # Imported here, not at the top: the views import models, which need the registry ready.
        from crm.tabs import account_tab_providers
        from telephony.insights import views

        if views.account_tabs not in account_tab_providers:
            account_tab_providers.append(views.account_tabs)
