#!/usr/bin/env python
import os
import sys
from pathlib import Path

# Set by a deployment; any one of them means "configured", and the settings stay strict.
DEPLOYMENT_VARIABLES = ("DEBUG", "SECRET_KEY", "SECRET_KEY_FILE", "ALLOWED_HOSTS")


def development_default() -> None:
    """`python manage.py …` in a git checkout with nothing configured is development (DEBUG=1), so
    the README's commands work in any terminal. The image has no .git and production sets its
    secrets, so there a missing secret still stops start-up; daphne and celery never come here."""
    checkout = (Path(__file__).resolve().parent / ".git").exists()
    if checkout and not any(name in os.environ for name in DEPLOYMENT_VARIABLES):
        os.environ["DEBUG"] = "1"


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arcadium.settings")
    development_default()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
