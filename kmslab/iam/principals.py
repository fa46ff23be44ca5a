"""Principals: who a caller is (from their ARN) and whether a Principal block names them.

Responsible for turning a caller ARN into a `Caller` (root, user, role, assumed-role session,
federated user, service principal) and for matching `Principal` / `NotPrincipal` blocks.
Must not: decide access (evaluate and the authorizers do), or trust anything but the ARN.
"""

from __future__ import annotations

import functools

from kmslab.iam.arn import is_account_id, parse_arn
from kmslab.iam.decision import Caller
from kmslab.iam.policy import PrincipalBlock, PrincipalType


class InvalidCallerError(ValueError):
    """The caller text is not an IAM principal ARN, an account id or a service principal."""


# Match outcomes: how a Principal block matched (the KMS authorizer needs to know whether the key
# policy named the account, which delegates to IAM, or the principal itself).
VIA_NONE = ""
VIA_EVERYONE = "everyone"  # "*" or {"AWS": "*"}
VIA_ACCOUNT = "account"  # account id or arn:aws:iam::ACCT:root
VIA_DIRECT = "direct"  # the user/role/session ARN itself
VIA_SERVICE = "service"


def caller_from_arn(arn: str) -> Caller:
    """`arn:aws:iam::111122223333:user/dev/bob` -> Caller(kind="user", name="bob", ...).

    Raises InvalidCallerError with a one-line message for anything else.
    """
    if not isinstance(arn, str) or not arn or len(arn) > 2048:
        raise InvalidCallerError("the caller must be a principal ARN such as `arn:aws:iam::111122223333:user/bob`")
    # A str subclass (a template's SafeString) is parsed afresh: the cache hands back the text it
    # first saw, and the caller's ARN must be the very value given.
    return _caller(arn) if type(arn) is str else _caller.__wrapped__(arn)


# A pure function of the ARN text, and Caller is immutable: every authorization starts here, so the
# parsed callers are kept (bounded; an invalid ARN raises and is never cached).
@functools.lru_cache(maxsize=1024)
def _caller(arn: str) -> Caller:
    if is_account_id(arn):
        return Caller(f"arn:aws:iam::{arn}:root", arn, "root")
    if not arn.startswith("arn:"):
        if arn.endswith(".amazonaws.com") and " " not in arn:
            return Caller(arn, "", "service", name=arn)
        raise InvalidCallerError(f"`{arn}` is not a principal ARN, an account id or a service principal")
    parsed = parse_arn(arn)
    if parsed is None or not is_account_id(parsed.account) or "*" in arn or "?" in arn:
        raise InvalidCallerError(f"`{arn}` is not a valid principal ARN")
    acct, res = parsed.account, parsed.resource
    if parsed.service == "iam":
        if res == "root":
            return Caller(arn, acct, "root")
        if res.startswith("user/") and res.rstrip("/") != "user":
            # AWS: aws:userid of an IAM user is its unique id (AIDA...), not knowable here; left "".
            return Caller(arn, acct, "user", name=res.rsplit("/", 1)[-1])
        if res.startswith("role/") and res.rstrip("/") != "role":
            return Caller(arn, acct, "role", name=res.rsplit("/", 1)[-1], role_arn=arn)
    if parsed.service == "sts":
        if res.startswith("assumed-role/"):
            parts = res.split("/")
            if len(parts) == 3 and parts[1] and parts[2]:
                # SIMULATION: a session ARN does not carry the role's path; the role ARN is rebuilt
                # without it, and role matching compares account and role name.
                role_arn = f"arn:{parsed.partition}:iam::{acct}:role/{parts[1]}"
                return Caller(arn, acct, "assumed-role", name=parts[2], role_arn=role_arn)
        if res.startswith("federated-user/") and len(res) > len("federated-user/"):
            return Caller(arn, acct, "federated-user", name=res.split("/", 1)[1])
    raise InvalidCallerError(f"`{arn}` is not a root, user, role, assumed-role or federated-user ARN")


def _role_key(arn: str) -> tuple[str, str] | None:
    """(account, role name) for an IAM role ARN (any path)."""
    parsed = parse_arn(arn)
    if parsed is None or parsed.service != "iam" or not parsed.resource.startswith("role/"):
        return None
    return parsed.account, parsed.resource.rsplit("/", 1)[-1]


def aws_principal_matches(text: str, caller: Caller) -> str:
    """How one `"AWS": text` entry matches the caller: a VIA_* value ("" = no match)."""
    if caller.kind == "service":
        return VIA_NONE
    if text == "*":
        return VIA_EVERYONE
    if is_account_id(text):
        # AWS: an account principal delegates to the account: any principal of it may be
        # authorised by that account's IAM policies (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-accounts)
        return VIA_ACCOUNT if text == caller.account else VIA_NONE
    if caller.account not in text:
        # every way an ARN names the caller (its account's root, its own ARN, its role) holds the
        # caller's account: an ARN without it is not read
        return VIA_NONE
    parsed = parse_arn(text)
    if parsed is None:
        return VIA_NONE
    if parsed.service == "iam" and parsed.resource == "root":
        return VIA_ACCOUNT if parsed.account == caller.account else VIA_NONE
    if text == caller.arn:
        return VIA_DIRECT
    if caller.kind == "assumed-role" and caller.role_arn:
        # AWS: a role ARN in Principal matches every session of the role
        # (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-roles)
        role = _role_key(text)
        if role is not None and role == (caller.account, caller.role_arn.rsplit("/", 1)[-1]):
            return VIA_DIRECT
    return VIA_NONE


def principal_match(block: PrincipalBlock, caller: Caller) -> str:
    """How a Principal block matches (VIA_*), before NotPrincipal negation; "" when it doesn't."""
    if block.wildcard:
        return VIA_EVERYONE
    best = VIA_NONE
    for entry in block.entries:
        text = entry.value.text
        if entry.type is PrincipalType.AWS:
            via = aws_principal_matches(text, caller)
        elif entry.type is PrincipalType.SERVICE:
            via = VIA_SERVICE if caller.kind == "service" and (text == "*" or text.lower() == caller.arn.lower()) else VIA_NONE
        else:
            # AWS: "Federated" names an identity provider (web identity or SAML) and "CanonicalUser"
            # an S3 canonical id; neither names an IAM user, role or session, and an STS federated
            # user is named with "AWS" (reference_policies_elements_principal.html).
            # SIMULATION: our callers are never web-identity or SAML sessions, so these never match.
            via = VIA_NONE
        if via == VIA_DIRECT or via == VIA_SERVICE:
            return via
        if via and not best:
            best = via
        elif via == VIA_EVERYONE:
            best = via
    return best


def not_principal_spares(block: PrincipalBlock, caller: Caller) -> bool:
    """Whether a `NotPrincipal` block exempts the caller (a Deny with it then does not apply).

    AWS: a Deny with NotPrincipal is checked against each identity the request carries: the
    account, then the role, then the session for an assumed-role user; each must be listed, or the
    Deny applies. So [bob, the account] spares bob alone (not carol, whose own ARN is not listed),
    and [session, its role, its account] spares that session alone; an account listed alone spares
    only the account root. "When you explicitly deny access to an AWS account, you deny access to
    all users contained in that account."
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html)
    SIMULATION: AWS says leaving the account (or the role) out "might" deny the named principal
    too, depending on the service; we always deny it, the outcome the documented examples avoid.
    """
    if block.wildcard:
        return True
    if caller.kind == "service":
        return any(e.type is PrincipalType.SERVICE
                   and (e.value.text == "*" or e.value.text.lower() == caller.arn.lower())
                   for e in block.entries)
    aws = [e.value.text for e in block.entries if e.type is PrincipalType.AWS]
    if "*" in aws:
        return True
    root = f"arn:aws:iam::{caller.account}:root"
    if not any(t == caller.account or t == root for t in aws):
        return False
    if caller.kind == "assumed-role" and caller.role_arn:
        role = (caller.account, caller.role_arn.rsplit("/", 1)[-1])
        if not any(_role_key(t) == role for t in aws):
            return False
    return caller.kind == "root" or caller.arn in aws


def caller_labels(caller: Caller) -> tuple[str, ...]:
    """What a principal check reports as `got`: the caller ARN, plus the role ARN for a session."""
    return (caller.arn, caller.role_arn) if caller.kind == "assumed-role" else (caller.arn,)
