"""Stage 2 of the pipeline, load: a scenario file (TOML) or a stored dict in, a checked ScenarioSpec out.

Responsible for typed access to the raw TOML/JSON data with the path of each value for
messages, cross-references (principals, keys, buckets, documents, objective kinds) and
"did you mean" suggestions. Every problem raises ScenarioError with one clear line naming the
file and the place (`steps[2].caller: unknown principal `bobb`; did you mean `bob`?`).
A spec is also what the database stores (`Scenario.data`, the plain dict of the file), so an
instructor's clone in the admin is read by the same `spec_from_dict`.
Must not: import Django or run anything.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import tomllib
from collections.abc import Mapping
from pathlib import Path

from kmslab.iam.decision import Gate
from kmslab.lab.spec import (
    OBJECTIVE_KINDS,
    SLUG_CHARS,
    Account,
    Bucket,
    Document,
    DocumentKind,
    ExpectedFailure,
    Expect,
    Key,
    ObjectiveSpec,
    Principal,
    ScenarioError,
    ScenarioSpec,
    Step,
    Trail,
)


class Reader:
    """Typed access to one table of the raw data, with the path for messages."""

    def __init__(self, data: object, path: str, where: str) -> None:
        if not isinstance(data, Mapping):
            raise ScenarioError(f"{where}{path or 'the scenario'}: expected a table, got {_tname(data)}")
        self.data: Mapping[str, object] = data
        self.path = path
        self.where = where

    def at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def fail(self, key: str, message: str) -> ScenarioError:
        return ScenarioError(f"{self.where}{self.at(key)}: {message}")

    def text(self, key: str, default: str | None = None) -> str:
        value = self.data.get(key, default)
        if value is None:
            raise self.fail(key, "missing")
        if not isinstance(value, str):
            raise self.fail(key, f"expected text, got {_tname(value)}")
        return value

    def whole(self, key: str, default: int | None = None) -> int:
        value = self.data.get(key, default)
        if value is None:
            raise self.fail(key, "missing")
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(key, f"expected a whole number, got {_tname(value)}")
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(key, f"expected true or false, got {_tname(value)}")
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key, [])
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, "expected a list of text")
        return tuple(value)

    def tables(self, key: str, required: bool = True) -> list[Reader]:
        value = self.data.get(key, [])
        if not isinstance(value, list):
            raise self.fail(key, f"expected a list of tables, got {_tname(value)}")
        if required and not value:
            raise self.fail(key, "at least one entry is needed")
        return [Reader(v, f"{self.at(key)}[{i}]", self.where) for i, v in enumerate(value)]

    def mapping(self, key: str) -> Mapping[str, object]:
        value = self.data.get(key, {})
        if not isinstance(value, Mapping):
            raise self.fail(key, f"expected a table, got {_tname(value)}")
        return value


def _tname(value: object) -> str:
    return {dict: "a table", list: "a list", str: "text", bool: "a boolean", int: "a number",
            float: "a number", type(None): "nothing"}.get(type(value), type(value).__name__)


def _one_of(r: Reader, key: str, value: str, known: object, what: str) -> str:
    names = list(known)  # type: ignore[call-overload]
    if value not in names:
        close = difflib.get_close_matches(value, names, n=1)
        hint = f"; did you mean `{close[0]}`?" if close else f" (known: {', '.join(names) or 'none'})"
        raise r.fail(key, f"unknown {what} `{value}`{hint}")
    return value


MAX_FILE_BYTES = 512 * 1024


def load_spec(path: str | Path) -> ScenarioSpec:
    """Read and check one scenario file (TOML)."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise ScenarioError(f"`{p.name}`: cannot read the file ({exc.strerror})") from exc
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError(f"`{p.name}`: file is {len(raw)} bytes, more than {MAX_FILE_BYTES}")
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"`{p.name}`: not UTF-8 text ({exc.reason})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"`{p.name}`: invalid TOML: {exc}") from exc
    return spec_from_dict(data, source=p.name)


def spec_from_dict(d: object, *, source: str = "") -> ScenarioSpec:
    """Turn a plain dict (from TOML or the database) into a checked ScenarioSpec."""
    where = f"`{source}`: " if source else ""
    try:
        spec = _spec(Reader(d, "", where), source)
        content = json.dumps(d, sort_keys=True, default=str, ensure_ascii=False)
        object.__setattr__(spec, "fingerprint", hashlib.sha1(content.encode("utf-8", "surrogatepass"),
                                                             usedforsecurity=False).hexdigest())
        return spec
    except ScenarioError:
        raise
    except Exception as exc:  # a bug in a check must still read as a scenario error
        raise ScenarioError(f"{where}unreadable scenario ({type(exc).__name__}: {exc})") from exc


def _spec(r: Reader, source: str) -> ScenarioSpec:
    slug = r.text("slug")
    if not slug or not set(slug) <= SLUG_CHARS or len(slug) > 80:
        raise r.fail("slug", f"`{slug}` must be 1-80 lowercase letters, digits and dashes")
    region = r.text("region", "us-east-1")

    accounts = tuple(Account(a.text("id"), a.text("label"), a.text("role", "")) for a in r.tables("accounts"))
    for i, acct in enumerate(accounts):
        if len(acct.id) != 12 or not acct.id.isdigit():
            raise ScenarioError(f"{r.where}accounts[{i}].id: `{acct.id}` is not a 12-digit account id")
    account_ids = [a.id for a in accounts]
    if len(set(account_ids)) != len(account_ids):
        raise r.fail("accounts", "an account id is listed twice")

    documents: list[Document] = []
    for dr in r.tables("documents"):
        kind_text = dr.text("kind")
        try:
            kind = DocumentKind(kind_text)
        except ValueError:
            _one_of(dr, "kind", kind_text, [k.value for k in DocumentKind], "document kind")
            raise  # unreachable: _one_of raised
        documents.append(Document(
            name=dr.text("name"), title=dr.text("title"),
            account=_one_of(dr, "account", dr.text("account"), account_ids, "account"),
            kind=kind, text=dr.text("text"), editable=dr.flag("editable", True),
            description=dr.text("description", ""),
        ))
    doc_names = [d.name for d in documents]
    _unique(r, "documents", doc_names)
    for d in documents:
        if not d.name.isidentifier():
            raise r.fail("documents", f"name `{d.name}` must be a form field name (letters, digits, _)")
    if not any(d.editable for d in documents):
        raise r.fail("documents", "at least one document must be editable")

    def doc_ref(t: Reader, key: str, kinds: tuple[DocumentKind, ...]) -> str:
        name = t.text(key, "")
        if name:
            _one_of(t, key, name, doc_names, "document")
            doc = next(d for d in documents if d.name == name)
            if doc.kind not in kinds:
                raise t.fail(key, f"document `{name}` is a {doc.kind.value}, expected {' or '.join(k.value for k in kinds)}")
        return name

    principals: list[Principal] = []
    for pr in r.tables("principals"):
        ptype = pr.text("type")
        _one_of(pr, "type", ptype, ["user", "role", "root", "service"], "principal type")
        account = pr.text("account", "")
        if ptype != "service":
            _one_of(pr, "account", account, account_ids, "account")
        policies = pr.texts("policies")
        for i, pol in enumerate(policies):
            _one_of(pr, f"policies[{i}]", pol, doc_names, "document")
            if next(d for d in documents if d.name == pol).kind is not DocumentKind.IDENTITY:
                raise pr.fail(f"policies[{i}]", f"document `{pol}` is not an identity policy")
        principals.append(Principal(
            name=pr.text("name"), account=account, type=ptype, arn=pr.text("arn"),
            label=pr.text("label", ""), session=pr.text("session", ""), policies=policies,
        ))
    _unique(r, "principals", [p.name for p in principals])

    keys: list[Key] = []
    for kr in r.tables("keys"):
        account = _one_of(kr, "account", kr.text("account"), account_ids, "account")
        key_id = kr.text("id")
        managed = kr.text("managed", "")
        if managed not in ("", "aws/s3", "aws/ebs"):
            raise kr.fail("managed", f"`{managed}` is not supported (use \"aws/s3\" or \"aws/ebs\")")
        policy = doc_ref(kr, "policy", (DocumentKind.KEY_POLICY,))
        if not managed and not policy:
            raise kr.fail("policy", "a customer managed key needs a key policy document")
        if managed and policy:
            raise kr.fail("policy", "an AWS managed key's policy is fixed by AWS; remove `policy`")
        keys.append(Key(
            name=kr.text("name"), account=account, key_id=key_id,
            arn=f"arn:aws:kms:{region}:{account}:key/{key_id}", policy=policy,
            alias=kr.text("alias", managed and f"alias/{managed}"), managed=managed,
            description=kr.text("description", ""),
        ))
    _unique(r, "keys", [k.name for k in keys])
    key_names = [k.name for k in keys]

    buckets: list[Bucket] = []
    for br in r.tables("buckets", required=False):
        default_key = br.text("default_key", "")
        if default_key and default_key != "aws/s3":
            _one_of(br, "default_key", default_key, key_names, "key")
        buckets.append(Bucket(
            name=br.text("name"), account=_one_of(br, "account", br.text("account"), account_ids, "account"),
            policy=doc_ref(br, "policy", (DocumentKind.BUCKET_POLICY,)),
            encryption=doc_ref(br, "encryption", (DocumentKind.BUCKET_ENCRYPTION,)),
            default_key=default_key, bucket_key=br.flag("bucket_key", False),
        ))
    _unique(r, "buckets", [b.name for b in buckets])

    trails: list[Trail] = []
    for tr in r.tables("trails", required=False):
        account = _one_of(tr, "account", tr.text("account"), account_ids, "account")
        name = tr.text("name")
        trails.append(Trail(
            name=name, account=account,
            bucket=_one_of(tr, "bucket", tr.text("bucket"), [b.name for b in buckets], "bucket"),
            key=_one_of(tr, "key", tr.text("key"), key_names, "key"),
            arn=f"arn:aws:cloudtrail:{region}:{account}:trail/{name}",
        ))

    principal_names = [p.name for p in principals]
    steps: list[Step] = []
    for sr in r.tables("steps"):
        expect_text = sr.text("expect", "success")
        _one_of(sr, "expect", expect_text, ["success", "failure"], "expected outcome")
        params = dict(sr.mapping("params"))
        for k, v in params.items():
            if isinstance(v, str) and v.startswith("@"):
                _one_of(sr, f"params.{k}", v[1:], doc_names, "document")
        steps.append(Step(
            title=sr.text("title"),
            caller=_one_of(sr, "caller", sr.text("caller"), principal_names, "principal"),
            service=_one_of(sr, "service", sr.text("service"), ["s3", "kms", "ec2", "cloudtrail"], "service"),
            operation=sr.text("operation"), params=params, expect=Expect(expect_text),
            expect_error=sr.text("expect_error", ""), why=sr.text("why", ""),
        ))

    objectives = tuple(
        ObjectiveSpec(o.text("id"), _one_of(o, "kind", o.text("kind"), OBJECTIVE_KINDS, "objective kind"),
                      o.text("title"), dict(o.mapping("params")))
        for o in r.tables("objectives", required=False)
    )
    _unique(r, "objectives", [o.id for o in objectives])

    editable = [d.name for d in documents if d.editable]
    solution_raw = r.mapping("solution")
    solution: dict[str, str] = {}
    for name, text in solution_raw.items():
        _one_of(r, f"solution.{name}", name, editable, "editable document")
        if not isinstance(text, str):
            raise r.fail(f"solution.{name}", f"expected text, got {_tname(text)}")
        solution[name] = text
    if not solution:
        raise r.fail("solution", "a reference solution is needed (one entry per edited document)")

    sf = Reader(r.mapping("start_failure"), "start_failure", r.where)
    gate_text = sf.text("gate", "")
    gate = _one_of(sf, "gate", gate_text, [g.value for g in Gate], "gate") if gate_text else ""
    start_failure = ExpectedFailure(sf.whole("step"), Gate(gate) if gate else None, sf.text("error"))
    if not 1 <= start_failure.step <= len(steps):
        raise sf.fail("step", f"{start_failure.step} is not a step number (1-{len(steps)})")

    return ScenarioSpec(
        slug=slug, title=r.text("title"), summary=r.text("summary"), narrative=r.text("narrative"),
        level=_one_of(r, "level", r.text("level", "beginner"), ["beginner", "intermediate", "advanced"], "level"),
        order=r.whole("order", 100), region=region, lesson=r.text("lesson", "/lesson/"),
        closing=r.text("closing"), accounts=accounts, principals=tuple(principals), keys=tuple(keys),
        buckets=tuple(buckets), trails=tuple(trails), documents=tuple(documents), steps=tuple(steps),
        objectives=objectives, hints=r.texts("hints"), solution=solution, start_failure=start_failure,
        notes=r.texts("notes"), source=source or r.text("source", ""),
        tolerated_actions=r.texts("tolerated_actions"),
    )


def _unique(r: Reader, key: str, names: list[str]) -> None:
    seen: set[str] = set()
    for n in names:
        if n in seen:
            raise r.fail(key, f"`{n}` is used twice")
        seen.add(n)
