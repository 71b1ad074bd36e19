from django.apps import AppConfig


class CallreportsConfig(AppConfig):
    name = "callreports"
    verbose_name = "Call reports"

    def ready(self) -> None:
        # Imported here, not at the top: these modules import models, which need the registry ready.
        from callreports import views, views_actions, wizard_notes
        from crm.tabs import account_tab_providers
        from telephony.wizard.composer import context_providers

        for tabs in (views.account_tabs, views_actions.account_tabs):
            if tabs not in account_tab_providers:
                account_tab_providers.append(tabs)
        if wizard_notes.wizard_note_context not in context_providers:
            context_providers.append(wizard_notes.wizard_note_context)
