"""Stage 3 of the pipeline, lint: the engine's lint for policies, small checks for the rest.

Responsible for turning each document's text into a `LintedDoc` (the DocumentResult the page shows,
plus the parsed Policy and raw JSON that build and objectives need). IAM policies go through
`kmslab.iam.validate.lint`; bucket encryption settings and CreateGrant requests are JSON checked
here against the shape AWS's API accepts. Parsed read-only documents are cached per spec.
Must not: import Django or decide access. Never raises for any input text.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

from kmslab.iam.findings import Finding, Severity
from kmslab.iam.limits import SizeLimit, limit_for
from kmslab.iam.policy import Policy, Span
from kmslab.iam.validate import lint
from kmslab.kms.grants import GRANT_OPERATIONS
from kmslab.lab.spec import Document, DocumentKind, ScenarioSpec

MAX_TEXT = 64 * 1024  # a document longer than this is refused before parsing


@dataclass(frozen=True, slots=True)
class DocumentResult:
    """One editable (or read-only) document as the run saw it."""

    name: str  # form field name
    title: str  # "Account A key policy"
    account: str
    kind: DocumentKind
    text: str  # the text that was run (the learner's, or the starting text when missing)
    findings: tuple[Finding, ...]
    editable: bool = True

    @property
    def ok(self) -> bool:
        """No ERROR finding: the document can be used."""
        return not any(f.is_error for f in self.findings)


@dataclass(frozen=True, slots=True)
class LintedDoc:
    result: DocumentResult
    policy: Policy | None  # for policy kinds, when it parsed
    data: object  # json.loads of the text, or None when it is not valid JSON

    @property
    def ok(self) -> bool:
        return self.result.ok


def spec_fingerprint(spec: ScenarioSpec) -> str:
    """A content hash: two equal specs (e.g. loaded by two requests) share caches. The hash of the
    data it was loaded from, or for a spec made otherwise (tests) a hash of its value."""
    return spec.fingerprint or hashlib.sha1(repr(spec).encode("utf-8", "surrogatepass"),
                                            usedforsecurity=False).hexdigest()


_READONLY_CACHE: dict[tuple[str, str], LintedDoc] = {}
_CACHE_MAX = 256
# Editable documents by (spec fingerprint, name, text): linting is a pure function of those, and
# a learner usually edits one document at a time, so the others (and a re-run of the same text,
# e.g. the fix button's run before applying) skip parse and lint. Values are frozen.
_EDITABLE_CACHE: dict[tuple[str, str, str], LintedDoc] = {}
_EDITABLE_MAX = 128


def lint_documents(spec: ScenarioSpec, documents: Mapping[str, str], *,
                   fingerprint: str = "") -> dict[str, LintedDoc]:
    """Every document of the spec, by name: editable ones from `documents` (missing or non-text
    values fall back to the starting text), read-only ones from the spec (cached)."""
    fingerprint = fingerprint or spec_fingerprint(spec)
    out: dict[str, LintedDoc] = {}
    for doc in spec.documents:
        if doc.editable:
            value = documents.get(doc.name) if isinstance(documents, Mapping) else None
            text = value if isinstance(value, str) else doc.text
            ekey = (fingerprint, doc.name, text)
            linted = _EDITABLE_CACHE.get(ekey)
            if linted is None:
                linted = lint_document(spec, doc, text)
                if len(text) <= MAX_TEXT:  # refused texts are cheap to refuse again; keep them out
                    if len(_EDITABLE_CACHE) >= _EDITABLE_MAX:
                        _EDITABLE_CACHE.clear()
                    _EDITABLE_CACHE[ekey] = linted
            out[doc.name] = linted
        else:
            key = (fingerprint, doc.name)
            cached = _READONLY_CACHE.get(key)
            if cached is None:
                if len(_READONLY_CACHE) >= _CACHE_MAX:
                    _READONLY_CACHE.clear()
                cached = _READONLY_CACHE[key] = lint_document(spec, doc, doc.text)
            out[doc.name] = cached
    return out


def lint_document(spec: ScenarioSpec, doc: Document, text: str) -> LintedDoc:
    def result(findings: tuple[Finding, ...]) -> DocumentResult:
        return DocumentResult(doc.name, doc.title, doc.account, doc.kind, text, findings, doc.editable)

    if len(text) > MAX_TEXT:
        return LintedDoc(result((Finding(
            "document-too-large", Severity.ERROR,
            f"the document is {len(text):,} characters; the simulator accepts at most {MAX_TEXT:,}",
            hint="AWS's own limits are smaller: 32 KB for a key policy, 2,048-10,240 characters for IAM policies",
        ),)), None, None)
    kind = doc.kind.policy_kind
    if kind is not None:
        linted = lint(text, kind, name=doc.title, account=doc.account, limit=_limit(spec, doc))
        return LintedDoc(result(tuple(linted.findings)), linted.policy, _loads(text))
    data = _loads(text)
    findings = _json_findings(text)
    if not findings:
        check = _check_encryption if doc.kind is DocumentKind.BUCKET_ENCRYPTION else _check_grant_request
        findings = tuple(check(spec, data, text))
    return LintedDoc(result(findings), None, data if not any(f.is_error for f in findings) else None)


def _limit(spec: ScenarioSpec, doc: Document) -> SizeLimit | None:
    """AWS's size limit for the document (identity policies: by the principal they attach to)."""
    kind = doc.kind.policy_kind
    if kind is None:
        return None
    is_role = any(doc.name in p.policies and p.type == "role" for p in spec.principals)
    return limit_for(kind, "role" if is_role else "user")


def _loads(text: str) -> object:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _json_findings(text: str) -> tuple[Finding, ...]:
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return (Finding("invalid-json", Severity.ERROR, f"not valid JSON: {exc.msg.lower()}",
                        Span("", exc.lineno, exc.colno, exc.lineno, exc.colno + 1),
                        hint="check for a missing comma, quote or bracket near this position"),)
    except RecursionError:
        return (Finding("too-deep", Severity.ERROR, "the JSON is nested too deeply"),)
    return ()


def _span(text: str, needle: str, pointer: str) -> Span:
    """Where `"needle"` first appears (1-based), for underlining; pointer-only if absent."""
    at = text.find(f'"{needle}"') if needle else -1
    if at < 0:
        return Span(pointer)
    line = text.count("\n", 0, at) + 1
    col = at - (text.rfind("\n", 0, at) + 1) + 1
    return Span(pointer, line, col, line, col + len(needle) + 2)


def _err(code: str, message: str, text: str, needle: str, pointer: str, hint: str = "",
         severity: Severity = Severity.ERROR) -> Finding:
    return Finding(code, severity, message, _span(text, needle, pointer), hint)


def _check_encryption(spec: ScenarioSpec, data: object, text: str) -> list[Finding]:
    """PutBucketEncryption's ServerSideEncryptionConfiguration."""
    if not isinstance(data, dict):
        return [_err("wrong-type", "the encryption configuration must be a JSON object", text, "", "")]
    rules = data.get("Rules")
    if not isinstance(rules, list) or len(rules) != 1 or not isinstance(rules[0], dict):
        return [_err("missing-rules", "`Rules` must be a list with exactly one rule object", text, "Rules", "/Rules",
                     hint='{"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "<key ARN>"}}]}')]
    out: list[Finding] = []
    rule = rules[0]
    for extra in sorted(set(rule) - {"ApplyServerSideEncryptionByDefault", "BucketKeyEnabled"}):
        out.append(_err("unknown-element", f"unknown element `{extra}` in the rule", text, extra, f"/Rules/0/{extra}",
                        severity=Severity.WARNING))
    default = rule.get("ApplyServerSideEncryptionByDefault")
    if not isinstance(default, dict):
        return out + [_err("missing-default", "the rule needs `ApplyServerSideEncryptionByDefault`", text, "Rules",
                           "/Rules/0/ApplyServerSideEncryptionByDefault")]
    algo = default.get("SSEAlgorithm")
    if algo not in ("aws:kms", "AES256", "aws:kms:dsse"):
        out.append(_err("invalid-sse-algorithm", f"`SSEAlgorithm` must be `aws:kms`, `aws:kms:dsse` or `AES256`, not `{algo}`",
                        text, "SSEAlgorithm", "/Rules/0/ApplyServerSideEncryptionByDefault/SSEAlgorithm"))
    key = default.get("KMSMasterKeyID")
    pointer = "/Rules/0/ApplyServerSideEncryptionByDefault/KMSMasterKeyID"
    if key is not None and not isinstance(key, str):
        out.append(_err("wrong-type", "`KMSMasterKeyID` must be text", text, "KMSMasterKeyID", pointer))
    elif isinstance(key, str) and algo == "AES256":
        out.append(_err("key-with-sse-s3", "`KMSMasterKeyID` is only allowed with `aws:kms`", text, "KMSMasterKeyID", pointer))
    elif isinstance(key, str) and key not in ("alias/aws/s3", "") and not key.startswith("arn:aws:kms:"):
        # AWS: cross-account and AWS-service uses need the fully qualified key ARN
        # (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketEncryption.html)
        out.append(_err("use-key-arn", f"`{key}` is resolved in the requester's account; name the key by its key ARN",
                        text, "KMSMasterKeyID", pointer, severity=Severity.WARNING,
                        hint="e.g. arn:aws:kms:us-east-1:222222222222:key/1234abcd-..."))
    if "BucketKeyEnabled" in rule and not isinstance(rule["BucketKeyEnabled"], bool):
        out.append(_err("wrong-type", "`BucketKeyEnabled` must be true or false", text, "BucketKeyEnabled",
                        "/Rules/0/BucketKeyEnabled"))
    return out


_GRANT_FIELDS = ("GranteePrincipal", "Operations", "Constraints", "RetiringPrincipal", "Name", "GrantTokens")


def _check_grant_request(spec: ScenarioSpec, data: object, text: str) -> list[Finding]:
    """The parameters of a CreateGrant call (KeyId is supplied by the step)."""
    if not isinstance(data, dict):
        return [_err("wrong-type", "the grant request must be a JSON object", text, "", "")]
    out: list[Finding] = []
    for extra in sorted(set(data) - set(_GRANT_FIELDS) - {"KeyId"}):
        close = difflib.get_close_matches(extra, _GRANT_FIELDS, n=1)
        out.append(_err("unknown-element", f"unknown CreateGrant parameter `{extra}`", text, extra, f"/{extra}",
                        hint=f"did you mean `{close[0]}`?" if close else "", severity=Severity.ERROR))
    if "KeyId" in data:
        out.append(_err("key-id-ignored", "`KeyId` is set by the step; this value is ignored", text, "KeyId", "/KeyId",
                        severity=Severity.WARNING))
    grantee = data.get("GranteePrincipal")
    if not isinstance(grantee, str) or not grantee:
        out.append(_err("missing-grantee", "`GranteePrincipal` (an ARN) is required", text, "GranteePrincipal",
                        "/GranteePrincipal"))
    for name in ("RetiringPrincipal", "Name"):
        if name in data and not isinstance(data[name], str):
            out.append(_err("wrong-type", f"`{name}` must be text", text, name, f"/{name}"))
    ops = data.get("Operations")
    if not isinstance(ops, list) or not ops or not all(isinstance(o, str) for o in ops):
        out.append(_err("missing-operations", "`Operations` must be a non-empty list of operation names", text,
                        "Operations", "/Operations", hint='e.g. ["Decrypt"]'))
    else:
        for i, op in enumerate(ops):
            if op not in GRANT_OPERATIONS:
                close = difflib.get_close_matches(op.removeprefix("kms:"), GRANT_OPERATIONS, n=1)
                out.append(_err("invalid-grant-operation", f"`{op}` is not a grant operation", text, op,
                                f"/Operations/{i}", hint=f"did you mean `{close[0]}`?" if close
                                else "grant operations are API names without `kms:`, e.g. `Decrypt`"))
    cons = data.get("Constraints")
    if cons is not None:
        out.extend(_check_constraints(cons, text))
    return out


def _check_constraints(cons: object, text: str) -> list[Finding]:
    names = ("EncryptionContextEquals", "EncryptionContextSubset")
    if not isinstance(cons, dict):
        return [_err("wrong-type", "`Constraints` must be an object", text, "Constraints", "/Constraints")]
    out: list[Finding] = []
    for extra in sorted(set(cons) - set(names)):
        close = difflib.get_close_matches(extra, names, n=1)
        out.append(_err("unknown-constraint", f"unknown constraint `{extra}`", text, extra, f"/Constraints/{extra}",
                        hint=f"did you mean `{close[0]}`?" if close else "use EncryptionContextEquals or EncryptionContextSubset"))
    present = [n for n in names if n in cons]
    if len(present) > 1:
        # AWS: a grant takes one of the two encryption context constraints
        # (https://docs.aws.amazon.com/kms/latest/APIReference/API_GrantConstraints.html)
        out.append(_err("both-constraints", "use `EncryptionContextEquals` or `EncryptionContextSubset`, not both",
                        text, names[1], "/Constraints"))
    if not cons:
        out.append(_err("empty-constraints", "`Constraints` is empty: give `EncryptionContextEquals` or "
                        "`EncryptionContextSubset`, or remove it", text, "Constraints", "/Constraints"))
    for n in present:
        pairs = cons[n]
        if not isinstance(pairs, dict) or not all(isinstance(v, str) for v in pairs.values()):
            out.append(_err("wrong-type", f"`{n}` must map context keys to text values", text, n, f"/Constraints/{n}"))
        elif not pairs:
            out.append(_err("empty-constraints", f"`{n}` needs at least one key-value pair", text, n, f"/Constraints/{n}"))
    return out
