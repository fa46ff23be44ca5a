"""The client address behind the join rate limit."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from pytest_django.fixtures import Settings as SettingsWrapper

from kmslab.classroom import ratelimit


def test_client_address_ignores_forwarded_headers_unless_trusted(rf: RequestFactory) -> None:
    request = rf.post("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert ratelimit.client_address(request) == "10.0.0.1"  # a forged header changes nothing


def test_client_address_uses_the_trusted_proxy_header(rf: RequestFactory, settings: SettingsWrapper) -> None:
    settings.CLASSROOM_TRUSTED_PROXY_HOPS = 1
    settings.CLASSROOM_TRUSTED_PROXY_HEADER = "HTTP_X_REAL_IP"
    request = rf.post("/", REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="1.2.3.4")
    assert ratelimit.client_address(request) == "1.2.3.4"


@pytest.mark.django_db
def test_retry_after_counts_down_from_the_oldest_counted_failure(settings: SettingsWrapper) -> None:
    settings.CLASSROOM_JOIN_MAX_FAILURES = 2
    settings.CLASSROOM_JOIN_WINDOW_SECONDS = 600
    ratelimit.record("c", succeeded=False)
    assert ratelimit.retry_after("c") == 0
    ratelimit.record("c", succeeded=False)
    assert 590 <= ratelimit.retry_after("c") <= 601
    assert ratelimit.retry_after("other") == 0
