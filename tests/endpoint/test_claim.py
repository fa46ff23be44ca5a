"""A learner's CLI lab follows them when they log in: same keys, same objects, still decrypting."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from kmslab.endpoint import credentials
from kmslab.endpoint.models import AccessKey, Lab
from scenarios.loader import load_scenarios
from scenarios.models import Scenario

SLUG = "s3-cross-account-upload"
PASSWORD = "a-long-test-password-1"


def login(client: Client, name: str) -> int:
    user = get_user_model().objects.create_user(name, password=PASSWORD)
    assert client.post("/accounts/login/", {"username": name, "password": PASSWORD}).status_code == 302
    return int(user.pk)


@pytest.mark.django_db
def test_an_anonymous_lab_moves_to_the_account_with_its_keys() -> None:
    load_scenarios()
    client = Client()
    client.get(f"/scenarios/{SLUG}/")
    config = client.get(f"/scenarios/{SLUG}/aws-config").content.decode()
    lab = Lab.objects.get(scenario__slug=SLUG)
    assert lab.learner_key.startswith("anon:")
    key = AccessKey.objects.filter(lab=lab).first()
    assert key is not None and key.access_key_id in config
    secret = credentials.secret_for(key)
    uid = login(client, "lena")
    lab.refresh_from_db()
    assert lab.learner_key == f"user:{uid}"
    key.refresh_from_db()
    assert credentials.secret_for(key) == secret  # the downloaded config keeps working
    after = client.get(f"/scenarios/{SLUG}/aws-config").content.decode()
    assert key.access_key_id in after and secret in after


@pytest.mark.django_db
def test_the_accounts_own_lab_wins_over_an_anonymous_one() -> None:
    load_scenarios()
    scenario = Scenario.objects.get(slug=SLUG)
    user = get_user_model().objects.create_user("mira", password=PASSWORD)
    own = Lab.objects.create(learner_key=f"user:{user.pk}", scenario=scenario)
    client = Client()
    client.get(f"/scenarios/{SLUG}/")
    client.get(f"/scenarios/{SLUG}/aws-config")
    anon = Lab.objects.exclude(pk=own.pk).get(scenario=scenario)
    assert client.post("/accounts/login/", {"username": "mira", "password": PASSWORD}).status_code == 302
    assert list(Lab.objects.filter(scenario=scenario).values_list("pk", flat=True)) == [own.pk]
    assert not Lab.objects.filter(pk=anon.pk).exists()
