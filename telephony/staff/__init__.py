"""Staff & RingCentral: the company admin's page for the RingCentral checkbox and the extension
mapping on each staff member's resource record (instead of Django admin)."""
