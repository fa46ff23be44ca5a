"""Build one `Statement` (and its Principal, Action, Resource and Condition blocks) from JNodes.

Responsible for the per-statement half of parse: element types, "string or list" normalisation,
condition value normalisation (JSON true -> "true", numbers as written), spans, and the
structural ERROR findings of a statement. Must not: raise, or judge meaning (validate does).
"""

from __future__ import annotations

import difflib
from bisect import bisect_right

from kmslab.iam.findings import Finding, Severity
from kmslab.iam.jsonpos import ARRAY, BOOL, NULL, NUMBER, OBJECT, STRING, JNode, LineIndex, Member
from kmslab.iam.policy import (
    ConditionClause,
    Effect,
    PolicyKind,
    PrincipalBlock,
    PrincipalType,
    PrincipalValue,
    Span,
    Statement,
    Value,
    ValueBlock,
)

# SIMULATION: element names are matched exactly (AWS spells them so in the policy grammar,
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html); an unknown or
# wrongly-cased element is an error with a did-you-mean hint, and the document is not used.
STATEMENT_ELEMENTS = ("Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
                      "Resource", "NotResource", "Condition")
_KIND_NAMES = {OBJECT: "an object", ARRAY: "a list", STRING: "a string", NUMBER: "a number",
               BOOL: "a boolean", NULL: "null"}
_PRINCIPAL_TYPES = tuple(t.value for t in PrincipalType)
# dict lookups instead of calling the enums (an Enum call costs about 1 us)
_PRINCIPAL_TYPE_BY_NAME = {t.value: t for t in PrincipalType}
_EFFECT_BY_NAME = {e.value: e for e in Effect}


# The policy values are built positionally, in field order (their `fast_init` constructors).
_condition_clause = ConditionClause
_principal_value = PrincipalValue
_value_block = ValueBlock
_principal_block = PrincipalBlock
_statement = Statement


def child_pointer(parent: str, key: str | int) -> str:
    """RFC 6901: `~` -> `~0`, `/` -> `~1`."""
    if isinstance(key, int):
        return f"{parent}/{key}"
    if "~" in key or "/" in key:
        key = key.replace("~", "~0").replace("/", "~1")
    return f"{parent}/{key}"


def _did_you_mean(word: str, choices: tuple[str, ...]) -> str:
    lowered = {c.lower(): c for c in choices}
    if word.lower() in lowered:
        return f"did you mean `{lowered[word.lower()]}`? element names are case-sensitive"
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.7)
    return f"did you mean `{close[0]}`?" if close else ""


class Builder:
    """Collects findings while building statements; one per parse."""

    def __init__(self, index: LineIndex | None) -> None:
        self.index = index
        self.starts: list[int] | None = index.starts if index is not None else None
        self.nlines = len(index.starts) if index is not None else 0
        self.findings: list[Finding] = []

    # -- positions and findings
    def _span(self, start: int, end: int, pointer: str) -> Span:
        # hot path (about a thousand calls per 30 KB document): inlined LineIndex.position
        starts = self.starts
        if starts is None or start < 0:
            return Span(pointer)
        line = bisect_right(starts, start)
        if line < self.nlines and end >= starts[line]:
            end_line = bisect_right(starts, end)
            return Span(pointer, line, start - starts[line - 1] + 1, end_line, end - starts[end_line - 1] + 1)
        first = starts[line - 1]
        return Span(pointer, line, start - first + 1, line, end - first + 1)

    def span(self, node: JNode, pointer: str) -> Span:
        return self._span(node.start, node.end, pointer)

    def key_span(self, member: Member, pointer: str) -> Span:
        return self._span(member.key_start, member.key_end, pointer)

    def error(self, code: str, message: str, span: Span, hint: str = "") -> None:
        self.findings.append(Finding(code, Severity.ERROR, message, span, hint))

    @staticmethod
    def kind_name(node: JNode) -> str:
        return _KIND_NAMES.get(node.kind, node.kind)

    def members(self, node: JNode, pointer: str) -> dict[str, Member]:
        """The members of an object node by key; a repeated key is an error (the last one is kept)."""
        out: dict[str, Member] = {}
        assert isinstance(node.value, list)
        for m in node.value:
            assert isinstance(m, Member)
            if m.key in out:
                # SIMULATION: AWS does not document which copy of a repeated key wins; we reject
                # the document so a learner never relies on it.
                self.error("duplicate-key", f"the key `{m.key[:80]}` appears twice in the same object",
                           self.key_span(m, child_pointer(pointer, m.key)),
                           "keep one; merge their values into a list if you meant both")
            out[m.key] = m
        return out

    def unknown_element(self, key: str, m: Member, pointer: str, known: tuple[str, ...], what: str) -> None:
        hint = _did_you_mean(key, known) or what
        self.error("unknown-element", f"`{key[:80]}` is not a policy element", self.key_span(m, pointer), hint)

    # -- values
    def strings(self, node: JNode, pointer: str, element: str) -> tuple[Value, ...] | None:
        """A string or a list of strings; None (with a finding) otherwise."""
        if node.kind == STRING:
            return (Value(str(node.value), self._span(node.start, node.end, pointer)),)
        if node.kind == ARRAY:
            assert isinstance(node.value, list)
            out: list[Value] = []
            ok = True
            span = self._span
            for i, child in enumerate(node.value):
                p = f"{pointer}/{i}"
                if child.kind != STRING:
                    self.error("wrong-type", f"each `{element}` value must be a string, not {self.kind_name(child)}",
                               self.span(child, p), f"write it in double quotes, e.g. `\"{child.value}\"`"
                               if child.kind in (NUMBER, BOOL) else "")
                    ok = False
                    continue
                out.append(Value(str(child.value), span(child.start, child.end, p)))
            return tuple(out) if ok else None
        self.error("wrong-type", f"`{element}` must be a string or a list of strings, not {self.kind_name(node)}",
                   self.span(node, pointer))
        return None

    def value_block(self, members: dict[str, Member], pointer: str, name: str, neg: str) -> ValueBlock | None:
        if name in members and neg in members:
            m = members[neg]
            self.error(f"both-{name.lower()}-and-{neg.lower()}", f"a statement cannot have both `{name}` and `{neg}`",
                       self.key_span(m, child_pointer(pointer, neg)), f"keep either `{name}` or `{neg}`")
            return None
        for element, negated in ((name, False), (neg, True)):
            if element in members:
                node = members[element].node
                p = child_pointer(pointer, element)
                values = self.strings(node, p, element)
                if values is None:
                    return None
                return _value_block(negated, values, self.span(node, p))
        return None

    def principal(self, members: dict[str, Member], pointer: str) -> PrincipalBlock | None:
        if "Principal" in members and "NotPrincipal" in members:
            self.error("both-principal-and-notprincipal", "a statement cannot have both `Principal` and `NotPrincipal`",
                       self.key_span(members["NotPrincipal"], child_pointer(pointer, "NotPrincipal")),
                       "keep either `Principal` or `NotPrincipal`")
            return None
        for element, negated in (("Principal", False), ("NotPrincipal", True)):
            if element not in members:
                continue
            node = members[element].node
            p = child_pointer(pointer, element)
            span = self.span(node, p)
            if node.kind == STRING:
                if node.value == "*":
                    return _principal_block(negated, True, (), span)
                self.error("invalid-principal", f"`{element}` as a string must be `\"*\"`, not `{str(node.value)[:80]}`",
                           span, f'write `"{element}": {{"AWS": "{str(node.value)[:80]}"}}`')
                return None
            if node.kind != OBJECT:
                self.error("wrong-type", f"`{element}` must be `\"*\"` or an object, not {self.kind_name(node)}", span,
                           f'write `"{element}": {{"AWS": "arn:aws:iam::111122223333:root"}}`')
                return None
            entries: list[PrincipalValue] = []
            pmembers = self.members(node, p)
            if not pmembers:
                self.error("empty-principal", f"`{element}` names no principal", span,
                           'add e.g. `"AWS": "arn:aws:iam::111122223333:root"`')
                return None
            for key, m in pmembers.items():
                kp = child_pointer(p, key)
                if key not in _PRINCIPAL_TYPES:
                    hint = _did_you_mean(key, _PRINCIPAL_TYPES) or "use `AWS`, `Service`, `Federated` or `CanonicalUser`"
                    self.error("unknown-principal-type", f"`{key[:80]}` is not a principal type",
                               self.key_span(m, kp), hint)
                    continue
                values = self.strings(m.node, kp, f"{element} {key}")
                if values is None:
                    continue
                ptype = _PRINCIPAL_TYPE_BY_NAME[key]
                entries.extend([_principal_value(ptype, v) for v in values])
            return _principal_block(negated, False, tuple(entries), span)
        return None

    def conditions(self, node: JNode, pointer: str) -> tuple[ConditionClause, ...]:
        if node.kind != OBJECT:
            self.error("wrong-type", f"`Condition` must be an object, not {self.kind_name(node)}", self.span(node, pointer),
                       'write `"Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}`')
            return ()
        clauses: list[ConditionClause] = []
        for op, om in self.members(node, pointer).items():
            op_pointer = child_pointer(pointer, op)
            op_span = self.key_span(om, op_pointer)
            if om.node.kind != OBJECT:
                self.error("wrong-type", f"the `{op[:80]}` condition must be an object of keys, not "
                           f"{self.kind_name(om.node)}", self.span(om.node, op_pointer),
                           f'write `"{op[:80]}": {{"<condition key>": "<value>"}}`')
                continue
            for key, km in self.members(om.node, op_pointer).items():
                kp = child_pointer(op_pointer, key)
                values = self._condition_values(km.node, kp, key)
                if values is None:
                    continue
                clauses.append(_condition_clause(op, key, values, self.key_span(km, kp), op_span))
        return tuple(clauses)

    def _condition_values(self, node: JNode, pointer: str, key: str) -> tuple[Value, ...] | None:
        is_array = node.kind == ARRAY
        items: list[JNode] = node.value if is_array else [node]  # type: ignore[assignment]
        out: list[Value] = []
        span = self._span
        for i, child in enumerate(items):
            p = f"{pointer}/{i}" if is_array else pointer
            kind = child.kind
            if kind == STRING or kind == NUMBER:
                out.append(Value(str(child.value), span(child.start, child.end, p)))
            elif kind == BOOL:
                out.append(Value("true" if child.value else "false", span(child.start, child.end, p)))
            else:
                self.error("wrong-type", f"a value of condition key `{key[:80]}` must be a string, number or "
                           f"boolean, not {self.kind_name(child)}", self.span(child, p),
                           "list several values as `[\"a\", \"b\"]`" if child.kind == ARRAY else "")
                return None
        return tuple(out)

    # -- the statement
    def statement(self, node: JNode, pointer: str, index: int, kind: PolicyKind) -> Statement | None:
        before = len(self.findings)
        members = self.members(node, pointer)
        for key, m in members.items():
            if key not in STATEMENT_ELEMENTS:
                self.unknown_element(key, m, child_pointer(pointer, key), STATEMENT_ELEMENTS,
                                     "a statement has `Sid`, `Effect`, `Principal`, `Action`, `Resource`, `Condition`")
        sid: str | None = None
        if "Sid" in members:
            sn = members["Sid"].node
            if sn.kind != STRING:
                self.error("wrong-type", f"`Sid` must be a string, not {self.kind_name(sn)}",
                           self.span(sn, child_pointer(pointer, "Sid")))
            else:
                sid = str(sn.value)
        effect: Effect | None = None
        stmt_span = self.span(node, pointer)
        effect_span = stmt_span
        if "Effect" not in members:
            self.error("missing-effect", f"statement {index + 1} has no `Effect`", stmt_span,
                       'add `"Effect": "Allow"` or `"Effect": "Deny"`')
        else:
            en = members["Effect"].node
            effect_span = self.span(en, child_pointer(pointer, "Effect"))
            # AWS: "The Effect value is case sensitive"
            # (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_effect.html)
            if en.kind == STRING and en.value in ("Allow", "Deny"):
                effect = _EFFECT_BY_NAME[str(en.value)]
            else:
                shown = str(en.value)[:80] if en.kind == STRING else self.kind_name(en)
                fix = "Allow" if str(en.value).lower().startswith("a") else "Deny"
                self.error("invalid-effect", f"`Effect` must be `Allow` or `Deny`, not `{shown}`", effect_span,
                           f"did you mean `{fix}`? (case-sensitive)" if en.kind == STRING
                           and str(en.value).lower() in ("allow", "deny") else "write `Allow` or `Deny`")
        principal = self.principal(members, pointer)
        action = self.value_block(members, pointer, "Action", "NotAction")
        resource = self.value_block(members, pointer, "Resource", "NotResource")
        conditions: tuple[ConditionClause, ...] = ()
        condition_span: Span | None = None
        if "Condition" in members:
            cn = members["Condition"].node
            cp = child_pointer(pointer, "Condition")
            condition_span = self.span(cn, cp)
            conditions = self.conditions(cn, cp)
        if effect is None or len(self.findings) > before:
            return None
        return _statement(index, sid, effect, principal, action, resource, conditions, stmt_span, effect_span,
                          condition_span)
