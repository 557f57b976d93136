"""Test-only bridge: moto 5.2.1 plus the AWS behaviour orgbackup's tests need.

Usage: python3 bridge.py -H 127.0.0.1 -p PORT   (-p 0 picks a free port)

It patches moto in place before the server starts, then serves moto's own
WSGI app behind a small middleware that adds /orgbackup-test/* endpoints
for tests (reset, seeding jobs, failing stack instances, holding StackSet
operations). Every patch is listed, with the gap it fills, in README.md
beside this file; keep the two in step. Nothing here is production code.

The first stdout line is "listening http://HOST:PORT"; the server exits
when its stdin closes, so a test binary that dies cannot leak it.
"""

import argparse
import copy
import json
import os
import sys
import threading
import time
import uuid
from datetime import datetime, timezone

os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")

from moto.backup import models as backup_models  # noqa: E402
from moto.backup import responses as backup_responses  # noqa: E402
from moto.backup import urls as backup_urls  # noqa: E402
from moto.cloudformation import models as cfn_models  # noqa: E402
from moto.cloudformation import responses as cfn_responses  # noqa: E402
from moto.cloudformation.exceptions import ValidationError  # noqa: E402
from moto.core.common_models import CloudFormationModel  # noqa: E402
from moto.core.exceptions import ServiceException  # noqa: E402
from moto.core.responses import ActionResult, EmptyResult  # noqa: E402
from moto.iam import models as iam_models  # noqa: E402
from moto.organizations import models as org_models  # noqa: E402
from moto.organizations import responses as org_responses  # noqa: E402
from moto.organizations.exceptions import (  # noqa: E402
    ConstraintViolationException,
    DuplicatePolicyException,
    InvalidInputException,
    OrganizationsClientError,
    TargetNotFoundException,
)

# One lock around every request: moto's backends are plain lists and dicts
# and werkzeug serves requests on threads, so concurrent mutations (a
# client with bounded concurrency, a proxy replaying a dropped call) could
# otherwise interleave inside moto. Each request takes milliseconds.
LOCK = threading.RLock()

# Bridge state that moto's own reset does not know about. /orgbackup-test/reset
# clears it together with moto's backends.
STATE = {}


def reset_state():
    STATE.clear()
    STATE.update(
        {
            "effective": {},  # (mgmt, type, account) -> (content, timestamp)
            "global_settings": {},  # account -> (settings, timestamp)
            "jobs": {"backup": [], "copy": [], "restore": []},
            "failing": {},  # (account, region or "*") -> reason
            "hold": False,  # new StackSet operations stay RUNNING
        }
    )


reset_state()


def now():
    return datetime.now(timezone.utc)


class Err(ServiceException):
    """An AWS error by code; moto serializes it with the service's protocol."""

    def __init__(self, code, message, **attrs):
        super().__init__(code, message)
        for k, v in attrs.items():
            setattr(self, k, v)


# ---------------------------------------------------------------------------
# Organizations
# ---------------------------------------------------------------------------

# Patch O1: CreatePolicy of BACKUP_POLICY. moto's FakePolicy raises
# NotImplementedError for the type; build it as a TAG_POLICY, then relabel.
_orig_policy_init = org_models.FakePolicy.__init__


def _policy_init(self, org, **kw):
    if kw.get("Type") != "BACKUP_POLICY":
        return _orig_policy_init(self, org, **kw)
    _orig_policy_init(self, org, **dict(kw, Type="TAG_POLICY"))
    self.type = "BACKUP_POLICY"
    self._arn_format = "arn:{0}:organizations::{1}:policy/{2}/backup_policy/{3}"


org_models.FakePolicy.__init__ = _policy_init

# Patch O7: delegated administrators for AWS Backup and StackSets.
for _p in ("backup.amazonaws.com", "member.org.stacksets.cloudformation.amazonaws.com"):
    if _p not in org_models.FakeDelegatedAdministrator.SUPPORTED_SERVICES:
        org_models.FakeDelegatedAdministrator.SUPPORTED_SERVICES.append(_p)

MANAGEMENT_TYPES = ("BACKUP_POLICY", "TAG_POLICY", "AISERVICES_OPT_OUT_POLICY")
CONTENT_LIMITS = {"BACKUP_POLICY": 10000, "TAG_POLICY": 10000}

R = org_responses.OrganizationsResponse
_orig = {
    name: getattr(R, name)
    for name in (
        "create_policy",
        "update_policy",
        "attach_policy",
        "detach_policy",
        "disable_policy_type",
        "enable_policy_type",
        "move_account",
        "create_account",
    )
}


def _check_content(policy_type, content):
    # Patch O2: content checks. moto stores any string.
    if content is None or policy_type not in CONTENT_LIMITS:
        return
    if len(content) > CONTENT_LIMITS[policy_type]:
        raise Err(
            "ConstraintViolationException",
            "You attempted to create or update a policy whose content exceeds the size limit.",
            reason="POLICY_CONTENT_LIMIT_EXCEEDED",
        )
    try:
        doc = json.loads(content)
    except ValueError:
        doc = None
    if not isinstance(doc, dict):
        raise Err(
            "MalformedPolicyDocumentException",
            "The provided policy document does not meet the requirements of the specified policy type.",
        )


def _create_policy(self):
    p = self.request_params
    _check_content(p.get("Type"), p.get("Content"))
    return _orig["create_policy"](self)


def _update_policy(self):
    p = self.request_params
    b = self.organizations_backend
    policy = b.get_policy_by_id(p.get("PolicyId", ""))
    _check_content(policy.type, p.get("Content"))
    # Patch O3: renaming onto another policy's name is a DuplicatePolicyException.
    name = p.get("Name")
    if name and any(q.name == name and q is not policy for q in b.policies):
        raise DuplicatePolicyException
    out = _orig["update_policy"](self)
    refresh_effective(b)
    return out


def _target(b, target_id):
    """The root, OU or account, or AWS's TargetNotFoundException (moto
    raises OU/AccountNotFoundException instead)."""
    for e in b.ou:
        if e.id == target_id:
            return e
    for e in b.accounts:
        if e.id == target_id:
            return e
    if not (
        target_id.startswith("r-") or target_id.startswith("ou-") or target_id.isdigit()
    ):
        raise InvalidInputException("You specified an invalid value.")
    raise TargetNotFoundException


def _root(b):
    return next(o for o in b.ou if isinstance(o, org_models.FakeRoot))


def _type_enabled(b, policy_type):
    if policy_type in ("SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"):
        return True  # moto attaches its FullAWSAccess defaults without enabling
    return any(
        t["Type"] == policy_type and t["Status"] == "ENABLED"
        for t in _root(b).policy_types
    )


def _attach_policy(self):
    # Patch O4: attach errors AWS returns and moto does not.
    p = self.request_params
    b = self.organizations_backend
    policy = b.get_policy_by_id(p.get("PolicyId", ""))
    target = _target(b, p.get("TargetId", ""))
    if not _type_enabled(b, policy.type):
        raise Err(
            "PolicyTypeNotEnabledException",
            "This operation can be performed only for enabled policy types.",
        )
    if policy in target.attached_policies:
        raise Err(
            "DuplicatePolicyAttachmentException",
            "The selected policy is already attached to the specified target.",
        )
    if sum(1 for q in target.attached_policies if q.type == policy.type) >= 10:
        raise Err(
            "ConstraintViolationException",
            "You attempted to exceed the number of policies of a certain type that can be attached to an entity at one time.",
            reason="MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED",
        )
    out = _orig["attach_policy"](self)
    refresh_effective(b)
    return out


def _detach_policy(self):
    p = self.request_params
    b = self.organizations_backend
    policy = b.get_policy_by_id(p.get("PolicyId", ""))
    target = _target(b, p.get("TargetId", ""))
    if policy not in target.attached_policies:
        raise Err(
            "PolicyNotAttachedException",
            "The policy isn't attached to the specified target in the specified root.",
        )
    out = _orig["detach_policy"](self)
    refresh_effective(b)
    return out


def _disable_policy_type(self):
    # Patch O5: AWS detaches every policy of the type it disables.
    out = _orig["disable_policy_type"](self)
    b = self.organizations_backend
    ptype = self.request_params.get("PolicyType")
    for entity in list(b.ou) + list(b.accounts):
        for policy in [q for q in entity.attached_policies if q.type == ptype]:
            entity.attached_policies.remove(policy)
            policy.attachments.remove(entity)
    refresh_effective(b)
    return out


def _refreshing(name):
    def method(self):
        out = _orig[name](self)
        refresh_effective(self.organizations_backend)
        return out

    return method


R.create_policy = _create_policy
R.update_policy = _update_policy
R.attach_policy = _attach_policy
R.detach_policy = _detach_policy
R.disable_policy_type = _disable_policy_type
R.enable_policy_type = _refreshing("enable_policy_type")
R.move_account = _refreshing("move_account")
R.create_account = _refreshing("create_account")


# ---------------------------------------------------------------------------
# Effective policies (Patch O6): an implementation of the documented
# inheritance rules written for this bridge, independent of orgbackup's Go
# engine, so that `orgbackup verify` compares two readings of the docs.
# ---------------------------------------------------------------------------

OPS = ("@@assign", "@@append", "@@remove")
ALL_OPS = frozenset(OPS)
CHILD_CONTROL = "@@operators_allowed_for_child_policies"


class Node:
    __slots__ = ("children", "value", "has_value", "allowed", "contrib")

    def __init__(self):
        self.children = {}  # lower-cased key -> Node, in first-seen order
        self.value = None
        self.has_value = False
        # Operators lower levels may use here: the intersection of every
        # child-control operator placed on this node by a higher level.
        self.allowed = ALL_OPS
        self.contrib = []  # policy ids that set something at or below


def _allowed_set(v):
    if not isinstance(v, list):
        return ALL_OPS
    if "@@all" in v:
        return ALL_OPS
    return frozenset(x for x in v if x in ALL_OPS)


def _apply(node, obj, pid, pending, assigned_here):
    if not isinstance(obj, dict):
        return
    if pid not in node.contrib:
        node.contrib.append(pid)
    if CHILD_CONTROL in obj:
        # Binds lower levels only; same-level restrictions intersect.
        pending.append((node, _allowed_set(obj[CHILD_CONTROL])))
    if any(op in obj for op in OPS):
        # A setting. "@@assign overwrites", "@@append adds", "@@remove
        # removes"; an operator a higher level forbids here is ignored.
        if "@@assign" in obj and "@@assign" in node.allowed:
            # At one level the first-attached policy wins (Org UG,
            # inheritance example 6).
            if id(node) not in assigned_here:
                node.value = copy.deepcopy(obj["@@assign"])
                node.has_value = True
                assigned_here.add(id(node))
        if "@@append" in obj and "@@append" in node.allowed:
            add = obj["@@append"]
            if isinstance(add, list):
                if not node.has_value:
                    node.value, node.has_value = [], True
                if isinstance(node.value, list):
                    for x in add:
                        if x not in node.value:
                            node.value.append(x)
        if "@@remove" in obj and "@@remove" in node.allowed:
            rm = obj["@@remove"]
            if isinstance(rm, list) and node.has_value and isinstance(node.value, list):
                node.value = [x for x in node.value if x not in rm]
        return
    for key, sub in obj.items():
        if key.startswith("@@"):
            continue
        k = key.lower()
        child = node.children.get(k)
        if child is None:
            # Adding a key under a map needs @@append or @@assign allowed
            # there (backup policy examples 3 and 4: "@@none" at "plans"
            # stops children adding plans, "@@append" lets them).
            if not (node.allowed & {"@@append", "@@assign"}):
                continue
            child = node.children[k] = Node()
        _apply(child, sub, pid, pending, assigned_here)


def merge(levels):
    """levels: [[(policy_id, document), ...] per entity, root first]."""
    root = Node()
    for level in levels:
        pending, assigned_here = [], set()
        for pid, doc in level:
            _apply(root, doc, pid, pending, assigned_here)
        for node, allowed in pending:
            node.allowed = node.allowed & allowed
    return root


def render(node):
    if node.has_value:
        return node.value
    out = {}
    for k, child in node.children.items():
        v = render(child)
        if v is not None and v != {}:
            out[k] = v
    return out


def _count(n, key):
    c = n.children.get(key)
    if c is None:
        return None
    if c.has_value:
        return len(c.value) if isinstance(c.value, list) else 1
    return sum(1 for x in c.children.values() if render(x) not in (None, {}))


def validate_backup(root):
    """A few of AWS's effective-policy checks: required keys and quotas."""
    errs = []

    def err(code, path, msg, node):
        errs.append(
            {
                "ErrorCode": code,
                "ErrorMessage": msg,
                "PathToError": "/".join(path),
                "ContributingPolicies": list(node.contrib),
            }
        )

    plans = root.children.get("plans")
    if plans is None or plans.has_value:
        return errs
    for name, plan in plans.children.items():
        if render(plan) in (None, {}):
            continue
        p = ["plans", name]
        for key in ("regions", "rules", "selections"):
            n = _count(plan, key)
            if n is None:
                err("KEY_REQUIRED", p, f"plan {name} has no {key}", plan)
            elif n == 0:
                err("ELEMENTS_TOO_FEW", p + [key], f"plan {name} has no {key}", plan.children[key])
        rules = plan.children.get("rules")
        if rules is not None and not rules.has_value:
            if _count(plan, "rules") > 10:
                err("ELEMENTS_TOO_MANY", p + ["rules"], f"plan {name} has more than 10 rules", rules)
            for rname, rule in rules.children.items():
                for key in ("schedule_expression", "target_backup_vault_name"):
                    if key not in rule.children or not rule.children[key].has_value:
                        err("KEY_REQUIRED", p + ["rules", rname], f"rule {rname} has no {key}", rule)
                if (_count(rule, "copy_actions") or 0) > 5:
                    err("ELEMENTS_TOO_MANY", p + ["rules", rname, "copy_actions"],
                        f"rule {rname} has more than 5 copy actions", rule.children["copy_actions"])
        sel = plan.children.get("selections")
        if sel is not None and not sel.has_value:
            for kind in ("tags", "resources"):
                if (_count(sel, kind) or 0) > (10 if kind == "tags" else 30):
                    err("ELEMENTS_TOO_MANY", p + ["selections", kind],
                        f"plan {name} has too many {kind} selections", sel.children[kind])
    return errs


def org_backend_for(account_id):
    """The backend of the management account of account_id's organization."""
    backends = org_models.organizations_backends
    b = backends[account_id]["aws"]
    if b.org is not None:
        return b
    if account_id in backends.master_accounts:
        master, partition = backends.master_accounts[account_id]
        return backends[master][partition]
    raise Err("AWSOrganizationsNotInUseException", "Your account is not a member of an organization.")


def chain(b, account):
    path = [account]
    parent = account.parent_id
    seen = 0
    while parent and seen < 10:
        entity = next((o for o in b.ou if o.id == parent), None)
        if entity is None:
            break
        path.append(entity)
        parent = None if isinstance(entity, org_models.FakeRoot) else entity.parent_id
        seen += 1
    return list(reversed(path))


def compute(b, account, ptype):
    """(content dict, errors, path string) or None when no policy applies."""
    entities = chain(b, account)
    levels = []
    for e in entities:
        level = []
        for q in e.attached_policies:
            if q.type != ptype:
                continue
            try:
                doc = json.loads(q.content)
            except (TypeError, ValueError):
                continue
            level.append((q.id, doc))
        levels.append(level)
    if not any(levels):
        return None
    root = merge(levels)
    content = render(root)
    errors = validate_backup(root) if ptype == "BACKUP_POLICY" else []
    path = b.org.id + "/" + "".join(e.id + "/" for e in entities[:-1])
    return content, errors, path


def effective(b, account, ptype):
    """The account's effective policy as AWS serves it: the current one if
    valid, else the last valid one (accounts with an invalid effective
    policy keep the last valid one, Org UG "invalid policy alerts")."""
    key = (b.account_id, ptype, account.id)
    res = None
    if _type_enabled(b, ptype):
        res = compute(b, account, ptype)
    if res is None:
        STATE["effective"].pop(key, None)
        return None, []
    content, errors, _ = res
    if not errors:
        text = json.dumps(content, separators=(",", ":"))
        old = STATE["effective"].get(key)
        if old is None or old[0] != text:
            STATE["effective"][key] = (text, now())
    return STATE["effective"].get(key), errors


EAGER_LIMIT = 200


def refresh_effective(b):
    # Record each account's last valid effective policy after every change,
    # so an account whose policy turns invalid keeps serving the last valid
    # one. Above EAGER_LIMIT accounts (benchmarks) this happens lazily, when
    # an effective policy is read.
    if b.org is None or len(b.accounts) > EAGER_LIMIT:
        return
    for ptype in MANAGEMENT_TYPES:
        for a in b.accounts:
            effective(b, a, ptype)


def _need_type(ptype):
    if ptype not in MANAGEMENT_TYPES:
        raise InvalidInputException("You specified an invalid value.")


def _account(b, account_id):
    a = next((x for x in b.accounts if x.id == account_id), None)
    if a is None:
        if account_id.startswith("r-") or account_id.startswith("ou-"):
            raise InvalidInputException("You can get the effective policy of an account only.")
        raise TargetNotFoundException
    return a


def _describe_effective_policy(self):
    p = self.request_params
    ptype = p.get("PolicyType")
    _need_type(ptype)
    target = p.get("TargetId") or self.current_account
    b = org_backend_for(self.current_account)
    account = _account(b, target)
    stored, _ = effective(b, account, ptype)
    if stored is None:
        raise Err("EffectivePolicyNotFoundException", "We can't find an effective policy for the specified target.")
    return json.dumps(
        {
            "EffectivePolicy": {
                "PolicyContent": stored[0],
                "LastUpdatedTimestamp": stored[1].timestamp(),
                "TargetId": account.id,
                "PolicyType": ptype,
            }
        }
    )


def _page(items, params):
    start = int(params.get("NextToken") or 0)
    size = int(params.get("MaxResults") or 20)
    end = start + size
    return items[start:end], (str(end) if end < len(items) else None)


def _list_accounts_with_invalid_effective_policy(self):
    p = self.request_params
    ptype = p.get("PolicyType")
    _need_type(ptype)
    b = org_backend_for(self.current_account)
    bad = [a.describe() for a in b.accounts if effective(b, a, ptype)[1]]
    page, token = _page(bad, p)
    return json.dumps({"Accounts": page, "PolicyType": ptype, "NextToken": token})


def _list_effective_policy_validation_errors(self):
    p = self.request_params
    ptype = p.get("PolicyType")
    _need_type(ptype)
    b = org_backend_for(self.current_account)
    account = next((x for x in b.accounts if x.id == p.get("AccountId")), None)
    if account is None:
        raise Err("AccountNotFoundException", "You specified an account that doesn't exist.")
    res = compute(b, account, ptype) if _type_enabled(b, ptype) else None
    if res is None:
        raise Err("EffectivePolicyNotFoundException", "We can't find an effective policy for the specified target.")
    _, errors, path = res
    page, token = _page(errors, p)
    return json.dumps(
        {
            "AccountId": account.id,
            "PolicyType": ptype,
            "Path": path,
            "EvaluationTimestamp": now().timestamp(),
            "EffectivePolicyValidationErrors": page,
            "NextToken": token,
        }
    )


R.describe_effective_policy = _describe_effective_policy
R.list_accounts_with_invalid_effective_policy = _list_accounts_with_invalid_effective_policy
R.list_effective_policy_validation_errors = _list_effective_policy_validation_errors


# ---------------------------------------------------------------------------
# AWS Backup
# ---------------------------------------------------------------------------

BR = backup_responses.BackupResponse

# Patch B1-B3: routes moto lacks; the dispatcher finds each operation from
# the botocore model by method and path.
backup_urls.url_paths.update(
    {
        "{0}/global-settings$": BR.dispatch,
        "{0}/backup-vaults/(?P<name>[^/]+)/access-policy$": BR.dispatch,
        "{0}/backup-jobs/?$": BR.dispatch,
        "{0}/copy-jobs/?$": BR.dispatch,
        "{0}/restore-jobs/?$": BR.dispatch,
    }
)

DEFAULT_GLOBAL_SETTINGS = {
    "isCrossAccountBackupEnabled": "false",
    "isMpaEnabled": "false",
    "isDelegatedAdministratorEnabled": "false",
}


def _body(self):
    try:
        return json.loads(self.body or "{}")
    except ValueError:
        return {}


def _is_management(account_id):
    b = org_models.organizations_backends[account_id]["aws"]
    return b.org is not None


def _describe_global_settings(self):
    acct = self.current_account
    try:
        org_backend_for(acct)
    except Err:
        raise Err("InvalidRequestException", "The account is not a member of an organization.")
    settings, ts = STATE["global_settings"].get(acct, (DEFAULT_GLOBAL_SETTINGS, None))
    out = {"GlobalSettings": dict(settings)}
    if ts is not None:
        out["LastUpdateTime"] = ts.timestamp()
    return json.dumps(out)


def _update_global_settings(self):
    acct = self.current_account
    if not _is_management(acct):
        raise Err("InvalidRequestException", "Global settings can only be updated from an Organizations management account.")
    new = _body(self).get("GlobalSettings") or {}
    for k, v in new.items():
        if k not in DEFAULT_GLOBAL_SETTINGS or v not in ("true", "false"):
            raise Err("InvalidParameterValueException", f"Invalid global setting {k}={v}")
    settings = dict(STATE["global_settings"].get(acct, (DEFAULT_GLOBAL_SETTINGS, None))[0])
    settings.update(new)
    STATE["global_settings"][acct] = (settings, now())
    return ""


def _vault_name(self):
    return self.path.split("?")[0].rstrip("/").split("/")[-2]


def _put_backup_vault_access_policy(self):
    vault = self.backup_backend.describe_backup_vault(_vault_name(self))
    vault.access_policy = _body(self).get("Policy")
    return ""


def _get_backup_vault_access_policy(self):
    vault = self.backup_backend.describe_backup_vault(_vault_name(self))
    policy = getattr(vault, "access_policy", None)
    if policy is None:
        raise Err("ResourceNotFoundException", f"Backup vault {vault.backup_vault_name} has no access policy")
    return json.dumps(
        {"BackupVaultName": vault.backup_vault_name, "BackupVaultArn": vault.backup_vault_arn, "Policy": policy}
    )


def _delete_backup_vault_access_policy(self):
    vault = self.backup_backend.describe_backup_vault(_vault_name(self))
    vault.access_policy = None
    return ""


def _q(self, name):
    v = self.querystring.get(name)
    return v[0] if v else None


def _ts(s):
    if s is None:
        return None
    try:
        return float(s)
    except ValueError:
        return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


JOB_LISTS = {
    # kind: (output key, state query parameter, state field)
    "backup": ("BackupJobs", "state", "State"),
    "copy": ("CopyJobs", "state", "State"),
    "restore": ("RestoreJobs", "status", "Status"),
}


def _list_jobs(kind):
    out_key, state_param, state_field = JOB_LISTS[kind]

    def method(self):
        acct, region = self.current_account, self.region
        by_account = _q(self, "accountId")
        if by_account == "*" or (by_account and by_account != acct):
            # Cross-account monitoring: the management account (or a
            # delegated administrator) sees the organization's jobs.
            b = org_backend_for(acct)
            allowed = acct == b.account_id or any(
                a.account.id == acct and "backup.amazonaws.com" in a.services for a in b.admins
            )
            if not allowed:
                raise Err("AccessDeniedException", "Only the management account or a delegated administrator can list other accounts' jobs.")
            members = {a.id for a in b.accounts}
            accounts = members if by_account == "*" else {by_account} & members
        else:
            accounts = {acct}
        after, before = _ts(_q(self, "createdAfter")), _ts(_q(self, "createdBefore"))
        state = _q(self, state_param)
        rtype = _q(self, "resourceType")
        vault = _q(self, "backupVaultName")
        jobs = []
        for j in STATE["jobs"][kind]:
            if j.get("AccountId") not in accounts or j.get("_Region") != region:
                continue
            created = j.get("CreationDate", 0)
            if after is not None and created < after:
                continue
            if before is not None and created > before:
                continue
            if state and j.get(state_field) != state:
                continue
            if rtype and j.get("ResourceType") != rtype:
                continue
            if vault and j.get("BackupVaultName") != vault:
                continue
            jobs.append({k: v for k, v in j.items() if not k.startswith("_")})
        start = int(_q(self, "nextToken") or 0)
        size = int(_q(self, "maxResults") or 1000)
        page = jobs[start : start + size]
        out = {out_key: page}
        if start + size < len(jobs):
            out["NextToken"] = str(start + size)
        return json.dumps(out)

    return method


BR.describe_global_settings = _describe_global_settings
BR.update_global_settings = _update_global_settings
BR.put_backup_vault_access_policy = _put_backup_vault_access_policy
BR.get_backup_vault_access_policy = _get_backup_vault_access_policy
BR.delete_backup_vault_access_policy = _delete_backup_vault_access_policy
BR.list_backup_jobs = _list_jobs("backup")
BR.list_copy_jobs = _list_jobs("copy")
BR.list_restore_jobs = _list_jobs("restore")


# ---------------------------------------------------------------------------
# CloudFormation resources
# ---------------------------------------------------------------------------


class BackupVaultResource(CloudFormationModel):
    """Patch C1: AWS::Backup::BackupVault, created through moto's backup
    backend in the stack's own account and Region. moto finds models via
    CloudFormationModel.__subclasses__() and derives the service from the
    module name, hence __module__."""

    __module__ = "moto.backup.models"

    def __init__(self, vault, account_id, region_name):
        self.vault = vault
        self.account_id = account_id
        self.region_name = region_name

    @staticmethod
    def cloudformation_name_type():
        return "BackupVaultName"

    @staticmethod
    def cloudformation_type():
        return "AWS::Backup::BackupVault"

    @classmethod
    def has_cfn_attr(cls, attr):
        return attr in ("BackupVaultArn", "BackupVaultName")

    @property
    def physical_resource_id(self):
        return self.vault.backup_vault_name

    def get_cfn_attribute(self, attribute_name):
        if attribute_name == "BackupVaultArn":
            return self.vault.backup_vault_arn
        if attribute_name == "BackupVaultName":
            return self.vault.backup_vault_name
        raise ValidationError(message=f"unsupported attribute {attribute_name}")

    @staticmethod
    def _backend(account_id, region_name):
        return backup_models.backup_backends[account_id][region_name]

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json.get("Properties", {})
        b = cls._backend(account_id, region_name)
        vault = b.create_backup_vault(
            backup_vault_name=props.get("BackupVaultName", resource_name),
            backup_vault_tags=props.get("BackupVaultTags") or {},
            encryption_key_arn=props.get("EncryptionKeyArn"),
            creator_request_id=None,
        )
        policy = props.get("AccessPolicy")
        if policy is not None:
            vault.access_policy = policy if isinstance(policy, str) else json.dumps(policy)
        return cls(vault, account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        props = cloudformation_json.get("Properties", {})
        name = props.get("BackupVaultName", new_resource_name)
        if name != original_resource.vault.backup_vault_name:
            # A new name replaces the vault, as CloudFormation does.
            original_resource.delete(account_id, region_name)
            return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
        policy = props.get("AccessPolicy")
        original_resource.vault.access_policy = (
            None if policy is None else policy if isinstance(policy, str) else json.dumps(policy)
        )
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        cls._backend(account_id, region_name).delete_backup_vault(resource_name)

    def delete(self, account_id, region_name):
        self._backend(account_id, region_name).delete_backup_vault(self.vault.backup_vault_name)


# Patch I1: load only the AWS managed policies orgbackup's baselines and
# tests name, parsed once. moto builds all ~1,500 for every account's IAM
# backend, on creation and again on every reset: 0.3-0.5 s per account,
# most of a test's time with a handful of accounts.
MANAGED_POLICY_PREFIXES = (
    "AWSBackup", "AWSOrganizations", "AWSCloudFormation", "AWSKeyManagementService",
    "AdministratorAccess", "ReadOnlyAccess", "PowerUserAccess", "IAMFullAccess",
)
_managed_data = None


def _init_aws_policies(self):
    global _managed_data
    from moto.settings import load_iam_aws_managed_policies

    if not load_iam_aws_managed_policies():
        return []
    if _managed_data is None:
        from moto.iam.aws_managed_policies import aws_managed_policies_data

        _managed_data = {
            name: d for name, d in json.loads(aws_managed_policies_data).items()
            if name.startswith(MANAGED_POLICY_PREFIXES)
        }
    return [
        iam_models.AWSManagedPolicy.from_data(name, self.account_id, self.region_name, d)
        for name, d in _managed_data.items()
    ]


iam_models.IAMBackend._init_aws_policies = _init_aws_policies

# Patch C2: IAM roles in templates get their ManagedPolicyArns.
_orig_role_create = iam_models.Role.create_from_cloudformation_json.__func__
_orig_role_update = iam_models.Role.update_from_cloudformation_json.__func__
_orig_role_delete = iam_models.Role.delete_from_cloudformation_json.__func__


def _iam(account_id):
    return iam_models.iam_backends[account_id]["global"]


def _sync_managed(role, arns, account_id):
    iam = _iam(account_id)
    want = set(arns or [])
    have = set(role.managed_policies)
    for arn in sorted(want - have):
        iam.attach_role_policy(arn, role.name)
    for arn in sorted(have - want):
        iam.detach_role_policy(arn, role.name)


@classmethod
def _role_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    role = _orig_role_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    _sync_managed(role, cloudformation_json.get("Properties", {}).get("ManagedPolicyArns"), account_id)
    return role


@classmethod
def _role_update(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
    role = _orig_role_update(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name)
    _sync_managed(role, cloudformation_json.get("Properties", {}).get("ManagedPolicyArns"), account_id)
    return role


@classmethod
def _role_delete(cls, resource_name, cloudformation_json, account_id, region_name):
    role = next((r for r in _iam(account_id).roles.values() if r.name == resource_name), None)
    if role is not None:
        _sync_managed(role, [], account_id)
    return _orig_role_delete(cls, resource_name, cloudformation_json, account_id, region_name)


iam_models.Role.create_from_cloudformation_json = _role_create
iam_models.Role.update_from_cloudformation_json = _role_update
iam_models.Role.delete_from_cloudformation_json = _role_delete


# ---------------------------------------------------------------------------
# CloudFormation StackSets (Patch S1): deployment targets, operation ids,
# per-account results and failures. moto's StackSet keeps the template and
# its hidden per-instance stacks; the bridge decides where they go.
# ---------------------------------------------------------------------------

CR = cfn_responses.CloudFormationResponse


def _ss_backend(self):
    return self.cloudformation_backend


def _meta(ss):
    if not hasattr(ss, "ob_instances"):
        ss.ob_instances = {}  # (account, region) -> dict
        ss.ob_ops = {}  # operation id -> dict
        ss.ob_op_order = []
        ss.auto_deployment = None
        ss.capabilities = []
        ss.organizational_unit_ids = []
    return ss


def _ou_tree(org):
    kids = {}
    for o in org.ou:
        if not isinstance(o, org_models.FakeRoot):
            kids.setdefault(o.parent_id, []).append(o.id)
    return kids


def _accounts_under(org, ou_ids):
    """(account, ou) for every account in the OUs or any OU below them,
    without the management account (StackSets never deploys there)."""
    kids = _ou_tree(org)
    owner = {}
    for top in ou_ids:
        stack = [top]
        while stack:
            ou = stack.pop()
            for a in org.accounts:
                if a.parent_id == ou and a.id != org.account_id and a.id not in owner:
                    owner[a.id] = top
            stack.extend(kids.get(ou, []))
    return owner


def _targets(self, ss, params, for_delete=False):
    dt = params.get("DeploymentTargets") or {}
    accounts = params.get("Accounts") or []
    if ss.permission_model != "SERVICE_MANAGED":
        return {a: None for a in (accounts or dt.get("Accounts") or [])}
    ous = dt.get("OrganizationalUnitIds") or []
    if not ous:
        raise ValidationError(message="StackSets with SERVICE_MANAGED permission model can only have OrganizationalUnit as target")
    org = org_backend_for(self.current_account)
    under = _accounts_under(org, ous)
    filt = dt.get("AccountFilterType") or "NONE"
    listed = set(dt.get("Accounts") or [])
    if filt == "INTERSECTION":
        return {a: ou for a, ou in under.items() if a in listed}
    if filt == "DIFFERENCE":
        return {a: ou for a, ou in under.items() if a not in listed}
    if filt == "UNION":
        out = dict(under)
        for a in listed:
            out.setdefault(a, None)
        return out
    return under


def _failure_reason(account, region):
    f = STATE["failing"]
    return f.get((account, region)) or f.get((account, "*"))


def _check_op(ss, op_id):
    if op_id and op_id in ss.ob_ops:
        raise Err("OperationIdAlreadyExistsException", f"The operation ID {op_id} already exists.")
    if any(o["Status"] == "RUNNING" for o in ss.ob_ops.values()):
        raise Err("OperationInProgressException", "Another Operation on StackSet is in progress")


def _new_op(ss, op_id, action, params, results):
    failed = sum(1 for r in results if r["Status"] == "FAILED")
    prefs = params.get("OperationPreferences") or {}
    tolerance = int(prefs.get("FailureToleranceCount") or 0)
    pct = prefs.get("FailureTolerancePercentage")
    if pct is not None and results:
        tolerance = int(len(results) * int(pct) / 100)
    final = "FAILED" if failed > tolerance else "SUCCEEDED"
    op = {
        "OperationId": op_id or str(uuid.uuid4()),
        "StackSetId": ss.id,
        "Action": action,
        "Status": "RUNNING" if STATE["hold"] else final,
        "FinalStatus": final,
        "OperationPreferences": prefs,
        "RetainStacks": bool(params.get("RetainStacks")),
        "AdministrationRoleARN": ss.administration_role_arn,
        "ExecutionRoleName": ss.execution_role_name,
        "CreationTimestamp": now(),
        "EndTimestamp": None if STATE["hold"] else now(),
        "DeploymentTargets": params.get("DeploymentTargets"),
        "StatusDetails": {"FailedStackInstancesCount": failed},
        "StatusReason": f"{failed} stack instance(s) failed" if failed else None,
        "Results": results,
    }
    ss.ob_ops[op["OperationId"]] = op
    ss.ob_op_order.append(op["OperationId"])
    # moto's own operation list backs ListStackSetOperations.
    ss.operations.append(op)
    return op


def _reason(e):
    return f"{getattr(e, 'code', type(e).__name__)}: {getattr(e, 'message', None) or e}"


def _failed(ss, key, old, account, region, ou, result, reason):
    ss.ob_instances[key] = dict(old or {}, Account=account, Region=region, OrganizationalUnitId=ou,
                                Status="OUTDATED", StatusReason=reason, Detailed="FAILED",
                                moto=(old or {}).get("moto"))
    return dict(result, Status="FAILED", StatusReason=reason)


def _deploy(ss, account, region, ou, params):
    """Create or re-create one instance; returns its operation result."""
    key = (account, region)
    old = ss.ob_instances.get(key)
    reason = _failure_reason(account, region)
    result = {"Account": account, "Region": region, "OrganizationalUnitId": ou,
              "AccountGateResult": {"Status": "SKIPPED", "StatusReason": "No account gate"}}
    if reason:
        return _failed(ss, key, old, account, region, ou, result, reason)
    if old is None or old.get("moto") is None:
        overrides = params.get("ParameterOverrides") or []
        try:
            inst = cfn_models.StackInstance(
                account_id=account, region_name=region, stackset_id=ss.id,
                stack_name=ss.instances.stack_name, name=ss.name, template=ss.template,
                parameters=overrides or ss.parameters, permission_model=ss.permission_model,
            )
        except Exception as e:  # a resource failed: a failed instance, as in AWS
            return _failed(ss, key, old, account, region, ou, result, _reason(e))
        ss.instances.stack_instances.append(inst)
    else:
        inst = old["moto"]
        if inst.stack.template != ss.template:
            try:
                inst.stack.update(ss.template)
            except Exception as e:
                return _failed(ss, key, old, account, region, ou, result, _reason(e))
    ss.ob_instances[key] = {"Account": account, "Region": region, "OrganizationalUnitId": ou,
                            "Status": "CURRENT", "StatusReason": None, "Detailed": "SUCCEEDED",
                            "moto": inst, "StackId": (old or {}).get("StackId") or cfn_models.generate_stack_id(ss.instances.stack_name, region, account)}
    return dict(result, Status="SUCCEEDED")


def _stackset(self, params):
    return _meta(self.cloudformation_backend.describe_stack_set(params.get("StackSetName")))


def _create_stack_set(self):
    params = self._get_params()
    name = params.get("StackSetName")
    for existing in self.cloudformation_backend.stacksets.values():
        if existing.name == name and existing.status != "DELETED":
            raise Err("NameAlreadyExistsException", f"StackSet {name} already exists")
    out = _orig_cfn["create_stack_set"](self)
    ss = _stackset(self, params)
    ss.auto_deployment = params.get("AutoDeployment")
    ss.capabilities = params.get("Capabilities") or []
    ss.managed_execution_cfg = params.get("ManagedExecution") or {"Active": False}
    return out


def _create_stack_instances(self):
    params = self._get_params()
    ss = _stackset(self, params)
    _check_op(ss, params.get("OperationId"))
    regions = params.get("Regions") or []
    targets = _targets(self, ss, params)
    results = []
    for region in regions:
        for account, ou in targets.items():
            results.append(_deploy(ss, account, region, ou, params))
    for ou in (params.get("DeploymentTargets") or {}).get("OrganizationalUnitIds") or []:
        if ou not in ss.organizational_unit_ids:
            ss.organizational_unit_ids.append(ou)
    op = _new_op(ss, params.get("OperationId"), "CREATE", params, results)
    return ActionResult({"OperationId": op["OperationId"]})


def _update_stack_set(self):
    params = self._get_params()
    ss = _stackset(self, params)
    _check_op(ss, params.get("OperationId"))
    if params.get("TemplateBody"):
        ss.template = params["TemplateBody"]
        ss.instances.template = ss.template
    if params.get("Description") is not None:
        ss.description = params["Description"]
    if params.get("Parameters"):
        ss.parameters = self.cloudformation_backend._resolve_update_parameters(ss, params["Parameters"])
    if params.get("AutoDeployment"):
        ss.auto_deployment = params["AutoDeployment"]
    if params.get("Capabilities"):
        ss.capabilities = params["Capabilities"]
    regions = set(params.get("Regions") or [])
    only = None
    if params.get("DeploymentTargets") or params.get("Accounts"):
        only = set(_targets(self, ss, params))
    results = []
    for (account, region), inst in list(ss.ob_instances.items()):
        if (regions and region not in regions) or (only is not None and account not in only):
            continue
        results.append(_deploy(ss, account, region, inst.get("OrganizationalUnitId"), params))
    op = _new_op(ss, params.get("OperationId"), "UPDATE", params, results)
    return ActionResult({"OperationId": op["OperationId"]})


def _delete_stack_instances(self):
    params = self._get_params()
    ss = _stackset(self, params)
    _check_op(ss, params.get("OperationId"))
    regions = set(params.get("Regions") or [])
    targets = _targets(self, ss, params, for_delete=True)
    results = []
    for (account, region), inst in list(ss.ob_instances.items()):
        if region not in regions or account not in targets:
            continue
        m = inst.get("moto")
        if m is not None:
            if not params.get("RetainStacks"):
                m.delete()
            ss.instances.stack_instances.remove(m)
        del ss.ob_instances[(account, region)]
        results.append({"Account": account, "Region": region, "Status": "SUCCEEDED",
                        "OrganizationalUnitId": inst.get("OrganizationalUnitId"),
                        "AccountGateResult": {"Status": "SKIPPED", "StatusReason": "No account gate"}})
    op = _new_op(ss, params.get("OperationId"), "DELETE", params, results)
    return ActionResult({"OperationId": op["OperationId"]})


def _delete_stack_set(self):
    params = self._get_params()
    ss = _stackset(self, params)
    if ss.ob_instances:
        raise Err("StackSetNotEmptyException", "StackSet is not empty")
    return _orig_cfn["delete_stack_set"](self)


def _instance_dict(ss, inst):
    d = {
        "StackSetId": ss.id,
        "Region": inst["Region"],
        "Account": inst["Account"],
        "StackId": inst.get("StackId") or cfn_models.generate_stack_id(ss.instances.stack_name, inst["Region"], inst["Account"]),
        "Status": inst["Status"],
        "StackInstanceStatus": {"DetailedStatus": "RUNNING" if STATE["hold"] and inst["Status"] != "CURRENT" else inst["Detailed"]},
        "DriftStatus": "NOT_CHECKED",
    }
    inst.setdefault("StackId", d["StackId"])
    if inst.get("StatusReason"):
        d["StatusReason"] = inst["StatusReason"]
    if inst.get("OrganizationalUnitId"):
        d["OrganizationalUnitId"] = inst["OrganizationalUnitId"]
    return d


def _list_stack_instances(self):
    params = self._get_params()
    ss = _stackset(self, params)
    acct, region = params.get("StackInstanceAccount"), params.get("StackInstanceRegion")
    out = []
    for (a, r), inst in sorted(ss.ob_instances.items()):
        if (acct and a != acct) or (region and r != region):
            continue
        d = _instance_dict(ss, inst)
        ok = True
        for f in params.get("Filters") or []:
            name, value = f.get("Name"), f.get("Values")
            if name == "DETAILED_STATUS" and d["StackInstanceStatus"]["DetailedStatus"] != value:
                ok = False
            if name == "LAST_OPERATION_ID" and inst.get("LastOperationId") != value:
                ok = False
        if ok:
            out.append(d)
    page, token = _page(out, params)
    res = {"Summaries": page}
    if token:
        res["NextToken"] = token
    return ActionResult(res)


def _describe_stack_instance(self):
    params = self._get_params()
    ss = _stackset(self, params)
    inst = ss.ob_instances.get((params.get("StackInstanceAccount"), params.get("StackInstanceRegion")))
    if inst is None:
        raise Err("StackInstanceNotFoundException", "Stack instance not found")
    return ActionResult({"StackInstance": _instance_dict(ss, inst)})


def _op(ss, params):
    op = ss.ob_ops.get(params.get("OperationId"))
    if op is None:
        raise Err("OperationNotFoundException", f"Operation {params.get('OperationId')} not found")
    return op


def _describe_stack_set_operation(self):
    params = self._get_params()
    ss = _stackset(self, params)
    op = _op(ss, params)
    view = {k: v for k, v in op.items() if k not in ("Results", "FinalStatus") and v is not None}
    return ActionResult({"StackSetOperation": view})


def _list_stack_set_operations(self):
    params = self._get_params()
    ss = _stackset(self, params)
    ops = [ss.ob_ops[i] for i in reversed(ss.ob_op_order)]
    view = [{k: v for k, v in o.items() if k in ("OperationId", "Action", "Status", "CreationTimestamp",
                                                  "EndTimestamp", "StatusReason", "StatusDetails",
                                                  "OperationPreferences") and v is not None} for o in ops]
    page, token = _page(view, params)
    res = {"Summaries": page}
    if token:
        res["NextToken"] = token
    return ActionResult(res)


def _list_stack_set_operation_results(self):
    params = self._get_params()
    ss = _stackset(self, params)
    op = _op(ss, params)
    page, token = _page([{k: v for k, v in r.items() if v is not None} for r in op["Results"]], params)
    if STATE["hold"] and op["Status"] == "RUNNING":
        page = [dict(r, Status="RUNNING") for r in page]
    res = {"Summaries": page}
    if token:
        res["NextToken"] = token
    return ActionResult(res)


def _release_held():
    for backend in cfn_models.cloudformation_backends.values():
        for regional in backend.values():
            for ss in regional.stacksets.values():
                for op in getattr(ss, "ob_ops", {}).values():
                    if op["Status"] == "RUNNING":
                        op["Status"] = op["FinalStatus"]
                        op["EndTimestamp"] = now()


_orig_cfn = {n: getattr(CR, n) for n in ("create_stack_set", "delete_stack_set")}
CR.create_stack_set = _create_stack_set
CR.create_stack_instances = _create_stack_instances
CR.update_stack_set = _update_stack_set
CR.delete_stack_instances = _delete_stack_instances
CR.delete_stack_set = _delete_stack_set
CR.list_stack_instances = _list_stack_instances
CR.describe_stack_instance = _describe_stack_instance
CR.describe_stack_set_operation = _describe_stack_set_operation
CR.list_stack_set_operations = _list_stack_set_operations
CR.list_stack_set_operation_results = _list_stack_set_operation_results


# ---------------------------------------------------------------------------
# Test endpoints and the server
# ---------------------------------------------------------------------------


def _moto_reset():
    from moto.moto_api._internal.models import moto_api_backend

    moto_api_backend.reset()
    org_models.organizations_backends.master_accounts.clear()
    reset_state()


def _test_endpoint(method, path, body):
    if path == "/orgbackup-test/ping":
        return 200, {"ok": True}
    if method != "POST":
        return 405, {"error": "POST only"}
    if path == "/orgbackup-test/reset":
        _moto_reset()
        return 200, {}
    if path == "/orgbackup-test/jobs":
        kind = body.get("Kind")
        if kind not in STATE["jobs"]:
            return 400, {"error": "Kind must be backup, copy or restore"}
        job = dict(body.get("Job") or {})
        job.setdefault("AccountId", body.get("AccountId"))
        job["_Region"] = body.get("Region") or "us-east-1"
        id_key = {"backup": "BackupJobId", "copy": "CopyJobId", "restore": "RestoreJobId"}[kind]
        job.setdefault(id_key, str(uuid.uuid4()))
        job.setdefault("CreationDate", time.time())
        STATE["jobs"][kind].append(job)
        return 200, {id_key: job[id_key]}
    if path == "/orgbackup-test/stack-instance-failures":
        key = (body.get("AccountId"), body.get("Region") or "*")
        if body.get("Reason"):
            STATE["failing"][key] = body["Reason"]
        else:
            STATE["failing"].pop(key, None)
        return 200, {}
    if path == "/orgbackup-test/stackset-operations":
        hold = bool(body.get("Hold"))
        STATE["hold"] = hold
        if not hold:
            _release_held()
        return 200, {}
    return 404, {"error": "unknown test endpoint " + path}


class Bridge:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        with LOCK:
            path = environ.get("PATH_INFO", "")
            if path.startswith("/orgbackup-test/"):
                try:
                    n = int(environ.get("CONTENT_LENGTH") or 0)
                    raw = environ["wsgi.input"].read(n) if n else b""
                    body = json.loads(raw or b"{}")
                    status, out = _test_endpoint(environ["REQUEST_METHOD"], path, body)
                except Exception as e:  # report, never crash the server
                    status, out = 500, {"error": repr(e)}
                data = json.dumps(out).encode()
                start_response(f"{status} X", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
                return [data]
            # Materialize the response under the lock.
            return list(self.app(environ, start_response))


def _watch_stdin():
    try:
        while sys.stdin.buffer.read(4096):
            pass
    finally:
        os._exit(0)


def main(argv=None):
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    parser = argparse.ArgumentParser()
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=0)
    parser.add_argument("--no-stdin-watch", action="store_true")
    args = parser.parse_args(argv)

    app = DomainDispatcherApplication(create_backend_app)
    server = make_server(args.host, args.port, Bridge(app), threaded=True)
    os.environ["MOTO_PORT"] = str(server.server_port)
    if not args.no_stdin_watch:
        threading.Thread(target=_watch_stdin, daemon=True).start()
    print(f"listening http://{args.host}:{server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
