"""Turn one learner's last simulator result into a short, class-wide failing reason.

The runner stores the AWS error message, which names the learner's own principal and key ARNs;
to count "12 learners: no identity-based policy allows kms:GenerateDataKey" the ARNs are dropped
and the AWS wording is kept. Reads `Progress.last_result_summary` (RunResult.summary()); never
re-runs anything: the engine already decided.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from kmslab.iam.decision import Gate

# AWS: AccessDeniedException message shapes "User: ARN is not authorized to perform: ACTION on
# resource: ARN because no identity-based policy allows the ACTION action" and "... with an explicit
# deny in a resource-based policy"
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html)
_ACCESS_DENIED = re.compile(
    r"is not authorized to perform:?\s+(?P<action>[\w*:-]+)"
    r"(?:\s+on resource:?\s+\S+)?"
    r"(?:\s+(?:because\s+)?(?P<why>no (?:resource|identity)-based policy allows"
    r"|with an explicit deny in an? (?:resource|identity)-based policy))?",
    re.IGNORECASE,
)
_ARN = re.compile(r"arn:aws[\w-]*:[^\s,;\"']+")
MAX_REASON = 160

GATE_TITLES = {g.value: g.label if g is Gate.IAM_POLICY else g.label.lower() for g in Gate}  # "key policy" mid-sentence


def failing_reason(summary: Mapping[str, object]) -> str:
    """A short reason for a failing or invalid last result; "" when it succeeded or is empty."""
    outcome = summary.get("outcome")
    if outcome == "invalid":
        errors = summary.get("errors")
        first = errors[0] if isinstance(errors, list) and errors else ""
        return _clip(f"invalid document: {first}" if first else "invalid document")
    unmet = summary.get("objectives_unmet")
    if outcome == "success":
        if summary.get("solved") is False and isinstance(unmet, list) and unmet:
            return _clip("objective not met: " + ", ".join(str(u) for u in unmet[:3]))
        return ""
    if outcome != "failure":
        return ""
    message = str(summary.get("error_message") or "")
    code = str(summary.get("error_code") or "")
    match = _ACCESS_DENIED.search(message)
    if match:
        action, why = match.group("action"), match.group("why")
        if why and why.lower().startswith("no "):
            return _clip(f"{why} {action}")
        if why:  # "with an explicit deny in a resource-based policy"
            return _clip(f"{why.split(' ', 2)[2]} blocks {action}")
        return _clip(f"not authorized to perform {action}")
    if message:
        text = _ARN.sub("\u2026", message)
        return _clip(f"{code}: {text}" if code and code not in text else text)
    if code:
        return _clip(code)
    step = summary.get("failing_step")
    steps = summary.get("steps")
    if isinstance(step, int) and isinstance(steps, list) and 0 < step <= len(steps):
        if steps[step - 1] == "success":
            return f"step {step} was allowed but must be denied (too permissive)"
        return f"step {step} did not go as expected"
    if isinstance(unmet, list) and unmet:
        return _clip("objective not met: " + ", ".join(str(u) for u in unmet[:3]))
    return "did not go as expected"


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 1] + "\u2026"
