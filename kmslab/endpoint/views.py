"""The AWS wire endpoint (`/aws`, `/aws/...`) and the scenario page's CLI panel and config file.

Responsible for the order of things on every request: cap and read the body; read the
Authorization header; find the access key (untrusted until verified); verify the SigV4
signature (kmslab.endpoint.sigv4); check the session token and the key's request budget; open
the learner's lab world; route by the credential scope's service, then X-Amz-Target (KMS),
Action= (STS) or the REST path (S3); save what changed; log the call for the API calls panel.
Every error is AWS-shaped and 4xx/5xx as AWS sends it, never a Django error page.
`/aws` is the only CSRF-exempt path: its requests are authenticated by signature, not cookies.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from urllib.parse import parse_qsl

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from kmslab.endpoint import credentials, ec2_api, fixes, kms_api, s3_api, sigv4, sts_api
from kmslab.endpoint.lab import DocumentsInvalid, LabWorld, needs_managed_keys, open_world, save_world
from kmslab.endpoint.models import AccessKey, ApiCall, Lab
from kmslab.endpoint.wire import WireError, auth_error, error_response, json_response, read_body, xml_response
from kmslab.kms.calls import CallRecord
from kmslab.learner import learner_key
from scenarios.models import Scenario

log = logging.getLogger(__name__)
SERVICES = frozenset({"kms", "s3", "sts", "ec2"})
_SCOPE = re.compile(r"Credential=[^/,\s]*/\d{8}/[^/,\s]*/([a-z0-9-]+)/")


def _guess_service(request: HttpRequest) -> str:
    m = _SCOPE.search(request.META.get("HTTP_AUTHORIZATION", ""))
    if m and m.group(1) in SERVICES:
        return m.group(1)
    if request.META.get("HTTP_X_AMZ_TARGET", "").startswith("TrentService."):
        return "kms"
    if request.method == "POST" and "x-www-form-urlencoded" in request.META.get("CONTENT_TYPE", ""):
        return "ec2" if "Version=2016-11-15" in request.META.get("QUERY_STRING", "") else "sts"
    return "s3"


def _headers(request: HttpRequest) -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in request.META.items():
        if k.startswith("HTTP_"):
            out[k[5:].lower().replace("_", "-")] = v
    if "host" not in out and request.META.get("SERVER_NAME"):  # HTTP/1.0 clients may omit Host
        port = request.META.get("SERVER_PORT", "80")
        out["host"] = request.META["SERVER_NAME"] + ("" if port in ("80", "443") else f":{port}")
    for k in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if request.META.get(k):
            out[k.lower().replace("_", "-")] = request.META[k]
    return out


def _raw_path(request: HttpRequest) -> str:
    raw = request.META.get("RAW_URI")  # gunicorn: the path exactly as the client sent it
    if isinstance(raw, str) and raw.startswith("/"):
        return raw.split("?", 1)[0]
    script = request.META.get("SCRIPT_NAME", "")
    path = request.META.get("PATH_INFO", "/")
    return sigv4.encode_path((script + path).encode("latin-1").decode("utf-8", "surrogateescape"))


@csrf_exempt
def endpoint(request: HttpRequest, rest: str = "") -> HttpResponse:
    service = _guess_service(request)
    head = request.method == "HEAD"
    try:
        return _handle(request, service, rest)
    except WireError as err:
        return error_response(err, head=head)
    except s3_api.OutcomeError as err:
        return error_response(err.error, head=head)
    except Exception:  # never a Django error page for an AWS client
        log.exception("AWS endpoint failed")
        return error_response(WireError(service, "InternalFailure" if service != "s3" else "InternalError",
                                        "KMS Lab failed to handle this request; it has been logged", 500), head=head)


def _handle(request: HttpRequest, service: str, rest: str) -> HttpResponse:
    headers = _headers(request)
    try:
        auth = sigv4.parse_authorization(headers)
    except sigv4.SigV4Error as exc:
        raise auth_error(service, exc.kind.value, exc.message) from None
    if auth.service not in SERVICES:
        raise auth_error(service, "scope", f"KMS Lab serves kms, s3, sts and ec2, not `{auth.service[:30]}`")
    service = auth.service
    # The access key id is untrusted until the signature verifies; an unknown one is refused
    # before the body is read.
    ak = AccessKey.objects.select_related("lab", "lab__scenario").filter(access_key_id=auth.access_key[:32]).first()
    if ak is None or ak.generation != ak.lab.generation:
        raise auth_error(service, "unknown-key", "The AWS Access Key Id you provided does not exist in our records.")
    body = read_body(request, settings.KMSLAB_AWS_MAX_REQUEST_BYTES, service)
    lab: Lab = ak.lab
    region = lab.scenario.spec().region
    req = sigv4.Request(request.method or "GET", _raw_path(request), request.META.get("QUERY_STRING", ""), headers, body)
    try:
        body = sigv4.verify(req, auth, credentials.secret_for(ak), region=region, now=timezone.now(), services=SERVICES)
    except sigv4.SigV4Error as exc:
        raise auth_error(service, exc.kind.value, exc.message) from None
    if ak.kind == "session":
        if not credentials.check_token(ak, headers.get("x-amz-security-token", "")):
            raise auth_error(service, "token", "The security token included in the request is invalid.")
        if ak.expires_at is not None and ak.expires_at < timezone.now():
            raise auth_error(service, "token", "The security token included in the request is expired")
    _budget(ak, service)
    if service == "sts":
        return _sts(request, ak, body)
    if ak.kind == credentials.SOURCE:
        # SIMULATION: a role profile's source keys stand in for "someone the role trusts"; they
        # can only assume that role (scenarios have no trust policies).
        raise WireError(service, "AccessDeniedException" if service == "kms" else "AccessDenied",
                        f"these are the source keys of the role profile kmslab-{ak.principal}: use --profile kmslab-{ak.principal}",
                        400 if service == "kms" else 403)
    kms_op, kms_params, kms_error = _kms_request(request, headers, body) if service == "kms" else ("", {}, None)
    managed = service != "kms" or kms_error is not None or needs_managed_keys(lab.scenario.spec(), kms_op, kms_params)
    try:
        lw = open_world(lab, lab.scenario, managed_keys=managed)
    except DocumentsInvalid as exc:
        raise WireError(service, "ValidationException" if service == "kms" else "InvalidRequest", str(exc)) from None
    caller = lw.caller_for(ak.principal, ak.session_name)
    if service == "kms":
        return _kms(lw, ak, caller, kms_op, kms_params, kms_error)
    if service == "ec2":
        return _ec2(request, lw, ak, caller, body)
    return _s3(request, lw, ak, caller, headers, body, rest)


def _budget(ak: AccessKey, service: str) -> None:
    """At most KMSLAB_AWS_REQUESTS_PER_HOUR requests per access key in a rolling hour window."""
    now = timezone.now()
    limit = settings.KMSLAB_AWS_REQUESTS_PER_HOUR
    # one UPDATE either way, atomic by itself (the count is incremented in the database)
    if ak.window_start is None or now - ak.window_start > timedelta(hours=1):
        AccessKey.objects.filter(pk=ak.pk).update(window_start=now, window_count=1)
        return
    AccessKey.objects.filter(pk=ak.pk).update(window_count=F("window_count") + 1)
    if ak.window_count + 1 > limit:
        raise auth_error(service, "throttle", f"Rate exceeded: at most {limit} requests per hour per access key in this lab")


def _log(lw: LabWorld, ak: AccessKey, caller: str, service: str, op: str, status: int,
         calls: tuple[CallRecord, ...], error: WireError | None) -> None:
    from kmslab.endpoint.present import call_detail

    def clean(text: str, n: int) -> str:
        return text.encode("utf-8", "replace").decode("utf-8")[:n]

    detail = call_detail(calls, {arn: k.manager.value for arn, k in lw.world.keys.items()})
    if error is not None and calls:
        try:
            found = fixes.offer(lw, calls, caller)
        except Exception:  # the call's answer must not fail on its fix
            log.exception("computing the fix of a denied call failed")
            found = None
        if found is not None:
            detail["apply"] = found
    ApiCall.objects.create(
        lab=lw.lab, principal=ak.principal, caller=caller, service=service, operation=clean(op, 80), http_status=status,
        error_code=clean(error.code if error else "", 80), error_message=clean(error.message if error else "", 1000),
        detail=detail,
    )
    keep = settings.KMSLAB_AWS_CALLS_KEPT
    old = ApiCall.objects.filter(lab=lw.lab).values_list("id", flat=True)[keep:keep + 100]
    if old:
        ApiCall.objects.filter(id__in=list(old)).delete()


def _kms_request(request: HttpRequest, headers: dict[str, str], body: bytes) -> tuple[str, dict[str, object], WireError | None]:
    """The KMS operation and its parameters, or the error that refuses them ("?" when unknown)."""
    op = "?"
    try:
        if request.method != "POST":
            raise WireError("kms", "UnknownOperationException", "KMS requests are POSTs of JSON 1.1")
        op = kms_api.operation(headers.get("x-amz-target", ""))
        return op, kms_api.parse(body), None
    except WireError as err:
        return op, {}, err


def _kms(lw: LabWorld, ak: AccessKey, caller: str, op: str, params: dict[str, object], error: WireError | None) -> HttpResponse:
    if error is not None:
        _log(lw, ak, caller, "kms", op, error.status, (), error)
        raise error
    traced = kms_api.call(lw.world, caller, op, params)
    if traced.error is None:
        save_world(lw)  # in one transaction, and only when the call changed something
    if traced.error is not None:
        err = WireError("kms", traced.error.code, traced.error.message)
        _log(lw, ak, caller, "kms", op, 400, (traced.record,), err)
        return error_response(err)
    _log(lw, ak, caller, "kms", op, 200, (traced.record,), None)
    wire = kms_api.to_wire(traced.response or {})
    assert isinstance(wire, dict)
    return json_response(wire)


def _s3(request: HttpRequest, lw: LabWorld, ak: AccessKey, caller: str, headers: dict[str, str], body: bytes, rest: str) -> HttpResponse:
    bucket, _, key = rest.partition("/")
    query = dict(parse_qsl(request.META.get("QUERY_STRING", ""), keep_blank_values=True))
    r = s3_api.S3Request(lw, caller, request.method or "GET", bucket, key, query, headers, body)
    op = "?"
    try:
        op = s3_api.operation_of(r)
        outcome = s3_api.HANDLERS[op](r)
    except s3_api.OutcomeError as err:
        _log(lw, ak, caller, "s3", op, err.error.status, err.calls, err.error)
        raise
    except WireError as err:
        _log(lw, ak, caller, "s3", op, err.status, (), err)
        raise
    _log(lw, ak, caller, "s3", op, outcome.response.status_code, outcome.calls, None)
    return outcome.response


def _ec2(request: HttpRequest, lw: LabWorld, ak: AccessKey, caller: str, body: bytes) -> HttpResponse:
    fields = sts_api.form(body, request.META.get("QUERY_STRING", ""), "ec2")
    action = fields.get("Action", "")
    try:
        if not action:
            raise ec2_api.EC2Failure(WireError("ec2", "MissingAction", "the request has no Action parameter"))
        with transaction.atomic():
            outcome = ec2_api.handle(lw, caller, action, fields)
            save_world(lw)  # EBS creates grants for the volumes and snapshots it encrypts
    except ec2_api.EC2Failure as err:
        _log(lw, ak, caller, "ec2", action or "?", err.error.status, err.calls, err.error)
        raise WireError(err.error.service, err.error.code, err.error.message, err.error.status) from None
    _log(lw, ak, caller, "ec2", action, 200, outcome.calls, None)
    return outcome.response


def _sts(request: HttpRequest, ak: AccessKey, body: bytes) -> HttpResponse:
    fields = sts_api.form(body, request.META.get("QUERY_STRING", ""), "sts")
    action = sts_api.operation(fields)
    spec = ak.lab.scenario.spec()
    principal = spec.principal(ak.principal)
    if principal is None:
        raise WireError("sts", "InvalidClientTokenId", "the principal of these keys is no longer in the scenario", 403)
    if action == "GetCallerIdentity":
        if ak.kind == credentials.SOURCE:
            arn = f"arn:aws:iam::{principal.account}:user/kmslab-{ak.principal}-source"  # SIMULATION: the role's trusted source
        elif ak.kind == "session":
            arn = f"arn:aws:sts::{principal.account}:assumed-role/{principal.arn.rsplit('/', 1)[-1]}/{ak.session_name}"
        else:
            arn = principal.arn
        return xml_response(sts_api.caller_identity(arn, principal.account, ak.access_key_id), content_type="text/xml")
    role_arn = fields.get("RoleArn", "")
    session = fields.get("RoleSessionName", "")
    if not re.fullmatch(r"[\w+=,.@-]{2,64}", session):
        raise WireError("sts", "ValidationError", "RoleSessionName must be 2 to 64 characters of letters, digits and _+=,.@-")
    try:
        seconds = int(fields.get("DurationSeconds", "3600"))
    except ValueError:
        raise WireError("sts", "ValidationError", "DurationSeconds must be an integer") from None
    if not credentials.SESSION_SECONDS[0] <= seconds <= credentials.SESSION_SECONDS[1]:
        raise WireError("sts", "ValidationError", "DurationSeconds must be between 900 and 43200")
    if ak.kind != credentials.SOURCE or principal.type != "role" or role_arn != principal.arn:
        raise WireError("sts", "AccessDenied", f"User: {principal.arn} is not authorized to perform: sts:AssumeRole on resource: {role_arn[:200]} "
                        "(in KMS Lab a role is assumed with its own profile, kmslab-<role>)", 403)
    session_key, expires = credentials.issue_session(ak, session, seconds)
    arn = f"arn:aws:sts::{principal.account}:assumed-role/{principal.arn.rsplit('/', 1)[-1]}/{session}"
    return xml_response(sts_api.assume_role(arn, f"AROA{ak.access_key_id[4:]}:{session}", session_key.access_key_id,
                                            credentials.secret_for(session_key), credentials.token_for(session_key), expires),
                        content_type="text/xml")


# ------------------------------------------------------------------ pages


def endpoint_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/aws")


@require_safe
def aws_config(request: HttpRequest, slug: str) -> HttpResponse:
    scenario = get_object_or_404(Scenario.objects.defer("data"), slug=slug, is_published=True)
    spec = scenario.spec()
    lab = credentials.lab_for(learner_key(request), scenario)
    text = credentials.config_text(credentials.profiles(lab, spec), region=spec.region,
                                   endpoint_url=endpoint_url(request), slug=slug)
    resp = HttpResponse(text, content_type="text/plain; charset=utf-8")
    resp["Content-Disposition"] = 'attachment; filename="kmslab-aws-config"'
    resp["Cache-Control"] = "no-store"
    return resp


@require_POST
def aws_reset(request: HttpRequest, slug: str) -> HttpResponse:
    scenario = get_object_or_404(Scenario.objects.defer("data"), slug=slug, is_published=True)
    credentials.reset_learner(learner_key(request), scenario)
    if request.htmx:
        from kmslab.endpoint.present import panel_context

        return render(request, "endpoint/_panel.html", panel_context(request, scenario) | {"reset_done": True})
    return redirect(f"/scenarios/{slug}/#aws-cli")


@require_safe
def aws_calls(request: HttpRequest, slug: str) -> HttpResponse:
    from kmslab.endpoint.present import panel_context

    scenario = get_object_or_404(Scenario.objects.defer("data"), slug=slug, is_published=True)
    return render(request, "endpoint/_api_calls.html", panel_context(request, scenario))


@require_POST
def aws_fix(request: HttpRequest, slug: str, call_id: int) -> HttpResponse:
    """Apply fix from the API calls panel: the smallest fix of one of this learner's denied calls,
    put into their document and saved, then run, exactly as a step card's Apply fix (the same
    scenario form is posted, the same result panel and editors come back)."""
    from scenarios import views as pages

    visit = pages._visit(request, slug)
    call = ApiCall.objects.filter(pk=call_id, lab__learner_key=visit.key[:120], lab__scenario=visit.scenario).first()
    if call is None:  # not a call of this learner in this scenario
        raise Http404("no such call")
    changed: dict[str, object] | None = None
    found = None if visit.blocked else fixes.applied(call.detail.get("apply") if isinstance(call.detail, dict) else None,
                                                      visit.documents)
    if found is None and not visit.blocked:
        visit.problems.append("That call's fix no longer applies to your documents (they changed since the call, "
                              "or it has none); make the call again to see what decides it now.")
    elif found is not None:
        name, after, fix = found
        before = visit.documents[name]
        visit.documents[name] = after
        apply = call.detail["apply"]
        summary = f"Applied fix for {call.service}:{call.operation} by {call.principal}: {apply.get('applies', fix.summary)}."
        if apply.get("then"):
            summary += f" Still needed: {apply['then']}."
        changed = {"summary": summary, "risky": fix.risky, "warning": fix.warning,
                   "diff": pages.diff_lines(before, after, "before", "after")}
    result = pages._run(visit)
    row = pages._record(visit, result)
    response = pages._respond(visit, pages._context(visit, result, row, changed=changed), "result-panel", "editors")
    response["HX-Trigger"] = "kl-calls-changed"  # the API calls panel reloads: the offer is used
    return response
