"""schemathesis over the server's own OpenAPI, against a real ``habit-server`` process on PostgreSQL and Redis.

Every operation gets a bounded number of generated requests (valid and invalid ones), sent with a
real access token of an admin account. The test asserts that no answer is a server error (5xx) and
that every status answered is one the operation documents.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from sync_protocol.domain.ids import uuid7
from tests.server.support import PASSWORD
from tests.server.test_server_processes import server_env, server_output, serving

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]

CASES_PER_OPERATION = 12
"""About 300 requests in all over the API's operations."""

SKIPPED = {("GET", "/api/v1/sync/stream")}
"""The event stream never ends by design; tests/server/test_server_sync.py covers it."""

LAST = ("/security/logout", "/users/me", "/devices/")
"""Operations that end the session or the account run after the others (and each one gets a fresh token)."""


@pytest.fixture
def server(pg_url: str, redis_url: str, redis_prefix: str) -> Iterator[tuple[str, dict[str, str]]]:
    env = server_env(
        DATABASE_URL=pg_url,
        REDIS_URL=redis_url,
        HABIT_REDIS_PREFIX=redis_prefix + "fuzz:",
        LOGIN_ATTEMPTS_PER_MINUTE="0",
    )
    with serving(env) as (base, proc):
        yield base, env
        if proc.returncode not in (0, -15):
            print(server_output(proc)[-3000:])


def _admin(base: str, env: dict[str, str]) -> str:
    name = f"z{uuid7()[-10:]}"
    assert httpx.post(f"{base}/api/v1/users", json={"username": name, "password": PASSWORD}).status_code == 201
    cmd = [sys.executable, "-c", "from habit_server.main import main; main()", "set-role", name, "admin"]
    subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=60)
    return name


def _token(base: str, username: str) -> str:
    r = httpx.post(f"{base}/api/v1/security/token", data={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    token: str = r.json()["access_token"]
    return token


def _order(operation: Any) -> tuple[bool, str]:
    return (any(part in operation.path for part in LAST), f"{operation.path} {operation.method}")


class Findings:
    def __init__(self) -> None:
        self.sent = 0
        self.server_errors: list[str] = []
        self.undocumented: list[str] = []


def _fuzz(operation: Any, base: str, headers: dict[str, str], findings: Findings) -> None:
    """Send :data:`CASES_PER_OPERATION` generated requests (valid and invalid ones) to one operation."""
    documented = {str(code) for code in operation.definition.raw.get("responses", {})}
    strategies = [operation.as_strategy(GenerationMode.POSITIVE)]
    if operation.definition.raw.get("parameters") or operation.definition.raw.get("requestBody"):
        strategies.append(operation.as_strategy(GenerationMode.NEGATIVE))

    @settings(
        max_examples=CASES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of(*strategies))
    def run(case: Any) -> None:
        response = case.call(base_url=base, headers=headers, timeout=20)
        findings.sent += 1
        status = response.status_code
        what = f"{operation.method.upper()} {operation.path} -> {status}: {response.text[:160]}"
        if status >= 500:
            findings.server_errors.append(what)
        elif str(status) not in documented and "default" not in documented:
            findings.undocumented.append(what)

    run()


def test_fuzzing_the_openapi_finds_no_server_error_and_no_undocumented_status(
    server: tuple[str, dict[str, str]],
) -> None:
    base, env = server
    username = _admin(base, env)
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
    operations = sorted((result.ok() for result in schema.get_all_operations()), key=_order)  # type: ignore[union-attr]
    findings = Findings()
    for operation in operations:
        if (operation.method.upper(), operation.path) not in SKIPPED:
            _fuzz(operation, base, {"Authorization": f"Bearer {_token(base, username)}"}, findings)
    print(f"{findings.sent} requests over {len(operations) - len(SKIPPED)} operations")
    assert findings.sent >= 200
    errors, undocumented = sorted(set(findings.server_errors)), sorted(set(findings.undocumented))
    assert not errors, f"{len(errors)} server errors: " + "\n".join(errors[:20])
    assert not undocumented, f"{len(undocumented)} undocumented: " + "\n".join(undocumented[:30])
