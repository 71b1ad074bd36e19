"""Names vulture cannot see used (Django calls them by convention); each with the reason."""
