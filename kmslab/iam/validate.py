"""Validate a parsed policy: findings in the style of IAM Access Analyzer's policy validation.

Responsible for semantic findings (what AWS accepts but will not work as meant, or grants too
much), and `lint` = parse + validate, sorted by position. Must not: raise, or decide access.

Codes (besides parse's and validate_conditions'): missing-version, old-version, empty-statement,
unknown-element, duplicate-sid, invalid-sid, missing-principal, principal-in-identity-policy,
missing-action, missing-resource, invalid-action, unknown-service, unknown-action,
action-matches-nothing, redundant-action, notaction-with-allow, notprincipal-with-allow,
notprincipal-missing-account, notresource-with-allow, invalid-principal, public-access,
broad-cross-account-access, no-cross-account-effect, invalid-resource-arn, key-not-by-arn, alias-arn-as-resource,
key-policy-resource-not-star.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from kmslab.iam.actions import (
    KMS_ACTIONS,
    KNOWN_SERVICE_PREFIXES,
    expand_action_pattern,
    lookup_action,
    cached_covered_entries,
    covered_entries,
    split_action,
    suggest_action,
    suggest_service,
)
from kmslab.iam.arn import account_of, is_account_id, is_bare_key_id, parse_arn
from kmslab.iam.findings import Finding, Severity
from kmslab.iam.limits import SizeLimit
from kmslab.iam.parse import parse_policy
from kmslab.iam.policy import Effect, Policy, PolicyKind, PrincipalType, Statement, Value
from kmslab.iam.validate_conditions import check_conditions

_E = Severity.ERROR
_W = Severity.WARNING
_SEC = Severity.SECURITY_WARNING
_SUG = Severity.SUGGESTION
# AWS: IAM Sid supports A-Z, a-z and 0-9
#   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html);
# key policy Sids may also contain spaces
#   (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html)
_IAM_SID = re.compile(r"[A-Za-z0-9]*")
_KEY_SID = re.compile(r"[A-Za-z0-9 ]*")
_MANAGEMENT_SENTINELS = ("PutKeyPolicy", "ScheduleKeyDeletion")
URL_KEY_POLICY = "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html"
URL_CROSS_ACCOUNT = "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-modifying-external-accounts.html"


@dataclass(frozen=True, slots=True)
class LintResult:
    policy: Policy | None
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        """Parsed, and no finding is an error."""
        return self.policy is not None and not any(f.is_error for f in self.findings)


def validate(policy: Policy, *, account: str | None = None) -> tuple[Finding, ...]:
    """Findings for a parsed policy. `account` is the account that owns the document (the key's
    account for a key policy), used to recognise other accounts. Never raises."""
    try:
        return tuple(_validate(policy, account))
    except Exception as exc:  # noqa: BLE001 - the contract is "never raises"
        return (Finding("internal-error", _E, f"the policy could not be validated ({type(exc).__name__})",
                        hint="please report this document to the KMS Lab maintainers"),)


def lint(text: str | bytes, kind: PolicyKind, *, name: str = "", account: str | None = None,
         limit: SizeLimit | None = None) -> LintResult:
    """Parse then validate; findings sorted by position. Never raises."""
    try:
        parsed = parse_policy(text, kind, name=name, limit=limit)
        findings = list(parsed.findings)
        if parsed.policy is not None:
            findings.extend(validate(parsed.policy, account=account))
        findings.sort(key=lambda f: (f.span.line, f.span.column))
        return LintResult(parsed.policy, tuple(findings))
    except Exception as exc:  # noqa: BLE001
        return LintResult(None, (Finding("internal-error", _E, f"the policy could not be linted ({type(exc).__name__})"),))


def _validate(policy: Policy, account: str | None) -> Iterator[Finding]:
    if policy.version is None:
        yield Finding("missing-version", _W, "the policy has no `Version`", policy.version_span,
                      'add `"Version": "2012-10-17"`; without it AWS uses 2008-10-17, where policy variables '
                      "such as `${aws:username}` are plain text")
    elif policy.version == "2008-10-17":
        yield Finding("old-version", _W, "`Version` `2008-10-17` is the old policy language", policy.version_span,
                      'use `"2012-10-17"`: policy variables such as `${aws:username}` do not work in 2008-10-17')
    for name in policy.extra:
        yield Finding("unknown-element", _E, f"`{name[:80]}` is not a policy element",
                      hint="a policy document has only `Version`, `Id` and `Statement`")
    if not policy.statements:
        yield Finding("empty-statement", _E, "the policy has no statements", policy.version_span,
                      "add at least one statement; AWS rejects a policy without one")
    seen_sids: dict[str, Statement] = {}
    for stmt in policy.statements:
        if stmt.sid is not None:
            if stmt.sid in seen_sids and stmt.sid != "":
                # AWS: "In IAM, the Sid value must be unique within a JSON policy"
                # (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html)
                # SIMULATION: unverified for key and bucket policies, so a warning there.
                severity = _E if policy.kind is PolicyKind.IDENTITY else _W
                yield Finding("duplicate-sid", severity, f"the Sid `{stmt.sid[:80]}` is used by two statements", stmt.span,
                              f"rename one; statement {seen_sids[stmt.sid].index + 1} already uses it")
            seen_sids.setdefault(stmt.sid, stmt)
            yield from _check_sid(policy.kind, stmt)
        yield from _check_statement(policy.kind, stmt, account)


def _check_sid(kind: PolicyKind, stmt: Statement) -> Iterator[Finding]:
    sid = stmt.sid or ""
    if kind is PolicyKind.IDENTITY and _IAM_SID.fullmatch(sid) is None:
        yield Finding("invalid-sid", _E, f"the Sid `{sid[:80]}` has characters IAM does not allow", stmt.span,
                      "an IAM policy Sid may contain only letters A-Z, a-z and digits 0-9")
    elif kind is PolicyKind.KEY_POLICY and _KEY_SID.fullmatch(sid) is None:
        # SIMULATION: the KMS docs say only that key policy Sids "can contain spaces"; other
        # punctuation is unverified, so this is a warning rather than an error.
        yield Finding("invalid-sid", _W, f"the Sid `{sid[:80]}` has characters other than letters, digits and "
                      "spaces", stmt.span, "keep key policy Sids to letters, digits and spaces")


def _check_statement(kind: PolicyKind, stmt: Statement, account: str | None) -> Iterator[Finding]:
    allow = stmt.effect is Effect.ALLOW
    resource_based = kind is not PolicyKind.IDENTITY
    principal = stmt.principal
    if resource_based and principal is None:
        yield Finding("missing-principal", _E, f"{stmt.label} has no `Principal`", stmt.span,
                      "a key policy or bucket policy statement must say who it applies to, e.g. "
                      '`"Principal": {"AWS": "arn:aws:iam::111122223333:root"}`')
    if not resource_based and principal is not None:
        yield Finding("principal-in-identity-policy", _E,
                      f"{stmt.label} has a `{'NotPrincipal' if principal.negated else 'Principal'}`, which an "
                      "IAM (identity-based) policy cannot have", principal.span,
                      "remove it: an identity policy applies to the user, group or role it is attached to")
    no_effect = " (AWS accepts the key policy, but the statement has no effect)" if kind is PolicyKind.KEY_POLICY else ""
    if stmt.action is None or not stmt.action.values:
        yield Finding("missing-action", _E, f"{stmt.label} has no `Action`{no_effect}",
                      stmt.action.span if stmt.action else stmt.span, 'add e.g. `"Action": "kms:Decrypt"`')
    if stmt.resource is None or not stmt.resource.values:
        hint = ('add `"Resource": "*"` (in a key policy, `*` means this key)' if kind is PolicyKind.KEY_POLICY
                else 'add the key ARN, e.g. `"Resource": "arn:aws:kms:us-east-1:111122223333:key/..."`')
        yield Finding("missing-resource", _E, f"{stmt.label} has no `Resource`{no_effect}",
                      stmt.resource.span if stmt.resource else stmt.span, hint)
    if allow and stmt.action is not None and stmt.action.negated:
        yield Finding("notaction-with-allow", _W, f"{stmt.label} allows every action except the listed ones",
                      stmt.action.span, "list the allowed actions in `Action` instead (least privilege)")
    if allow and stmt.resource is not None and stmt.resource.negated:
        yield Finding("notresource-with-allow", _W, f"{stmt.label} allows every resource except the listed ones",
                      stmt.resource.span, "list the allowed resources in `Resource` instead")
    if allow and principal is not None and principal.negated:
        yield Finding("notprincipal-with-allow", _W, f"{stmt.label} uses `NotPrincipal` with `Allow`: it allows "
                      "everyone except the listed principals, including anonymous users", principal.span,
                      "name the allowed principals in `Principal` instead")
    if not allow and principal is not None and principal.negated:
        yield from _check_not_principal(stmt)
    yield from _check_actions(stmt)
    if principal is not None:
        yield from _check_principals(stmt)
    if stmt.resource is not None:
        yield from _check_resources(kind, stmt)
    if allow and resource_based and principal is not None and not principal.negated:
        yield from _check_exposure(kind, stmt, account)
    if allow and kind is PolicyKind.IDENTITY and account:
        yield from _check_identity_cross_account(stmt, account)
    yield from check_conditions(stmt)


def _check_not_principal(stmt: Statement) -> Iterator[Finding]:
    """A Deny with NotPrincipal spares a principal only when its account (and, for a session, its
    role) is listed too.

    # AWS: "When you use NotPrincipal, you must also specify the account ARN of the not-denied
    # principal. Otherwise, the policy might deny access to the entire account containing the
    # principal." (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html)
    """
    assert stmt.principal is not None
    listed = [e.value.text for e in stmt.principal.entries if e.type is PrincipalType.AWS]
    accounts = {t for t in listed if is_account_id(t)} | {
        p.account for p in map(parse_arn, listed) if p is not None and p.service == "iam" and p.resource == "root"}
    roles = {(p.account, p.resource.rsplit("/", 1)[-1]) for p in map(parse_arn, listed)
             if p is not None and p.service == "iam" and p.resource.startswith("role/")}
    for text in listed:
        parsed = parse_arn(text)
        if parsed is None or (parsed.service == "iam" and parsed.resource == "root"):
            continue
        missing = [] if parsed.account in accounts else [f"`arn:aws:iam::{parsed.account}:root`"]
        parts = parsed.resource.split("/")
        if parsed.service == "sts" and parts[0] == "assumed-role" and len(parts) == 3 and \
                (parsed.account, parts[1]) not in roles:
            missing.insert(0, f"`arn:aws:iam::{parsed.account}:role/{parts[1]}`")
        if missing:
            yield Finding("notprincipal-missing-account", _W,
                          f"{stmt.label} spares `{text}` with `NotPrincipal`, but not {' and '.join(missing)}: "
                          "the Deny still applies to it", stmt.principal.span,
                          f"add {' and '.join(missing)} to the `NotPrincipal` list")


def _check_actions(stmt: Statement) -> Iterator[Finding]:
    if stmt.action is None:
        return
    values = stmt.action.values
    for v in values:
        text = v.text
        if text == "*":
            continue
        # action texts recur across statements and documents: their verdict is cached by text
        problem = _cached_action_problem(text) if len(text) <= 256 else _action_problem(text)
        if problem is not None:
            code, severity, message, hint = problem
            yield Finding(code, severity, message, v.span, hint)
    yield from _redundant(values)


def _action_problem(text: str) -> tuple[str, Severity, str, str] | None:
    """What is wrong with one Action entry (code, severity, message, hint), or None."""
    service, name = split_action(text)
    if not service or not name:
        return ("invalid-action", _E, f"`{text[:80]}` is not an action",
                "write actions as `service:Name`, e.g. `kms:Decrypt`")
    svc = service.lower()
    if "*" not in svc and "?" not in svc and svc not in KNOWN_SERVICE_PREFIXES:
        fix = suggest_service(svc)
        return ("unknown-service", _W, f"`{service[:40]}` is not a service prefix KMS Lab knows",
                f"did you mean `{fix}:{name[:60]}`?" if fix else "check the service prefix (e.g. `kms`)")
    if svc != "kms":
        return None
    wild = "*" in name or "?" in name
    if wild and not expand_action_pattern(text):
        return ("action-matches-nothing", _E, f"`{text[:80]}` matches no KMS action",
                "check the spelling of the pattern")
    if not wild and lookup_action(text) is None:
        fix = suggest_action(text)
        return ("unknown-action", _E, f"`{text[:80]}` is not a KMS action",
                f"did you mean `{fix}`?" if fix else "see the KMS permissions reference")
    return None


_cached_action_problem = functools.lru_cache(maxsize=2048)(_action_problem)


def _redundant(values: tuple[Value, ...]) -> Iterator[Finding]:
    lowered = tuple(v.text.lower() for v in values)
    # the same Action list recurs across statements: which entries are covered is cached by text
    pairs = cached_covered_entries(lowered) if sum(map(len, lowered)) <= 4096 else covered_entries(lowered)
    for i, j in pairs:
        yield Finding("redundant-action", _SUG, f"`{values[i].text[:80]}` is already covered by "
                      f"`{values[j].text[:80]}`", values[i].span, "remove it")


def _check_principals(stmt: Statement) -> Iterator[Finding]:
    assert stmt.principal is not None
    if not stmt.principal.wildcard and not stmt.principal.entries:
        yield Finding("missing-principal", _E, f"{stmt.label} names no principal (the list is empty)",
                      stmt.principal.span, 'add e.g. `"AWS": "arn:aws:iam::111122223333:root"`')
    for entry in stmt.principal.entries:
        text = entry.value.text
        # principals recur across statements and documents: their verdict is cached by text
        problem = (_cached_principal_problem(entry.type, text) if len(text) <= 2048
                   else _principal_problem(entry.type, text))
        if problem is not None:
            code, severity, message, hint = problem
            yield Finding(code, severity, message, entry.value.span, hint)


def _principal_problem(ptype: PrincipalType, text: str) -> tuple[str, Severity, str, str] | None:
    """What is wrong with one Principal entry (code, severity, message, hint), or None."""
    if ptype is PrincipalType.AWS:
        if text == "*" or is_account_id(text):
            return None
        arn = parse_arn(text)
        if arn is None or arn.service not in ("iam", "sts") or not is_account_id(arn.account):
            return ("invalid-principal", _E, f"`{text[:120]}` is not a valid AWS principal",
                    "use an account id (`111122223333`), `arn:aws:iam::111122223333:root`, or a user or role ARN")
        if "*" in text or "?" in text:
            return ("invalid-principal", _E, f"`{text[:120]}`: wildcards are not allowed in a principal ARN",
                    'use `"*"` with an `aws:PrincipalArn` condition (`ArnLike`) instead')
        if arn.resource_type not in ("root", "user", "role", "assumed-role", "federated-user"):
            return ("invalid-principal", _E, f"`{text[:120]}` cannot be a principal "
                    f"(`{arn.resource_type}` is not a principal type)",
                    "IAM groups are not principals; name the users or roles")
    elif ptype is PrincipalType.SERVICE:
        if not (text.endswith(".amazonaws.com") or text.endswith(".amazonaws.com.cn")):
            return ("invalid-principal", _W, f"`{text[:120]}` does not look like a service principal",
                    "service principals look like `s3.amazonaws.com`")
    return None


_cached_principal_problem = functools.lru_cache(maxsize=2048)(_principal_problem)


def _accounts_of(stmt: Statement) -> set[str]:
    out: set[str] = set()
    if stmt.principal is None:
        return out
    for e in stmt.principal.entries:
        if e.type is PrincipalType.AWS:
            text = e.value.text
            acct = account_of(text)  # no cache of its own: parse_arn keeps the parsed ARNs
            if acct:
                out.add(acct)
    return out


def _kms_actions(stmt: Statement) -> set[str]:
    if stmt.action is None or stmt.action.negated:
        return set()
    names: set[str] = set()
    for v in stmt.action.values:
        if v.text == "*":
            names.update(KMS_ACTIONS)
        else:
            names.update(a.name for a in expand_action_pattern(v.text) if a.service == "kms")
    return names


def _check_exposure(kind: PolicyKind, stmt: Statement, account: str | None) -> Iterator[Finding]:
    assert stmt.principal is not None
    principal = stmt.principal
    public = principal.wildcard or any(
        e.type is PrincipalType.AWS and e.value.text == "*" for e in principal.entries)
    if public and not stmt.conditions:
        yield Finding("public-access", _SEC, f"{stmt.label} allows any principal (`\"*\"`) with no condition",
                      principal.span, "name the principals, or add a condition such as `kms:CallerAccount` or "
                      "`aws:PrincipalOrgID`")
    if kind is not PolicyKind.KEY_POLICY or not account:
        return
    others = sorted(a for a in _accounts_of(stmt) if a != account)
    if not others:
        return
    actions = _kms_actions(stmt)
    if all(s in actions for s in _MANAGEMENT_SENTINELS):
        yield Finding("broad-cross-account-access", _SEC,
                      f"{stmt.label} gives account {', '.join(others)} every KMS permission on this key",
                      stmt.action.span if stmt.action else stmt.span,
                      "allow only the operations the other account needs, e.g. `kms:Decrypt`, "
                      f"`kms:GenerateDataKey*`, `kms:DescribeKey` ({URL_CROSS_ACCOUNT})")
        return
    for v in stmt.action.values if stmt.action else ():
        infos = [a for a in expand_action_pattern(v.text) if a.service == "kms"]
        if infos and not any(a.cross_account for a in infos):
            yield Finding("no-cross-account-effect", _W,
                          f"`{v.text[:80]}` cannot be used from another account, so allowing it to account "
                          f"{', '.join(others)} has no effect", v.span,
                          f"only cryptographic operations and a few others work across accounts ({URL_CROSS_ACCOUNT})")


def _check_identity_cross_account(stmt: Statement, account: str) -> Iterator[Finding]:
    """An IAM policy naming a key in another account, for actions that never work across accounts."""
    if stmt.resource is None or stmt.resource.negated or stmt.action is None or stmt.action.negated:
        return
    others = sorted({a for v in stmt.resource.values if (a := account_of(v.text)) and a != account
                     and v.text.startswith("arn:") and ":kms:" in v.text})
    if not others:
        return
    for v in stmt.action.values:
        infos = [a for a in expand_action_pattern(v.text) if a.service == "kms"]
        if infos and not any(a.cross_account for a in infos):
            yield Finding("no-cross-account-effect", _W,
                          f"`{v.text[:80]}` cannot be used on a key in another account ({', '.join(others)}), so "
                          "this permission has no effect there", v.span,
                          f"only cryptographic operations and a few others work across accounts ({URL_CROSS_ACCOUNT})")


def _check_resources(kind: PolicyKind, stmt: Statement) -> Iterator[Finding]:
    assert stmt.resource is not None
    for v in stmt.resource.values:
        text = v.text
        if text == "*":
            continue
        if kind is PolicyKind.KEY_POLICY:
            yield Finding("key-policy-resource-not-star", _W, f"in a key policy, Resource `{text[:120]}` is unusual",
                          v.span, f'use `"Resource": "*"`: in a key policy `*` means "this key" ({URL_KEY_POLICY})')
            continue
        if is_bare_key_id(text) or text.startswith("alias/"):
            yield Finding("key-not-by-arn", _E, f"`{text[:120]}` is a key id or alias name, not an ARN", v.span,
                          "name the key by its key ARN `arn:aws:kms:<region>:<account>:key/<key-id>`; "
                          "an IAM policy Resource must be an ARN, and use across accounts needs the key ARN")
            continue
        arn = parse_arn(text)
        if arn is None:
            yield Finding("invalid-resource-arn", _E, f"`{text[:120]}` is not a valid resource ARN", v.span,
                          'write an ARN such as `arn:aws:kms:us-east-1:111122223333:key/<key-id>`, or `"*"`')
            continue
        if arn.service == "kms" and arn.resource_type == "alias" and _kms_actions(stmt) - {
                "CreateAlias", "DeleteAlias", "UpdateAlias"}:
            yield Finding("alias-arn-as-resource", _W, f"`{text[:120]}` is an alias ARN: it does not match the key "
                          "for operations such as Encrypt or Decrypt", v.span,
                          "use the key ARN, or keep `Resource` on keys and add a `kms:ResourceAliases` condition")
