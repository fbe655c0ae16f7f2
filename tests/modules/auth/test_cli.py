"""`orion users create-superuser`: the first platform operator, from the command line."""

from __future__ import annotations

import os
import subprocess
import sys

from typer.testing import CliRunner

from orion.modules.auth.cli import app
from tests.helpers import unique_email
from tests.modules.auth.helpers import LOGIN, ME, bearer, stored_user

PASSWORD = "Operator-Pass-1"


def cli_env(runtime) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("ORION_") or key.startswith("ORION_TEST_")
    }
    env.update(ORION_DATABASE_URL=runtime.settings.database_url, ORION_LOG_JSON="false")
    return env


def test_orion_users_create_superuser_makes_an_operator_who_can_sign_in(runtime, client):
    email = unique_email("root")

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "orion.cli",
            "users",
            "create-superuser",
            "--email",
            email,
            "--password",
            PASSWORD,
        ],
        env=cli_env(runtime),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert f"superuser {email} created" in result.stdout
    tokens = client.post(LOGIN, data={"username": email, "password": PASSWORD}).json()
    me = client.get(ME, headers=bearer(tokens["access_token"])).json()
    assert me["is_superadmin"] is True


def test_the_password_is_prompted_for_hidden_when_not_given(runtime):
    email = unique_email("prompted")

    result = CliRunner().invoke(
        app,
        ["create-superuser", "--email", email],
        input=f"{PASSWORD}\n{PASSWORD}\n",
        env=cli_env(runtime),
    )

    assert result.exit_code == 0, result.output
    assert "Password" in result.output
    assert PASSWORD not in result.output
    assert stored_user(runtime, email).is_superadmin


def test_a_weak_password_or_a_taken_email_fails_with_the_reason(runtime, make_user):
    taken, _ = make_user()
    runner = CliRunner()

    weak = runner.invoke(
        app,
        ["create-superuser", "--email", unique_email(), "--password", "short"],
        env=cli_env(runtime),
    )
    duplicate = runner.invoke(
        app,
        ["create-superuser", "--email", taken.email, "--password", PASSWORD],
        env=cli_env(runtime),
    )

    assert weak.exit_code == 1
    assert "too weak" in weak.output
    assert duplicate.exit_code == 1
    assert "already exists" in duplicate.output
