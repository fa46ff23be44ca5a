"""Forms of the scenario pages: the statement builder, and the small text helpers it needs.

Responsible for offering the choices a learner can build a statement from (the scenario's
accounts and principals, the KMS action catalog with the actions the steps use marked, the
scenario's keys and buckets, a condition), checking what came back, and inserting a
well-formed statement into a policy document's JSON text.
Must not: decide access or judge whether the statement is a good idea (the engine and the
objectives do that when the scenario runs).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Fieldset, Layout
from django import forms

from kmslab.iam.actions import KMS_ACTIONS, OTHER_ACTIONS
from kmslab.textsafe import visible

from scenarios.spec import DocumentKind, ScenarioSpec

POLICY_KINDS = (DocumentKind.KEY_POLICY, DocumentKind.IDENTITY, DocumentKind.BUCKET_POLICY)
RESOURCE_POLICY_KINDS = (DocumentKind.KEY_POLICY, DocumentKind.BUCKET_POLICY)
NO_PRINCIPAL = ""
CONDITION_OPERATORS = (
    "StringEquals", "StringLike", "StringNotEquals", "ArnEquals", "ArnLike", "Bool",
    "ForAnyValue:StringEquals", "ForAllValues:StringEquals",
)
CONDITION_KEYS = (
    "kms:ViaService", "kms:CallerAccount", "kms:EncryptionContext:aws:s3:arn",
    "kms:EncryptionContextKeys", "kms:GrantIsForAWSResource", "kms:GrantOperations",
    "aws:SourceArn", "aws:SourceAccount", "aws:PrincipalArn", "aws:PrincipalAccount",
    "kms:EncryptionContext:aws:cloudtrail:arn",
)
MAX_ACTIONS = 60


class InsertError(ValueError):
    """The document cannot take a new statement (not JSON, or not a policy object)."""


def insert_statement(text: str, statement: Mapping[str, object]) -> str:
    """The document with `statement` appended to its Statement list, pretty-printed.

    A single-object `Statement` becomes a list; a document without `Statement` gets one."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InsertError(f"the document is not valid JSON ({_first_line(exc)}); fix or reset it first") from exc
    if not isinstance(data, dict):
        raise InsertError("the document must be a JSON object with a `Statement` list")
    current = data.get("Statement")
    if current is None:
        items: list[object] = []
    elif isinstance(current, list):
        items = list(current)
    elif isinstance(current, dict):
        items = [current]
    else:
        raise InsertError("`Statement` must be an object or a list of objects")
    data.setdefault("Version", "2012-10-17")
    data["Statement"] = [*items, dict(statement)]
    return visible(json.dumps(data, indent=2, ensure_ascii=False)) + "\n"  # a lone surrogate stays an escape


def format_json(text: str) -> str:
    """Pretty-print JSON text (2-space indent, key order kept); raises InsertError if not JSON."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InsertError(f"not valid JSON ({_first_line(exc)}); nothing was changed") from exc
    return visible(json.dumps(data, indent=2, ensure_ascii=False)) + "\n"  # a lone surrogate stays an escape


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


def _unique_sid(text: str, base: str) -> str:
    """`base`, or `base2`, `base3`... whichever the document does not use yet."""
    sid, n = base, 1
    while f'"{sid}"' in text:
        n += 1
        sid = f"{base}{n}"
    return sid


class StatementBuilderForm(forms.Form):
    """Build one statement. Field names are prefixed ("sb-") so they never clash with the
    document fields of the surrounding form."""

    document = forms.ChoiceField(label="Insert into")
    effect = forms.ChoiceField(choices=[("Allow", "Allow"), ("Deny", "Deny")], initial="Allow",
                               widget=forms.RadioSelect)
    principal = forms.ChoiceField(required=False, label="Principal",
                                  help_text="Key and bucket policies only; IAM policies have no Principal.")
    actions = forms.MultipleChoiceField(label="Actions", widget=forms.SelectMultiple(attrs={"size": 8}),
                                        help_text="★ marks the actions this scenario's steps use.")
    resource = forms.ChoiceField(label="Resource",
                                 help_text='In a key policy, "*" means "this key".')
    sid = forms.CharField(required=False, max_length=100, label="Sid (optional)")
    condition_operator = forms.ChoiceField(required=False, label="Condition operator")
    condition_key = forms.ChoiceField(required=False, label="Condition key")
    condition_value = forms.CharField(required=False, max_length=2048, label="Condition value")

    def __init__(self, spec: ScenarioSpec, *args: object, used_actions: frozenset[str] = frozenset(),
                 **kwargs: object) -> None:
        kwargs.setdefault("prefix", "sb")
        kwargs.setdefault("use_required_attribute", False)  # the surrounding form also simulates
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.spec = spec
        docs = [d for d in spec.editable if d.kind in POLICY_KINDS]
        self.fields["document"].choices = [(d.name, d.title) for d in docs]
        self.document_kinds = {d.name: d.kind for d in docs}

        principals: list[tuple[str, str]] = [(NO_PRINCIPAL, "(none: IAM policy)")]
        for acct in spec.accounts:
            principals.append((f"arn:aws:iam::{acct.id}:root", f"{acct.label} root: the whole account ({acct.id})"))
        for p in spec.principals:
            if p.type == "service":
                principals.append((f"service:{p.arn}", f"Service: {p.arn}"))
            elif p.type != "root":
                principals.append((p.arn, f"{p.label or p.name}: {p.arn}"))
        principals.append(("*", '"*" (everyone: needs a condition)'))
        self.fields["principal"].choices = principals

        used = {a.lower() for a in used_actions}
        action_choices: list[tuple[str, str]] = []
        for info in KMS_ACTIONS.values():
            name = info.full_name
            action_choices.append((name, f"★ {name}" if name.lower() in used else name))
        for svc in OTHER_ACTIONS.values():
            for info in svc.values():
                if info.full_name.lower() in used:
                    action_choices.append((info.full_name, f"★ {info.full_name}"))
        action_choices.sort(key=lambda c: (not c[1].startswith("★"), c[0]))
        self.fields["actions"].choices = action_choices

        resources: list[tuple[str, str]] = [("*", '"*" (in a key policy: this key)')]
        for key in spec.keys:
            resources.append((key.arn, f"{key.name}: {key.arn}"))
        for bucket in spec.buckets:
            resources.append((f"arn:aws:s3:::{bucket.name}/*", f"objects in {bucket.name}"))
        self.fields["resource"].choices = resources

        self.fields["condition_operator"].choices = [("", "(no condition)")] + [(o, o) for o in CONDITION_OPERATORS]
        self.fields["condition_key"].choices = [("", "(choose a key)")] + [(k, k) for k in CONDITION_KEYS]

        self.helper = FormHelper()
        self.helper.form_tag = False  # lives inside the scenario's one form (works without JS)
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Fieldset(
                "Statement builder",
                Div(Div(Field("document"), css_class="col-12 col-sm-6 col-xl-12 col-xxl-6"),
                    Div(Field("sid"), css_class="col-12 col-sm-6 col-xl-12 col-xxl-6"),
                    css_class="row"),
                Field("effect"), Field("principal"), Field("actions"), Field("resource"),
                Div(Div(Field("condition_operator"), css_class="col-12 col-md-4 col-xl-12"),
                    Div(Field("condition_key"), css_class="col-12 col-md-4 col-xl-12"),
                    Div(Field("condition_value"), css_class="col-12 col-md-4 col-xl-12"), css_class="row"),
            )
        )

    def clean_actions(self) -> list[str]:
        actions: list[str] = self.cleaned_data.get("actions") or []
        if len(actions) > MAX_ACTIONS:
            raise forms.ValidationError(f"choose at most {MAX_ACTIONS} actions")
        return actions

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        kind = self.document_kinds.get(str(data.get("document", "")))
        principal = str(data.get("principal") or "")
        if kind in RESOURCE_POLICY_KINDS and not principal:
            self.add_error("principal", "a key or bucket policy statement needs a Principal")
        if kind is DocumentKind.IDENTITY and principal:
            self.add_error("principal", "an IAM (identity) policy has no Principal: choose \"(none)\"")
        op, key, value = (str(data.get(f) or "").strip() for f in ("condition_operator", "condition_key", "condition_value"))
        if any((op, key, value)) and not all((op, key, value)):
            self.add_error("condition_operator", "a condition needs an operator, a key and a value (or none of them)")
        return data

    def statement(self, document_text: str = "") -> dict[str, object]:
        """The statement as JSON-ready data (call after is_valid())."""
        d = self.cleaned_data
        actions: list[str] = d["actions"]
        stmt: dict[str, object] = {}
        base = str(d.get("sid") or "").strip() or _default_sid(d["effect"], actions)
        stmt["Sid"] = _unique_sid(document_text, base) if not d.get("sid") else base
        stmt["Effect"] = d["effect"]
        principal = str(d.get("principal") or "")
        if principal == "*":
            stmt["Principal"] = "*"
        elif principal.startswith("service:"):
            stmt["Principal"] = {"Service": principal.removeprefix("service:")}
        elif principal:
            stmt["Principal"] = {"AWS": principal}
        stmt["Action"] = actions[0] if len(actions) == 1 else actions
        stmt["Resource"] = d["resource"]
        op = str(d.get("condition_operator") or "")
        if op:
            stmt["Condition"] = {op: {d["condition_key"]: str(d["condition_value"]).strip()}}
        return stmt


def _default_sid(effect: str, actions: list[str]) -> str:
    words = "".join(ch for ch in (actions[0].split(":", 1)[-1] if actions else "") if ch.isalnum())
    more = "AndMore" if len(actions) > 1 else ""
    return f"{effect}{words}{more}"[:100] or effect
