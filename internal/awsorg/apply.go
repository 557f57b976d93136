package awsorg

// The write side: idempotent executors for the Organizations changes of a
// plan. Each change is safe to run again after any failure, because every
// "already in the desired state" answer counts as done and a CreatePolicy
// whose response was lost is found again by its ownership tags.

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/orgbackup/orgbackup/internal/apply"
	"github.com/orgbackup/orgbackup/internal/awscall"
	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/plan"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// ApplyAPI is the part of the Organizations API the executor uses, with the
// SDK's own signatures: *organizations.Client satisfies it.
type ApplyAPI interface {
	ListRoots(context.Context, *organizations.ListRootsInput, ...func(*organizations.Options)) (*organizations.ListRootsOutput, error)
	ListPolicies(context.Context, *organizations.ListPoliciesInput, ...func(*organizations.Options)) (*organizations.ListPoliciesOutput, error)
	DescribePolicy(context.Context, *organizations.DescribePolicyInput, ...func(*organizations.Options)) (*organizations.DescribePolicyOutput, error)
	ListTagsForResource(context.Context, *organizations.ListTagsForResourceInput, ...func(*organizations.Options)) (*organizations.ListTagsForResourceOutput, error)

	EnablePolicyType(context.Context, *organizations.EnablePolicyTypeInput, ...func(*organizations.Options)) (*organizations.EnablePolicyTypeOutput, error)
	EnableAWSServiceAccess(context.Context, *organizations.EnableAWSServiceAccessInput, ...func(*organizations.Options)) (*organizations.EnableAWSServiceAccessOutput, error)
	RegisterDelegatedAdministrator(context.Context, *organizations.RegisterDelegatedAdministratorInput, ...func(*organizations.Options)) (*organizations.RegisterDelegatedAdministratorOutput, error)
	CreatePolicy(context.Context, *organizations.CreatePolicyInput, ...func(*organizations.Options)) (*organizations.CreatePolicyOutput, error)
	UpdatePolicy(context.Context, *organizations.UpdatePolicyInput, ...func(*organizations.Options)) (*organizations.UpdatePolicyOutput, error)
	TagResource(context.Context, *organizations.TagResourceInput, ...func(*organizations.Options)) (*organizations.TagResourceOutput, error)
	AttachPolicy(context.Context, *organizations.AttachPolicyInput, ...func(*organizations.Options)) (*organizations.AttachPolicyOutput, error)
	DetachPolicy(context.Context, *organizations.DetachPolicyInput, ...func(*organizations.Options)) (*organizations.DetachPolicyOutput, error)
	DeletePolicy(context.Context, *organizations.DeletePolicyInput, ...func(*organizations.Options)) (*organizations.DeletePolicyOutput, error)
}

// Defaults of the Applier's bounds.
const (
	// DefaultEnableTimeout bounds the wait for EnablePolicyType. AWS
	// usually finishes in seconds; minutes mean something is wrong.
	DefaultEnableTimeout = 5 * time.Minute
	// DefaultInUseAttempts bounds DeletePolicy while a detach has not
	// propagated yet (PolicyInUseException right after the last detach).
	DefaultInUseAttempts = 6
)

// Applier carries out the Organizations changes of a plan: prerequisites,
// policies, attachments, detachments and deletions. It makes its calls one
// at a time (Organizations throttles policy writes to a few per second and
// answers parallel writes with ConcurrentModificationException); the SDK's
// retryer handles throttling and transient errors of each call.
type Applier struct {
	API ApplyAPI
	// Repository is organization.repository from the policy repository,
	// or empty: a policy is orgbackup's when it is tagged
	// managed-by=orgbackup and, if Repository is set, tagged with it.
	Repository string

	// EnableTimeout bounds the wait for a policy type to become ENABLED;
	// zero means DefaultEnableTimeout.
	EnableTimeout time.Duration
	// InUseAttempts bounds DeletePolicy retries on PolicyInUseException;
	// zero means DefaultInUseAttempts.
	InUseAttempts int
	// Sleep waits between polls and retries; nil means a timer that
	// returns early when ctx ends. Tests make it instant.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock of the bounded waits; nil means time.Now.
	Now func() time.Time

	// owned caches the ownership check of each policy for the run: a
	// policy detached from ten targets is checked once, not ten times.
	owned map[string]error
}

// Execute carries out one change. See apply.Executor.
func (a *Applier) Execute(ctx context.Context, c plan.Change, rec apply.Recorder) (apply.Outcome, error) {
	if a.owned == nil {
		a.owned = map[string]error{}
	}
	switch c.Action {
	case plan.EnablePolicyType:
		return apply.Outcome{}, a.enablePolicyType(ctx, c, rec)
	case plan.EnableServiceAccess:
		return apply.Outcome{}, a.enableServiceAccess(ctx, c, rec)
	case plan.RegisterDelegatedAdmin:
		return apply.Outcome{}, a.registerDelegatedAdmin(ctx, c, rec)
	case plan.CreatePolicy:
		return a.create(ctx, c, rec)
	case plan.UpdatePolicy:
		return apply.Outcome{PolicyID: c.PolicyID}, a.update(ctx, c, rec)
	case plan.AdoptPolicy:
		return apply.Outcome{PolicyID: c.PolicyID}, a.adopt(ctx, c, rec)
	case plan.TagPolicy:
		return apply.Outcome{PolicyID: c.PolicyID}, a.retag(ctx, c, rec)
	case plan.Attach:
		return apply.Outcome{PolicyID: c.PolicyID}, a.attach(ctx, c, rec)
	case plan.Detach:
		return apply.Outcome{PolicyID: c.PolicyID}, a.detach(ctx, c, rec)
	case plan.DeletePolicy:
		return apply.Outcome{PolicyID: c.PolicyID}, a.delete(ctx, c, rec)
	}
	return apply.Outcome{}, fmt.Errorf("apply %s: not an Organizations change", c.Action)
}

func (a *Applier) enablePolicyType(ctx context.Context, c plan.Change, rec apply.Recorder) error {
	root, typ := targetID(c), policyType(c)
	if root == "" {
		return fmt.Errorf("enable policy type %s: the change names no root", typ)
	}
	out, err := a.API.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{
		RootId: aws.String(root), PolicyType: types.PolicyType(typ)})
	switch {
	case err == nil:
		rec(awscall.Done("EnablePolicyType", "", out.ResultMetadata))
	case awscall.HasCode(err, "PolicyTypeAlreadyEnabledException"):
		rec(awscall.AlreadyDone("EnablePolicyType", "", err, ""))
	default:
		rec(awscall.Failed("EnablePolicyType", "", err))
		return fmt.Errorf("enable policy type %s on %s: %w", typ, root, err)
	}
	return a.WaitPolicyTypeEnabled(ctx, root, typ)
}

// WaitPolicyTypeEnabled polls ListRoots until policyType is ENABLED on the
// root, for at most EnableTimeout. See apply.PolicyTypeWaiter.
func (a *Applier) WaitPolicyTypeEnabled(ctx context.Context, rootID, policyType string) error {
	timeout := a.EnableTimeout
	if timeout <= 0 {
		timeout = DefaultEnableTimeout
	}
	start := a.now()
	delay := time.Second
	for {
		status, err := a.policyTypeStatus(ctx, rootID, policyType)
		if err != nil {
			return fmt.Errorf("wait for policy type %s on %s: %w", policyType, rootID, err)
		}
		if status == string(types.PolicyTypeStatusEnabled) {
			return nil
		}
		waited := a.now().Sub(start)
		if waited >= timeout {
			if status == "" {
				status = "not enabled"
			}
			return fmt.Errorf("wait for policy type %s on %s: still %s after %s; AWS enables policy types asynchronously and nothing can be attached before it is ENABLED: run apply again later to continue, or check the root in the Organizations console",
				policyType, rootID, status, waited.Round(time.Second))
		}
		if err := a.sleep(ctx, min(delay, timeout-waited)); err != nil {
			return fmt.Errorf("wait for policy type %s on %s: %w", policyType, rootID, err)
		}
		delay = min(2*delay, 15*time.Second)
	}
}

func (a *Applier) policyTypeStatus(ctx context.Context, rootID, policyType string) (string, error) {
	p := organizations.NewListRootsPaginator(a.API, &organizations.ListRootsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return "", err
		}
		for _, r := range page.Roots {
			if aws.ToString(r.Id) != rootID {
				continue
			}
			for _, t := range r.PolicyTypes {
				if string(t.Type) == policyType {
					return string(t.Status), nil
				}
			}
			return "", nil
		}
	}
	return "", fmt.Errorf("root %s is not in the organization (ListRoots)", rootID)
}

func (a *Applier) enableServiceAccess(ctx context.Context, c plan.Change, rec apply.Recorder) error {
	principal := cmp.Or(c.Setting, plan.BackupPrincipal)
	// EnableAWSServiceAccess for a principal that already has access
	// succeeds and changes nothing, so it needs no special case.
	out, err := a.API.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String(principal)})
	if err != nil {
		rec(awscall.Failed("EnableAWSServiceAccess", "", err))
		return fmt.Errorf("enable trusted access for %s: %w", principal, err)
	}
	rec(awscall.Done("EnableAWSServiceAccess", "", out.ResultMetadata))
	return nil
}

func (a *Applier) registerDelegatedAdmin(ctx context.Context, c plan.Change, rec apply.Recorder) error {
	account, principal := c.Setting, cmp.Or(c.After, plan.BackupPrincipal)
	if account == "" {
		return errors.New("register delegated administrator: the change names no account")
	}
	out, err := a.API.RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{
		AccountId: aws.String(account), ServicePrincipal: aws.String(principal)})
	switch {
	case err == nil:
		rec(awscall.Done("RegisterDelegatedAdministrator", "", out.ResultMetadata))
	case awscall.HasCode(err, "AccountAlreadyRegisteredException"):
		rec(awscall.AlreadyDone("RegisterDelegatedAdministrator", "", err, ""))
	default:
		rec(awscall.Failed("RegisterDelegatedAdministrator", "", err))
		return fmt.Errorf("register %s as delegated administrator for %s: %w", account, principal, err)
	}
	return nil
}

// create creates a policy with its ownership tags in the same call, so
// there is no moment in which it exists untagged. CreatePolicy has no
// idempotency token: when the response is lost (a timeout, a dropped
// connection, a 5xx after the server committed), the SDK's retry or the
// next apply gets DuplicatePolicyException. Then the policy is looked up by
// name and adopted if its tags say it is orgbackup's; a policy of that name
// that is not orgbackup's is a conflict, never overwritten.
func (a *Applier) create(ctx context.Context, c plan.Change, rec apply.Recorder) (apply.Outcome, error) {
	in := &organizations.CreatePolicyInput{
		Name:        aws.String(c.Policy),
		Type:        types.PolicyTypeBackupPolicy,
		Content:     aws.String(c.After),
		Description: aws.String(c.Description),
		Tags:        sdkTags(c.Tags),
	}
	out, err := a.API.CreatePolicy(ctx, in)
	if err == nil {
		id := aws.ToString(out.Policy.PolicySummary.Id)
		a.setOwned(id, nil)
		rec(awscall.Done("CreatePolicy", id, out.ResultMetadata))
		return apply.Outcome{PolicyID: id}, nil
	}
	if !awscall.HasCode(err, "DuplicatePolicyException") && !awscall.Ambiguous(err) {
		rec(awscall.Failed("CreatePolicy", "", err))
		return apply.Outcome{}, fmt.Errorf("create policy %q: %w", c.Policy, err)
	}
	// The policy may exist: find it by name and decide by its tags.
	id, found, lerr := a.findPolicy(ctx, c.Policy)
	if lerr != nil {
		rec(awscall.Failed("CreatePolicy", "", err))
		return apply.Outcome{}, fmt.Errorf("create policy %q: %w; looking for it afterwards: %v", c.Policy, err, lerr)
	}
	if !found {
		rec(awscall.Failed("CreatePolicy", "", err))
		return apply.Outcome{}, fmt.Errorf("create policy %q: %w", c.Policy, err)
	}
	if oerr := a.checkOwned(ctx, id, c.Policy); oerr != nil {
		rec(awscall.Failed("CreatePolicy", id, err))
		return apply.Outcome{}, fmt.Errorf("create policy %q: a policy of that name already exists: %w", c.Policy, oerr)
	}
	rec(awscall.AlreadyDone("CreatePolicy", id, err, fmt.Sprintf("adopted %s: a policy of this name with orgbackup's tags exists (a previous CreatePolicy succeeded though its response was lost)", id)))
	// Make the adopted policy what the change asked for.
	if err := a.converge(ctx, id, c, rec); err != nil {
		return apply.Outcome{PolicyID: id}, fmt.Errorf("create policy %q: %w", c.Policy, err)
	}
	return apply.Outcome{PolicyID: id}, nil
}

// converge updates an adopted policy's content and description where they
// differ from the change's.
func (a *Applier) converge(ctx context.Context, id string, c plan.Change, rec apply.Recorder) error {
	out, err := a.API.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: aws.String(id)})
	if err != nil {
		return fmt.Errorf("describe policy %s: %w", id, err)
	}
	var content, description string
	if out.Policy != nil {
		content = aws.ToString(out.Policy.Content)
		if out.Policy.PolicySummary != nil {
			description = aws.ToString(out.Policy.PolicySummary.Description)
		}
	}
	if sameJSON(content, c.After) && description == c.Description {
		return nil
	}
	return a.updatePolicy(ctx, id, c, rec)
}

func (a *Applier) update(ctx context.Context, c plan.Change, rec apply.Recorder) error {
	if c.PolicyID == "" {
		return fmt.Errorf("update policy %q: the change has no policy id", c.Policy)
	}
	if err := a.checkOwned(ctx, c.PolicyID, c.Policy); err != nil {
		if isGone(err) {
			return fmt.Errorf("update policy %q (%s): it no longer exists; run plan again", c.Policy, c.PolicyID)
		}
		return fmt.Errorf("update policy %q: %w", c.Policy, err)
	}
	return a.updatePolicy(ctx, c.PolicyID, c, rec)
}

// updatePolicy sends the change's content and description. UpdatePolicy is
// idempotent: sending what is already there changes nothing.
func (a *Applier) updatePolicy(ctx context.Context, id string, c plan.Change, rec apply.Recorder) error {
	in := &organizations.UpdatePolicyInput{PolicyId: aws.String(id), Description: aws.String(c.Description)}
	if c.After != "" {
		in.Content = aws.String(c.After)
	}
	out, err := a.API.UpdatePolicy(ctx, in)
	if err != nil {
		rec(awscall.Failed("UpdatePolicy", id, err))
		return fmt.Errorf("update policy %q (%s): %w", c.Policy, id, err)
	}
	rec(awscall.Done("UpdatePolicy", id, out.ResultMetadata))
	return nil
}

// adopt tags an existing policy as orgbackup's, as its definition asks
// (adopt: true). A policy that another repository's orgbackup manages is
// not taken over.
func (a *Applier) adopt(ctx context.Context, c plan.Change, rec apply.Recorder) error {
	if c.PolicyID == "" {
		return fmt.Errorf("adopt policy %q: the change has no policy id", c.Policy)
	}
	tags, err := a.tags(ctx, c.PolicyID)
	if err != nil {
		return fmt.Errorf("adopt policy %q (%s): %w", c.Policy, c.PolicyID, err)
	}
	if repo := tags[policy.TagRepository]; tags[policy.TagManagedBy] == policy.ManagedBy && repo != "" && repo != a.Repository {
		return fmt.Errorf("adopt policy %q (%s): it is managed by orgbackup for repository %q, not this one; it is left alone",
			c.Policy, c.PolicyID, repo)
	}
	return a.tag(ctx, c, tags, rec)
}

// retag brings orgbackup's tags on its own policy up to date (its
// definition moved to another file).
func (a *Applier) retag(ctx context.Context, c plan.Change, rec apply.Recorder) error {
	if err := a.checkOwned(ctx, c.PolicyID, c.Policy); err != nil {
		return fmt.Errorf("tag policy %q: %w", c.Policy, err)
	}
	tags, err := a.tags(ctx, c.PolicyID)
	if err != nil {
		return fmt.Errorf("tag policy %q (%s): %w", c.Policy, c.PolicyID, err)
	}
	return a.tag(ctx, c, tags, rec)
}

// tag puts the change's tags that the policy does not have yet on it;
// other tags stay as they are.
func (a *Applier) tag(ctx context.Context, c plan.Change, have map[string]string, rec apply.Recorder) error {
	missing := map[string]string{}
	for k, v := range c.Tags {
		if have[k] != v {
			missing[k] = v
		}
	}
	now := maps.Clone(have)
	maps.Copy(now, missing)
	if len(missing) == 0 {
		a.remember(c.PolicyID, now)
		rec(awscall.AlreadyDone("TagResource", c.PolicyID, nil, "already tagged"))
		return nil
	}
	out, err := a.API.TagResource(ctx, &organizations.TagResourceInput{ResourceId: aws.String(c.PolicyID), Tags: sdkTags(missing)})
	if err != nil {
		rec(awscall.Failed("TagResource", c.PolicyID, err))
		return fmt.Errorf("tag policy %q (%s): %w", c.Policy, c.PolicyID, err)
	}
	a.remember(c.PolicyID, now)
	rec(awscall.Done("TagResource", c.PolicyID, out.ResultMetadata))
	return nil
}

func (a *Applier) attach(ctx context.Context, c plan.Change, rec apply.Recorder) error {
	if c.PolicyID == "" {
		return fmt.Errorf("attach policy %q: the change has no policy id", c.Policy)
	}
	target := targetID(c)
	out, err := a.API.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: aws.String(c.PolicyID), TargetId: aws.String(target)})
	switch {
	case err == nil:
		rec(awscall.Done("AttachPolicy", c.PolicyID, out.ResultMetadata))
	case awscall.HasCode(err, "DuplicatePolicyAttachmentException"):
		rec(awscall.AlreadyDone("AttachPolicy", c.PolicyID, err, ""))
	default:
		rec(awscall.Failed("AttachPolicy", c.PolicyID, err))
		return fmt.Errorf("attach policy %q (%s) to %s: %w", c.Policy, c.PolicyID, target, err)
	}
	return nil
}

func (a *Applier) detach(ctx context.Context, c plan.Change, rec apply.Recorder) error {
	target := targetID(c)
	if err := a.checkOwned(ctx, c.PolicyID, c.Policy); err != nil {
		if isGone(err) {
			rec(awscall.AlreadyDone("DetachPolicy", c.PolicyID, err, "the policy no longer exists"))
			return nil
		}
		return fmt.Errorf("detach policy %q from %s: %w", c.Policy, target, err)
	}
	out, err := a.API.DetachPolicy(ctx, &organizations.DetachPolicyInput{PolicyId: aws.String(c.PolicyID), TargetId: aws.String(target)})
	switch {
	case err == nil:
		rec(awscall.Done("DetachPolicy", c.PolicyID, out.ResultMetadata))
	case awscall.HasCode(err, "PolicyNotAttachedException", "PolicyNotFoundException"):
		rec(awscall.AlreadyDone("DetachPolicy", c.PolicyID, err, ""))
	default:
		rec(awscall.Failed("DetachPolicy", c.PolicyID, err))
		return fmt.Errorf("detach policy %q (%s) from %s: %w", c.Policy, c.PolicyID, target, err)
	}
	return nil
}

// delete deletes a policy. Right after its last detach, DeletePolicy can
// still see an attachment (PolicyInUseException) until the detach has
// propagated; that is retried a bounded number of times.
func (a *Applier) delete(ctx context.Context, c plan.Change, rec apply.Recorder) error {
	if err := a.checkOwned(ctx, c.PolicyID, c.Policy); err != nil {
		if isGone(err) {
			rec(awscall.AlreadyDone("DeletePolicy", c.PolicyID, err, "the policy no longer exists"))
			return nil
		}
		return fmt.Errorf("delete policy %q: %w", c.Policy, err)
	}
	attempts := a.InUseAttempts
	if attempts <= 0 {
		attempts = DefaultInUseAttempts
	}
	delay := 2 * time.Second
	for i := 1; ; i++ {
		out, err := a.API.DeletePolicy(ctx, &organizations.DeletePolicyInput{PolicyId: aws.String(c.PolicyID)})
		switch {
		case err == nil:
			rec(awscall.Done("DeletePolicy", c.PolicyID, out.ResultMetadata))
			return nil
		case awscall.HasCode(err, "PolicyNotFoundException"):
			rec(awscall.AlreadyDone("DeletePolicy", c.PolicyID, err, ""))
			return nil
		case awscall.HasCode(err, "PolicyInUseException") && i < attempts:
			if serr := a.sleep(ctx, delay); serr != nil {
				return fmt.Errorf("delete policy %q (%s): %w", c.Policy, c.PolicyID, serr)
			}
			delay = min(2*delay, 30*time.Second)
			continue
		}
		rec(awscall.Failed("DeletePolicy", c.PolicyID, err))
		if awscall.HasCode(err, "PolicyInUseException") {
			return fmt.Errorf("delete policy %q (%s): still attached after %d attempts (%w); it is attached somewhere the plan did not detach it from: run plan again", c.Policy, c.PolicyID, attempts, err)
		}
		return fmt.Errorf("delete policy %q (%s): %w", c.Policy, c.PolicyID, err)
	}
}

// ErrNotOwned is the error class of a refusal to change a policy orgbackup
// does not own.
var ErrNotOwned = errors.New("not managed by orgbackup")

// checkOwned refuses to let orgbackup change a policy that is not its own.
// The plan checked this already; it is checked again here, against the
// policy's tags as they are now, because tags can change between plan and
// apply and a wrong guess here would change someone else's policy.
func (a *Applier) checkOwned(ctx context.Context, id, name string) error {
	if id == "" {
		return fmt.Errorf("policy %q: the change has no policy id", name)
	}
	if err, ok := a.owned[id]; ok {
		return err
	}
	tags, err := a.tags(ctx, id)
	if err != nil {
		if isGone(err) {
			return err
		}
		return fmt.Errorf("read the tags of policy %q (%s): %w", name, id, err)
	}
	var oerr error
	switch {
	case plan.Owned(&org.Policy{Tags: tags}, a.Repository):
	case tags[policy.TagManagedBy] != policy.ManagedBy:
		oerr = fmt.Errorf("policy %q (%s) is %w: it has no %s=%s tag, and orgbackup never changes a policy it does not own (to take it over, run `orgbackup import --from-org --policy %s`, which marks its definition adopt: true)",
			name, id, ErrNotOwned, policy.TagManagedBy, policy.ManagedBy, name)
	default:
		oerr = fmt.Errorf("policy %q (%s) is %w for this repository: its %s tag is %q, not %q; it is left alone",
			name, id, ErrNotOwned, policy.TagRepository, tags[policy.TagRepository], a.Repository)
	}
	a.setOwned(id, oerr)
	return oerr
}

func (a *Applier) setOwned(id string, err error) { a.owned[id] = err }

// remember caches what a policy's tags, as orgbackup just set them, say
// about its ownership, sparing the next change of the policy a call.
func (a *Applier) remember(id string, tags map[string]string) {
	if plan.Owned(&org.Policy{Tags: tags}, a.Repository) {
		a.setOwned(id, nil)
	} else {
		delete(a.owned, id)
	}
}

// tags lists a policy's tags. A policy that does not exist gives an error
// for which isGone is true.
func (a *Applier) tags(ctx context.Context, id string) (map[string]string, error) {
	tags := map[string]string{}
	p := organizations.NewListTagsForResourcePaginator(a.API, &organizations.ListTagsForResourceInput{ResourceId: aws.String(id)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			if awscall.HasCode(err, "TargetNotFoundException", "PolicyNotFoundException") {
				return nil, &goneError{id: id, err: err}
			}
			return nil, err
		}
		for _, t := range page.Tags {
			tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
	}
	return tags, nil
}

// findPolicy looks a backup policy up by name.
func (a *Applier) findPolicy(ctx context.Context, name string) (id string, found bool, err error) {
	p := organizations.NewListPoliciesPaginator(a.API, &organizations.ListPoliciesInput{Filter: types.PolicyTypeBackupPolicy})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return "", false, err
		}
		for _, s := range page.Policies {
			if aws.ToString(s.Name) == name {
				return aws.ToString(s.Id), true, nil
			}
		}
	}
	return "", false, nil
}

func (a *Applier) sleep(ctx context.Context, d time.Duration) error {
	if a.Sleep != nil {
		return a.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (a *Applier) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// goneError: the policy does not exist (any more).
type goneError struct {
	id  string
	err error
}

func (e *goneError) Error() string { return fmt.Sprintf("policy %s does not exist: %v", e.id, e.err) }
func (e *goneError) Unwrap() error { return e.err }

func isGone(err error) bool {
	var g *goneError
	return errors.As(err, &g)
}

func targetID(c plan.Change) string {
	if c.Target == nil {
		return ""
	}
	return c.Target.ID
}

func policyType(c plan.Change) string {
	if c.Setting != "" {
		return c.Setting
	}
	return string(types.PolicyTypeBackupPolicy)
}

func sdkTags(m map[string]string) []types.Tag {
	if len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	// Sorted, so the request is the same bytes every time.
	slices.Sort(keys)
	tags := make([]types.Tag, 0, len(keys))
	for _, k := range keys {
		tags = append(tags, types.Tag{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return tags
}

// sameJSON compares two policy documents as JSON values: key order and
// white space do not count.
func sameJSON(a, b string) bool {
	if a == b {
		return true
	}
	na, err := doc.Parse("live", []byte(a))
	if err != nil {
		return false
	}
	nb, err := doc.Parse("plan", []byte(b))
	if err != nil {
		return false
	}
	return doc.Equal(na, nb)
}
