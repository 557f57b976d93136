package awsorg

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/orgbackup/orgbackup/internal/org"
)

// memOrg is an in-memory Organizations API with AWS's answers where moto's
// differ (DuplicatePolicyAttachmentException, PolicyNotAttachedException,
// PENDING_ENABLE), and hooks to inject failures before a call or after it
// took effect (a lost response).
type memOrg struct {
	t        *testing.T
	root     string
	ous      []string
	accounts []string
	status   string // BACKUP_POLICY status on the root: "", PENDING_ENABLE, ENABLED
	// pendingPolls is how many ListRoots calls still show PENDING_ENABLE
	// after EnablePolicyType.
	pendingPolls int
	inUse        int // DeletePolicy answers PolicyInUseException this many more times

	policies map[string]*memPolicy
	nextID   int
	reqID    int

	// before runs before a call and may fail it; after runs after a
	// mutating call took effect and may replace its answer (a lost
	// response).
	before func(op string) error
	after  func(op string) error

	calls    []string // every call, in order
	mutating []string // the mutating calls that took effect
}

type memPolicy struct {
	id, name, content, description string
	tags                           map[string]string
	targets                        []string
}

func newMemOrg(t *testing.T) *memOrg {
	return &memOrg{t: t, root: "r-abcd", ous: []string{"ou-abcd-11111111", "ou-abcd-22222222"},
		accounts: []string{"111111111111", "222222222222", "333333333333"},
		status:   "ENABLED", policies: map[string]*memPolicy{}}
}

func apiErr(code, msg string) error {
	return &smithy.GenericAPIError{Code: code, Message: msg, Fault: smithy.FaultClient}
}

func (m *memOrg) md() middleware.Metadata {
	m.reqID++
	var md middleware.Metadata
	awsmiddleware.SetRequestIDMetadata(&md, fmt.Sprintf("req-%d", m.reqID))
	return md
}

func (m *memOrg) call(op string, mutating bool) error {
	m.calls = append(m.calls, op)
	if m.before != nil {
		if err := m.before(op); err != nil {
			return err
		}
	}
	return nil
}

// done records a mutating call that took effect and gives the after hook
// its chance to lose the response.
func (m *memOrg) done(op string) error {
	m.mutating = append(m.mutating, op)
	if m.after != nil {
		return m.after(op)
	}
	return nil
}

func (m *memOrg) add(name, content string, tags map[string]string, targets ...string) *memPolicy {
	m.nextID++
	p := &memPolicy{id: fmt.Sprintf("p-%08d", m.nextID), name: name, content: content, tags: tags, targets: targets}
	m.policies[p.id] = p
	return p
}

func (m *memOrg) byName(name string) []*memPolicy {
	var out []*memPolicy
	for _, p := range m.policies {
		if p.name == name {
			out = append(out, p)
		}
	}
	return out
}

func (m *memOrg) isTarget(id string) bool {
	return id == m.root || slices.Contains(m.ous, id) || slices.Contains(m.accounts, id)
}

func (m *memOrg) ListRoots(ctx context.Context, in *organizations.ListRootsInput, _ ...func(*organizations.Options)) (*organizations.ListRootsOutput, error) {
	if err := m.call("ListRoots", false); err != nil {
		return nil, err
	}
	r := types.Root{Id: aws.String(m.root), Name: aws.String("Root")}
	st := m.status
	if st == "PENDING_ENABLE" {
		if m.pendingPolls <= 0 {
			m.status, st = "ENABLED", "ENABLED"
		} else {
			m.pendingPolls--
		}
	}
	if st != "" {
		r.PolicyTypes = []types.PolicyTypeSummary{{Type: types.PolicyTypeBackupPolicy, Status: types.PolicyTypeStatus(st)}}
	}
	return &organizations.ListRootsOutput{Roots: []types.Root{r}}, nil
}

// ListPolicies pages two at a time, with an empty page carrying a token
// first, as Organizations may.
func (m *memOrg) ListPolicies(ctx context.Context, in *organizations.ListPoliciesInput, _ ...func(*organizations.Options)) (*organizations.ListPoliciesOutput, error) {
	if err := m.call("ListPolicies", false); err != nil {
		return nil, err
	}
	ids := m.ids()
	start := 0
	tok := aws.ToString(in.NextToken)
	if tok == "" {
		return &organizations.ListPoliciesOutput{NextToken: aws.String("0")}, nil
	}
	fmt.Sscan(tok, &start)
	out := &organizations.ListPoliciesOutput{}
	for _, id := range ids[start:min(start+2, len(ids))] {
		p := m.policies[id]
		out.Policies = append(out.Policies, types.PolicySummary{Id: aws.String(p.id), Name: aws.String(p.name), Type: types.PolicyTypeBackupPolicy})
	}
	if start+2 < len(ids) {
		out.NextToken = aws.String(fmt.Sprint(start + 2))
	}
	return out, nil
}

func (m *memOrg) ids() []string {
	var ids []string
	for id := range m.policies {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

func (m *memOrg) DescribePolicy(ctx context.Context, in *organizations.DescribePolicyInput, _ ...func(*organizations.Options)) (*organizations.DescribePolicyOutput, error) {
	if err := m.call("DescribePolicy", false); err != nil {
		return nil, err
	}
	p := m.policies[aws.ToString(in.PolicyId)]
	if p == nil {
		return nil, apiErr("PolicyNotFoundException", "no such policy")
	}
	return &organizations.DescribePolicyOutput{Policy: &types.Policy{Content: aws.String(p.content),
		PolicySummary: &types.PolicySummary{Id: aws.String(p.id), Name: aws.String(p.name), Description: aws.String(p.description)}}}, nil
}

func (m *memOrg) ListTagsForResource(ctx context.Context, in *organizations.ListTagsForResourceInput, _ ...func(*organizations.Options)) (*organizations.ListTagsForResourceOutput, error) {
	if err := m.call("ListTagsForResource", false); err != nil {
		return nil, err
	}
	p := m.policies[aws.ToString(in.ResourceId)]
	if p == nil {
		return nil, apiErr("TargetNotFoundException", "no such resource")
	}
	return &organizations.ListTagsForResourceOutput{Tags: sdkTags(p.tags)}, nil
}

func (m *memOrg) EnablePolicyType(ctx context.Context, in *organizations.EnablePolicyTypeInput, _ ...func(*organizations.Options)) (*organizations.EnablePolicyTypeOutput, error) {
	if err := m.call("EnablePolicyType", true); err != nil {
		return nil, err
	}
	if aws.ToString(in.RootId) != m.root {
		return nil, apiErr("RootNotFoundException", "no such root")
	}
	if m.status != "" {
		return nil, apiErr("PolicyTypeAlreadyEnabledException", "already enabled")
	}
	m.status = "PENDING_ENABLE"
	return &organizations.EnablePolicyTypeOutput{ResultMetadata: m.md()}, m.done("EnablePolicyType")
}

func (m *memOrg) EnableAWSServiceAccess(ctx context.Context, in *organizations.EnableAWSServiceAccessInput, _ ...func(*organizations.Options)) (*organizations.EnableAWSServiceAccessOutput, error) {
	if err := m.call("EnableAWSServiceAccess", true); err != nil {
		return nil, err
	}
	return &organizations.EnableAWSServiceAccessOutput{ResultMetadata: m.md()}, m.done("EnableAWSServiceAccess")
}

func (m *memOrg) RegisterDelegatedAdministrator(ctx context.Context, in *organizations.RegisterDelegatedAdministratorInput, _ ...func(*organizations.Options)) (*organizations.RegisterDelegatedAdministratorOutput, error) {
	if err := m.call("RegisterDelegatedAdministrator", true); err != nil {
		return nil, err
	}
	return &organizations.RegisterDelegatedAdministratorOutput{ResultMetadata: m.md()}, m.done("RegisterDelegatedAdministrator")
}

func (m *memOrg) CreatePolicy(ctx context.Context, in *organizations.CreatePolicyInput, _ ...func(*organizations.Options)) (*organizations.CreatePolicyOutput, error) {
	if err := m.call("CreatePolicy", true); err != nil {
		return nil, err
	}
	if len(m.byName(aws.ToString(in.Name))) > 0 {
		return nil, apiErr("DuplicatePolicyException", "a policy with the specified name and type already exists")
	}
	tags := map[string]string{}
	for _, t := range in.Tags {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	p := m.add(aws.ToString(in.Name), aws.ToString(in.Content), tags)
	p.description = aws.ToString(in.Description)
	return &organizations.CreatePolicyOutput{ResultMetadata: m.md(),
		Policy: &types.Policy{PolicySummary: &types.PolicySummary{Id: aws.String(p.id), Name: aws.String(p.name)}}}, m.done("CreatePolicy")
}

func (m *memOrg) UpdatePolicy(ctx context.Context, in *organizations.UpdatePolicyInput, _ ...func(*organizations.Options)) (*organizations.UpdatePolicyOutput, error) {
	if err := m.call("UpdatePolicy", true); err != nil {
		return nil, err
	}
	p := m.policies[aws.ToString(in.PolicyId)]
	if p == nil {
		return nil, apiErr("PolicyNotFoundException", "no such policy")
	}
	if in.Content != nil {
		p.content = *in.Content
	}
	if in.Description != nil {
		p.description = *in.Description
	}
	return &organizations.UpdatePolicyOutput{ResultMetadata: m.md()}, m.done("UpdatePolicy")
}

func (m *memOrg) TagResource(ctx context.Context, in *organizations.TagResourceInput, _ ...func(*organizations.Options)) (*organizations.TagResourceOutput, error) {
	if err := m.call("TagResource", true); err != nil {
		return nil, err
	}
	p := m.policies[aws.ToString(in.ResourceId)]
	if p == nil {
		return nil, apiErr("TargetNotFoundException", "no such resource")
	}
	if p.tags == nil {
		p.tags = map[string]string{}
	}
	for _, t := range in.Tags {
		p.tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return &organizations.TagResourceOutput{ResultMetadata: m.md()}, m.done("TagResource")
}

func (m *memOrg) AttachPolicy(ctx context.Context, in *organizations.AttachPolicyInput, _ ...func(*organizations.Options)) (*organizations.AttachPolicyOutput, error) {
	if err := m.call("AttachPolicy", true); err != nil {
		return nil, err
	}
	p := m.policies[aws.ToString(in.PolicyId)]
	switch target := aws.ToString(in.TargetId); {
	case p == nil:
		return nil, apiErr("PolicyNotFoundException", "no such policy")
	case !m.isTarget(target):
		return nil, apiErr("TargetNotFoundException", "no such target")
	case m.status != "ENABLED":
		return nil, apiErr("PolicyTypeNotEnabledException", "the policy type is not enabled")
	case slices.Contains(p.targets, target):
		return nil, apiErr("DuplicatePolicyAttachmentException", "already attached")
	default:
		p.targets = append(p.targets, target)
	}
	return &organizations.AttachPolicyOutput{ResultMetadata: m.md()}, m.done("AttachPolicy")
}

func (m *memOrg) DetachPolicy(ctx context.Context, in *organizations.DetachPolicyInput, _ ...func(*organizations.Options)) (*organizations.DetachPolicyOutput, error) {
	if err := m.call("DetachPolicy", true); err != nil {
		return nil, err
	}
	p := m.policies[aws.ToString(in.PolicyId)]
	target := aws.ToString(in.TargetId)
	switch {
	case p == nil:
		return nil, apiErr("PolicyNotFoundException", "no such policy")
	case !slices.Contains(p.targets, target):
		return nil, apiErr("PolicyNotAttachedException", "not attached")
	}
	p.targets = slices.DeleteFunc(p.targets, func(s string) bool { return s == target })
	return &organizations.DetachPolicyOutput{ResultMetadata: m.md()}, m.done("DetachPolicy")
}

func (m *memOrg) DeletePolicy(ctx context.Context, in *organizations.DeletePolicyInput, _ ...func(*organizations.Options)) (*organizations.DeletePolicyOutput, error) {
	if err := m.call("DeletePolicy", true); err != nil {
		return nil, err
	}
	p := m.policies[aws.ToString(in.PolicyId)]
	switch {
	case p == nil:
		return nil, apiErr("PolicyNotFoundException", "no such policy")
	case len(p.targets) > 0:
		return nil, apiErr("PolicyInUseException", "the policy is attached")
	case m.inUse > 0:
		m.inUse--
		return nil, apiErr("PolicyInUseException", "the policy is attached")
	}
	delete(m.policies, p.id)
	return &organizations.DeletePolicyOutput{ResultMetadata: m.md()}, m.done("DeletePolicy")
}

// snapshot is the organization as an *org.Org, as the live reader would
// return it.
func (m *memOrg) snapshot() *org.Org {
	m.t.Helper()
	type pol struct {
		ID      string            `json:"id"`
		Name    string            `json:"name"`
		Type    string            `json:"type"`
		Desc    string            `json:"description,omitempty"`
		Tags    map[string]string `json:"tags,omitempty"`
		Content string            `json:"content"`
	}
	attached := func(target string) map[string][]string {
		var ids []string
		for _, id := range m.ids() {
			if slices.Contains(m.policies[id].targets, target) {
				ids = append(ids, id)
			}
		}
		if len(ids) == 0 {
			return nil
		}
		return map[string][]string{"BACKUP_POLICY": ids}
	}
	root := map[string]any{"id": m.root, "policies": attached(m.root)}
	if m.status != "" {
		root["policy_types"] = []map[string]string{{"type": "BACKUP_POLICY", "status": m.status}}
	}
	var ous, accounts []map[string]any
	for _, id := range m.ous {
		ous = append(ous, map[string]any{"id": id, "name": "OU " + id[len(id)-1:], "policies": attached(id)})
	}
	for i, id := range m.accounts {
		a := map[string]any{"id": id, "policies": attached(id)}
		if i < len(m.ous) {
			a["parent_id"] = m.ous[i]
		}
		accounts = append(accounts, a)
	}
	var ps []pol
	for _, id := range m.ids() {
		p := m.policies[id]
		ps = append(ps, pol{ID: p.id, Name: p.name, Type: "BACKUP_POLICY", Desc: p.description, Tags: p.tags, Content: p.content})
	}
	b, err := json.Marshal(map[string]any{"format_version": "1", "roots": []any{root},
		"organizational_units": ous, "accounts": accounts, "policies": ps})
	if err != nil {
		m.t.Fatal(err)
	}
	o, err := org.Parse("memorg.snapshot.json", b)
	if err != nil {
		m.t.Fatalf("memorg snapshot: %v\n%s", err, b)
	}
	return o
}

// errLost is what a call whose response was lost looks like to the SDK
// after its retries: no AWS error code, no request id.
var errLost = errors.New("read tcp 127.0.0.1:50000->127.0.0.1:4566: read: connection reset by peer")

func countOps(calls []string, op string) int {
	n := 0
	for _, c := range calls {
		if c == op {
			n++
		}
	}
	return n
}
