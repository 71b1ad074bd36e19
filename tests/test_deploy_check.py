"""Production settings pass Django's deployment checklist, and missing secrets stop start-up with a
message that names the variable. Each case runs manage.py in a clean environment (no pytest-env)."""

import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FERNET_KEY = "DmTao4GElRatI7i4rL2cDM8__DKunMQuk4a60Iao9UU="


@pytest.fixture
def production_env(tmp_path) -> dict[str, str]:
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "ARCADIUM_VAR_DIR": str(tmp_path / "var"),
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "FIELD_ENCRYPTION_KEY": FERNET_KEY,
        "ALLOWED_HOSTS": "arcadium.example.com",
        "CSRF_TRUSTED_ORIGINS": "https://arcadium.example.com",
        "RINGCENTRAL_SERVER_URL": "https://platform.ringcentral.com",
    }


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_it_passes_the_deploy_checklist_with_production_settings(production_env):
    result = manage(production_env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_it_flags_a_weak_secret_key(production_env):
    production_env["SECRET_KEY"] = "short"
    result = manage(production_env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "security.W009" in result.stderr


def test_it_refuses_to_start_without_a_secret_key(production_env):
    del production_env["SECRET_KEY"]
    result = manage(production_env, "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is required when DEBUG is off" in result.stderr


def test_it_refuses_to_start_without_a_field_encryption_key(production_env):
    del production_env["FIELD_ENCRYPTION_KEY"]
    result = manage(production_env, "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured: FIELD_ENCRYPTION_KEY is required when DEBUG is off" in result.stderr


def test_it_reads_the_secret_key_from_a_mounted_file(production_env, tmp_path):
    secret_file = tmp_path / "secret_key"
    secret_file.write_text(production_env.pop("SECRET_KEY") + "\n")
    production_env["SECRET_KEY_FILE"] = str(secret_file)
    result = manage(production_env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


def test_manage_py_in_a_checkout_with_nothing_set_is_development(tmp_path):
    """The README's second-terminal commands: no DEBUG, no secrets, run from the git checkout."""
    bare = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(tmp_path), "ARCADIUM_VAR_DIR": str(tmp_path)}
    result = manage(bare, "check")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("configured", ["DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"])
def test_a_configured_deployment_still_needs_its_secrets(production_env, configured):
    """Whatever a deployment sets, the development default does not fill in its missing secrets."""
    deployment = {
        k: v for k, v in production_env.items() if k not in ("SECRET_KEY", "DEBUG", "ALLOWED_HOSTS")
    }
    deployment[configured] = production_env[configured]
    if configured == "SECRET_KEY":
        del deployment["FIELD_ENCRYPTION_KEY"]
    result = manage(deployment, "check")
    assert result.returncode != 0
    assert "is required when DEBUG is off" in result.stderr


def test_manage_py_outside_a_checkout_refuses_without_secrets(tmp_path):
    """An image (no .git, see .dockerignore) with nothing set refuses to start."""
    image = tmp_path / "app"
    image.mkdir()
    (image / "manage.py").write_bytes((ROOT / "manage.py").read_bytes())
    for name in ("arcadium", "crm", "telephony", "callreports", "templates"):
        shutil.copytree(ROOT / name, image / name, ignore=shutil.ignore_patterns("__pycache__"))
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(image)}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=image,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is required when DEBUG is off" in result.stderr


def test_it_refuses_to_start_without_a_ringcentral_server(production_env):
    del production_env["RINGCENTRAL_SERVER_URL"]
    result = manage(production_env, "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured: RINGCENTRAL_SERVER_URL is required when DEBUG is off" in result.stderr


def test_it_refuses_a_plain_http_ringcentral_server(production_env):
    production_env["RINGCENTRAL_SERVER_URL"] = "http://127.0.0.1:8001"
    result = manage(production_env, "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured: RINGCENTRAL_SERVER_URL must be an https:// URL" in result.stderr


def test_development_still_defaults_to_the_simulator(production_env):
    del production_env["RINGCENTRAL_SERVER_URL"]
    production_env["DEBUG"] = "1"
    result = manage(
        production_env,
        "shell",
        "-c",
        "from django.conf import settings; print(settings.RINGCENTRAL_SERVER_URL)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "http://127.0.0.1:8001"


def test_production_does_not_offer_the_simulator_as_a_server(production_env):
    production_env["RINGCENTRAL_SERVER_URL"] = "https://rc-gateway.example.com"
    code = (
        "from telephony.models import server_url_choices; print([label for _, label in server_url_choices()])"
    )
    result = manage(production_env, "shell", "-c", code)
    assert result.returncode == 0, result.stderr
    assert "simulator" not in result.stdout.lower()
    assert "https://rc-gateway.example.com" in result.stdout


@pytest.mark.parametrize("value", ["ten", "nan", "-1", "inf"])
def test_a_timeout_that_is_not_a_positive_number_stops_start_up_naming_it(production_env, value):
    result = manage({**production_env, "RINGCENTRAL_TIMEOUT_SECONDS": value}, "check")
    assert result.returncode != 0
    assert (
        "RINGCENTRAL_TIMEOUT_SECONDS" in result.stderr and "Traceback" not in result.stderr.splitlines()[-1]
    )
