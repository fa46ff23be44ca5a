"""A database that goes away (a PostgreSQL restart, a dropped connection) gives a 503 with
Retry-After and a page that says what happened, never a 500; the next request works again."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import OperationalError
from django.test import Client


def _down(self: BaseDatabaseWrapper) -> None:
    raise OperationalError("connection to server on socket failed: No such file or directory")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/scenarios/", "/scenarios/s3-cross-account-upload/", "/quiz/", "POST /classroom/join/"])
def test_a_database_that_is_down_is_a_503_with_retry_after(path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    client = Client(raise_request_exception=False)
    connection.close()
    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", _down)
    if path.startswith("POST "):
        response = client.post(path[5:], {"code": "ABCDEF", "display_name": "Ada"})
    else:
        response = client.get(path)
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert "The database did not answer" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_an_unrelated_error_is_still_a_500(monkeypatch: pytest.MonkeyPatch) -> None:
    from kmslab import views

    def boom(request):  # type: ignore[no-untyped-def]
        raise RuntimeError("not the database")

    monkeypatch.setattr(views, "render", boom)
    response = Client(raise_request_exception=False).get("/")
    assert response.status_code == 500


@pytest.mark.django_db(transaction=True)
def test_a_dropped_postgresql_connection_is_a_503_then_recovers() -> None:
    """The server ends our session (as a restart does); the request on the dead connection is a
    503, and the next one reconnects."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (make test runs this file again on PostgreSQL)")
    from scenarios.loader import load_scenarios

    load_scenarios()
    client = Client(raise_request_exception=False)
    assert client.get("/scenarios/").status_code == 200
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    import psycopg

    params = connection.get_connection_params()
    with psycopg.connect(**{k: v for k, v in params.items() if k in {"host", "port", "dbname", "user", "password"}},
                         autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    response = client.get("/scenarios/")
    assert response.status_code in {200, 503}  # 200 when the health check reconnected first
    if response.status_code == 503:
        assert response["Retry-After"]
    assert client.get("/scenarios/").status_code == 200
