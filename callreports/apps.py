from django.apps import AppConfig


class CallreportsConfig(AppConfig):
    name = "callreports"
    verbose_name = "Call reports"

    def ready(self) -> None:
        # Imported here, not at the top: these modules import models, which need the registry ready.
        from callreports import views, views_actions, wizard_notes
        from crm.tabs import account_tab_providers
        from telephony.wizard.composer import context_providers

        for registry, hook in (
            (account_tab_providers, views.account_tabs),
            (account_tab_providers, views_actions.account_tabs),
            (context_providers, wizard_notes.wizard_note_context),
        ):
            if hook not in registry:
                registry.append(hook)
