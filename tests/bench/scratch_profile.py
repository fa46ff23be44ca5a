import cProfile, io, json, pstats, time
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from botocore.credentials import Credentials
from kmslab.endpoint import credentials
from scenarios import progress
from scenarios.models import Scenario
from tests.endpoint.test_cli_s3 import KEY_ARN
from tests.endpoint.test_wire import kms


def test_profile(db):
    call_command("loadscenarios", stdout=io.StringIO())
    scenario = Scenario.objects.get(slug="s3-cross-account-upload")
    progress.record_attempt("anon:bench", scenario, dict(scenario.spec().solution), None)
    lab = credentials.lab_for("anon:bench", scenario)
    bob = next(p for p in credentials.profiles(lab, scenario.spec()) if p.principal == "bob")
    creds = Credentials(bob.access_key_id, bob.secret)
    body = json.dumps({"KeyId": KEY_ARN, "KeySpec": "AES_256"}).encode()
    for _ in range(3):
        assert kms("GenerateDataKey", body, creds).status_code == 200
    with CaptureQueriesContext(connection) as q:
        kms("GenerateDataKey", body, creds)
    print("QUERIES", len(q.captured_queries))
    for x in q.captured_queries:
        print("  ", x["sql"][:160])
    t = time.perf_counter()
    for _ in range(20):
        kms("GenerateDataKey", body, creds)
    print("MS/CALL", (time.perf_counter() - t) / 20 * 1000)
    pr = cProfile.Profile()
    pr.enable()
    for _ in range(20):
        kms("GenerateDataKey", body, creds)
    pr.disable()
    s = io.StringIO()
    pstats.Stats(pr, stream=s).sort_stats("cumulative").print_stats(60)
    print(s.getvalue())
