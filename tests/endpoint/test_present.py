"""The panel's ready-to-paste commands, per step of every shipped scenario."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from kmslab.endpoint.present import commands
from scenarios.models import Scenario

pytestmark = pytest.mark.django_db


@pytest.fixture
def specs() -> dict[str, object]:
    call_command("loadscenarios", stdout=io.StringIO())
    return {s.slug: s.spec() for s in Scenario.objects.all()}


def test_present_s3_steps_are_s3_cp_commands(specs: dict[str, object]) -> None:
    cmds = commands(specs["s3-cross-account-upload"])  # type: ignore[arg-type]
    assert cmds[0].cli == ("aws --profile kmslab-bob s3 cp report.csv s3://account-a-reports/report.csv --sse aws:kms "
                           "--sse-kms-key-id arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab")
    assert cmds[1].cli == "aws --profile kmslab-analyst s3 cp s3://account-a-reports/report.csv ./report.csv"
    assert cmds[0].boto3.startswith('boto3.Session(profile_name="kmslab-bob").client("s3").put_object(')


def test_present_ec2_steps_use_cli_flags(specs: dict[str, object]) -> None:
    cmds = commands(specs["ebs-snapshot-sharing"])  # type: ignore[arg-type]
    assert "--encrypted" in cmds[0].cli and "True" not in cmds[0].cli and "--availability-zone us-east-1a" in cmds[0].cli
    assert "--user-ids 111111111111" in cmds[2].cli and "--volume-id '<VolumeId from step 1>'" in cmds[1].cli
    assert "--source-region us-east-1" in cmds[3].cli


def test_present_every_shipped_step_has_commands(specs: dict[str, object]) -> None:
    for slug, spec in specs.items():
        for c in commands(spec):  # type: ignore[arg-type]
            assert c.cli.startswith("aws --profile kmslab-") and "boto3.Session(" in c.boto3, slug


def test_present_skips_steps_an_aws_service_makes_as_itself(specs: dict[str, object]) -> None:
    assert commands(specs["centralized-cloudtrail"]) == []  # type: ignore[arg-type]
