"""Work done anonymously in a scenario follows the learner when they log in."""

import pytest
from django.contrib.auth import get_user_model

from scenarios.loader import load_scenarios
from scenarios.models import Progress


@pytest.mark.django_db
def test_scenario_progress_is_claimed_on_login(client):
    load_scenarios()
    slug = "s3-cross-account-upload"
    client.post(f"/scenarios/{slug}/simulate/", {"key_policy": "{}", "iam_policy": "{}"})
    anon = Progress.objects.get(scenario__slug=slug)
    assert anon.learner_key.startswith("anon:")
    user = get_user_model().objects.create_user("lena", password="a-long-test-password-1")
    assert client.post("/accounts/login/", {"username": "lena", "password": "a-long-test-password-1"}).status_code == 302
    assert Progress.objects.get(scenario__slug=slug).learner_key == f"user:{user.pk}"
