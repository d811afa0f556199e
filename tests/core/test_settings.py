import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENV_READ = re.compile(
    r"""(?:env_(?:str|bool|int|list)|os\.environ\.get|os\.getenv)\(\s*["']([A-Z][A-Z0-9_]+)["']"""
)


def _variables_read_by_the_code():
    names = set()
    for path in (ROOT / "src").rglob("*.py"):
        names.update(ENV_READ.findall(path.read_text(encoding="utf-8")))
    return names


def test_the_code_reads_its_settings_from_the_environment():
    assert {
        "DATABASE_URL",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "DID_STORE",
    } <= _variables_read_by_the_code()


def test_every_environment_variable_is_documented():
    documented = set(
        re.findall(r"`([A-Z][A-Z0-9_]+)`", (ROOT / "docs/configuration.md").read_text())
    )
    missing = sorted(_variables_read_by_the_code() - documented)
    assert missing == [], f"add these to docs/configuration.md: {missing}"


def _start(env_overrides):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "DEBUG"}
    }
    env.update(env_overrides)
    env["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


GOOD_PRODUCTION = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "x" * 64,
    "FIELD_ENCRYPTION_KEYS": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
    "AUDIT_SEAL_KEY": "a-separate-random-audit-seal-key-0123456789",
    "ALLOWED_HOSTS": "did.example.nhs.uk",
    "DATABASE_URL": "postgres://did@127.0.0.1/did",
    "STORE_BACKEND": "local",
    "DID_STORE": "/srv/did/store",
    "EMAIL_DELIVERY": "smtp",
    "PORTAL_BASE_URL": "https://did.example.nhs.uk",
    "TRUSTED_PROXY_COUNT": "1",
    "SERVICE_DESK_EMAIL": "did.servicedesk@example.nhs.uk",
}


def test_production_settings_start_when_everything_is_given():
    result = _start(GOOD_PRODUCTION)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "missing",
    [
        "SECRET_KEY",
        "FIELD_ENCRYPTION_KEYS",
        "AUDIT_SEAL_KEY",
        "ALLOWED_HOSTS",
        "DATABASE_URL",
        "STORE_BACKEND",
        "DID_STORE",
        "EMAIL_DELIVERY",
        "TRUSTED_PROXY_COUNT",
    ],
)
def test_production_refuses_to_start_without_a_required_setting(missing):
    env = {k: v for k, v in GOOD_PRODUCTION.items() if k != missing}
    result = _start(env)
    assert result.returncode != 0
    assert missing in result.stderr
    assert "docs/configuration.md" in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "complaint"),
    [
        ("SECRET_KEY", "short", "SECRET_KEY must be a random value"),
        ("FIELD_ENCRYPTION_KEYS", "not-a-key", "FIELD_ENCRYPTION_KEYS must be Fernet keys"),
        ("AUDIT_SEAL_KEY", "short", "AUDIT_SEAL_KEY must be a random value of its own"),
        ("DEBUG", "true", "DEBUG must be false"),
        ("ALLOWED_HOSTS", "*", "ALLOWED_HOSTS must name"),
        ("EMAIL_DELIVERY", "outbox", "EMAIL_DELIVERY=outbox is for development"),
        ("DEBUG", "maybe", "DEBUG must be true or false"),
        ("STORE_BACKEND", "ftp", "STORE_BACKEND must be local or s3"),
        # M6: production accepted SQLite and insecure transport settings.
        ("DATABASE_URL", "sqlite:////tmp/portal.sqlite3", "must name a PostgreSQL database"),
        ("SECURE_COOKIES", "false", "SECURE_COOKIES must be true"),
        ("SECURE_SSL_REDIRECT", "false", "SECURE_SSL_REDIRECT must be true"),
        ("SECURE_HSTS_SECONDS", "0", "SECURE_HSTS_SECONDS must be at least 31536000"),
    ],
)
def test_production_refuses_unsafe_values(name, value, complaint):
    result = _start({**GOOD_PRODUCTION, name: value})
    assert result.returncode != 0
    assert complaint in result.stderr


S3_PRODUCTION = {
    **{k: v for k, v in GOOD_PRODUCTION.items() if k != "DID_STORE"},
    "STORE_BACKEND": "s3",
    "STORE_S3_BUCKET": "did-store",
    "STORE_S3_REGION": "eu-west-2",
}


def test_production_on_object_storage_needs_no_store_folder():
    result = _start(S3_PRODUCTION)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("missing", ["STORE_S3_BUCKET", "STORE_S3_REGION"])
def test_production_on_object_storage_refuses_to_start_without_its_bucket_or_region(missing):
    result = _start({k: v for k, v in S3_PRODUCTION.items() if k != missing})
    assert result.returncode != 0
    assert missing in result.stderr


def test_object_storage_refuses_uploads_larger_than_one_server_side_copy():
    result = _start({**S3_PRODUCTION, "SUBMISSIONS_MAX_UPLOAD_BYTES": "6000000000"})
    assert "SUBMISSIONS_MAX_UPLOAD_BYTES must be at most 5000000000" in result.stderr


def test_development_has_safe_defaults_without_any_variable():
    result = _start({"DJANGO_ENV": "development"})
    assert result.returncode == 0, result.stderr


def test_cookies_are_secure_and_http_only_in_production():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY)"
    )
    env = {**os.environ, **GOOD_PRODUCTION, "DJANGO_SETTINGS_MODULE": "portal.settings"}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == ["True", "True", "True"], result.stderr


def test_production_hashes_passwords_with_argon2():
    """The suite hashes with MD5 for speed (tests/conftest.py); the service itself must not."""
    code = (
        "import django; django.setup(); "
        "from django.contrib.auth.hashers import get_hasher, make_password; "
        "print(get_hasher().algorithm, make_password('a long test password').split('$')[0])"
    )
    env = {**os.environ, **GOOD_PRODUCTION, "DJANGO_SETTINGS_MODULE": "portal.settings"}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == ["argon2", "argon2"], result.stderr


def test_load_demo_refuses_to_run_in_production(db, monkeypatch):
    """M6: load_demo made an active service-desk account whose password and TOTP secret are
    in the source, with DJANGO_ENV=production."""
    from django.core.management import CommandError, call_command

    from portal.accounts.models import User
    from portal.core.management.commands import load_demo

    monkeypatch.setattr(load_demo, "PRODUCTION", True)
    with pytest.raises(CommandError, match="does not run with DJANGO_ENV=production"):
        call_command("load_demo")
    assert not User.objects.exists()
