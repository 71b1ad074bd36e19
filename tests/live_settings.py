"""Settings for the daphne process that `tests/live_server.py` starts.

Exactly the project's settings, except that the default database is the test database the
pytest process created (Django's test runner makes the same switch inside its own process).
"""

import os

from arcadium.settings import *  # noqa: F403
from arcadium.settings import DATABASES

DATABASES["default"]["NAME"] = os.environ["ARCADIUM_LIVE_TEST_DB_NAME"]
