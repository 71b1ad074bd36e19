"""The audit log: who did what security-relevant thing, when and from where. Lowest layer: it
imports no app of ours; crm tells it how to find a user's company (`set_entity_resolver`)."""
