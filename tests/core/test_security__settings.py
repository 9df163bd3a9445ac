"""The security baseline: production refuses to start without a secret key, passes
``check --deploy`` under its environment variables, and sign-in locks after repeated
failures (django-axes)."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY

from tests.factories import PASSWORD, UserFactory

BASE_DIR = Path(settings.BASE_DIR)


def run(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    """Run Python in a clean environment (nothing inherited but PATH), in the project."""
    clean = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "PYTHONDONTWRITEBYTECODE": "1",
        **env,
    }
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def production_env(tmp_path) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "assurance.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
    }


def test_production_without_a_secret_key_refuses_to_start(production_env, tmp_path):
    del production_env["DJANGO_SECRET_KEY"]
    result = run(["-c", "import config.settings"], production_env, tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_with_an_empty_secret_key_refuses_to_start(production_env, tmp_path):
    production_env["DJANGO_SECRET_KEY"] = ""
    result = run(["-c", "import config.settings"], production_env, tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


def test_development_starts_without_any_variables(tmp_path):
    result = run(
        ["-c", "import config.settings as s; print(s.DEBUG)"],
        {"DJANGO_SETTINGS_MODULE": "config.settings"},
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_check_deploy_is_clean_under_production_variables(production_env, tmp_path):
    # As the README's production install: collectstatic first (check --deploy verifies
    # the collected static files: core.checks).
    production_env["STATIC_ROOT"] = str(tmp_path / "static")
    collect = run(["manage.py", "collectstatic", "--noinput"], production_env, tmp_path)
    assert collect.returncode == 0, collect.stdout + collect.stderr
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env, tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_fails_before_collectstatic(production_env, tmp_path):
    production_env["STATIC_ROOT"] = str(tmp_path / "static")
    result = run(["manage.py", "check", "--deploy"], production_env, tmp_path)
    assert result.returncode != 0
    assert "core.E001" in result.stderr


def test_production_settings_are_hardened(production_env, tmp_path):
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({k: getattr(s, k) for k in ["
        "'DEBUG', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_SSL_REDIRECT', "
        "'SESSION_COOKIE_HTTPONLY', 'SECURE_HSTS_SECONDS', 'ALLOWED_HOSTS', "
        "'SESSION_COOKIE_AGE', 'EMAIL_BACKEND']}))"
    )
    result = run(["-c", code], production_env, tmp_path)
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout)
    assert got["DEBUG"] is False
    assert got["SESSION_COOKIE_SECURE"] is True
    assert got["CSRF_COOKIE_SECURE"] is True
    assert got["SECURE_SSL_REDIRECT"] is True
    assert got["SESSION_COOKIE_HTTPONLY"] is True
    assert got["SECURE_HSTS_SECONDS"] >= 31536000
    assert got["ALLOWED_HOSTS"] == ["assurance.example.org"]
    assert got["SESSION_COOKIE_AGE"] <= 8 * 60 * 60
    assert got["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"


def test_password_validators_refuse_a_short_common_password():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password("password1")
    validate_password(PASSWORD)  # the demo password is long enough


# -- login lockout (django-axes, through the real sign-in form) ---------------------------
def sign_in(client, username: str, password: str):
    return client.post(
        "/sign-in/", {"username": username, "password": password}, REMOTE_ADDR="203.0.113.7"
    )


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")


def test_sign_in_works_with_the_right_password(client, alice):
    response = sign_in(client, "alice", PASSWORD)
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(alice.pk)


def test_a_wrong_password_shows_the_form_again(client, alice):
    response = sign_in(client, "alice", "wrong-password")
    assert response.status_code == 200
    assert response.context["form"].errors
    assert SESSION_KEY not in client.session


def test_sign_in_locks_after_the_failure_limit(client, alice, settings):
    limit = settings.AXES_FAILURE_LIMIT
    assert limit >= 3
    for _ in range(limit - 1):
        assert sign_in(client, "alice", "wrong-password").status_code == 200
    locked = sign_in(client, "alice", "wrong-password")
    assert locked.status_code in (403, 429)
    # now even the right password is refused
    response = sign_in(client, "alice", PASSWORD)
    assert response.status_code in (403, 429)
    assert SESSION_KEY not in client.session
    assert "registration/locked_out.html" in [t.name for t in response.templates]


def test_fewer_failures_than_the_limit_do_not_lock(client, alice, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "alice", "wrong-password")
    assert sign_in(client, "alice", PASSWORD).status_code == 302


def test_the_lock_is_per_username_and_address(client, alice, settings):
    bob = UserFactory(username="bob")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "alice", "wrong-password")
    other = type(client)()
    response = sign_in(other, "bob", PASSWORD)
    assert response.status_code == 302
    assert other.session[SESSION_KEY] == str(bob.pk)
