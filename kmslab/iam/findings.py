"""Findings: what parse and validate say about a policy document.

Responsible for the shape of a diagnostic (severity, stable code, where, message, hint), in the
style of IAM Access Analyzer's policy validation. Must not: decide anything about access.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from kmslab.iam.policy import NO_SPAN, Span


class Severity(StrEnum):
    ERROR = "error"  # AWS would reject the document (MalformedPolicyDocument) or it cannot work
    SECURITY_WARNING = "security_warning"  # grants more than intended (Principal "*", kms:* ...)
    WARNING = "warning"  # legal but almost certainly not what the author meant
    SUGGESTION = "suggestion"  # tidier or least-privilege alternative


@dataclass(frozen=True, slots=True)
class Finding:
    code: str  # stable, kebab-case, e.g. "unknown-action", "invalid-json"
    severity: Severity
    message: str  # one line, lowercase start, user values in backticks
    span: Span = NO_SPAN
    hint: str = ""  # advice, e.g. "did you mean `kms:Decrypt`?"

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR
