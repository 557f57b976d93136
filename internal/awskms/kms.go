// Package awskms manages orgbackup's KMS keys: one per Region in the
// management account, behind baseline.KeyAlias, whose key policy lets the
// organization's accounts use it through AWS Backup only. It reads them for
// the plan, creates them and keeps their policy as planned, and checks keys
// for doctor. Keys are never deleted: a vault's recovery points stay
// encrypted with the key it was created with.
package awskms

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/orgbackup/orgbackup/internal/awscall"
	"github.com/orgbackup/orgbackup/internal/baseline"
	"github.com/orgbackup/orgbackup/internal/doctor"
	"github.com/orgbackup/orgbackup/internal/plan"
)

// ReadAPI is what reading a key needs.
type ReadAPI interface {
	DescribeKey(context.Context, *kms.DescribeKeyInput, ...func(*kms.Options)) (*kms.DescribeKeyOutput, error)
	GetKeyPolicy(context.Context, *kms.GetKeyPolicyInput, ...func(*kms.Options)) (*kms.GetKeyPolicyOutput, error)
	ListResourceTags(context.Context, *kms.ListResourceTagsInput, ...func(*kms.Options)) (*kms.ListResourceTagsOutput, error)
}

// API is what managing orgbackup's keys needs.
type API interface {
	ReadAPI
	CreateKey(context.Context, *kms.CreateKeyInput, ...func(*kms.Options)) (*kms.CreateKeyOutput, error)
	CreateAlias(context.Context, *kms.CreateAliasInput, ...func(*kms.Options)) (*kms.CreateAliasOutput, error)
	EnableKeyRotation(context.Context, *kms.EnableKeyRotationInput, ...func(*kms.Options)) (*kms.EnableKeyRotationOutput, error)
	PutKeyPolicy(context.Context, *kms.PutKeyPolicyInput, ...func(*kms.Options)) (*kms.PutKeyPolicyOutput, error)
	ListKeys(context.Context, *kms.ListKeysInput, ...func(*kms.Options)) (*kms.ListKeysOutput, error)
}

// TagAlias records on a key the alias orgbackup created it for, so that a
// key whose CreateAlias never happened (an interrupted apply) is found and
// used rather than a second key created.
const TagAlias = "orgbackup:alias"

// policyName is the only key policy name KMS has.
const policyName = "default"

// ReadKey returns the key behind alias in the Region api reaches, nil if
// the alias does not exist.
func ReadKey(ctx context.Context, api ReadAPI, alias, region string) (*baseline.LiveKey, error) {
	d, err := api.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(alias)})
	if err != nil {
		if awscall.HasCode(err, "NotFoundException") {
			return nil, nil
		}
		return nil, fmt.Errorf("describe %s in %s: %w", alias, region, err)
	}
	return describe(ctx, api, d.KeyMetadata, region)
}

func describe(ctx context.Context, api ReadAPI, md *types.KeyMetadata, region string) (*baseline.LiveKey, error) {
	k := &baseline.LiveKey{Region: region, ARN: aws.ToString(md.Arn), State: string(md.KeyState)}
	p, err := api.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: md.KeyId, PolicyName: aws.String(policyName)})
	if err != nil {
		return nil, fmt.Errorf("get the policy of key %s: %w", k.ARN, err)
	}
	k.Policy = aws.ToString(p.Policy)
	k.Tags, err = tags(ctx, api, aws.ToString(md.KeyId))
	if err != nil {
		return nil, err
	}
	return k, nil
}

func tags(ctx context.Context, api ReadAPI, keyID string) (map[string]string, error) {
	m := map[string]string{}
	p := kms.NewListResourceTagsPaginator(api, &kms.ListResourceTagsInput{KeyId: aws.String(keyID)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list the tags of key %s: %w", keyID, err)
		}
		for _, t := range page.Tags {
			m[aws.ToString(t.TagKey)] = aws.ToString(t.TagValue)
		}
	}
	return m, nil
}

// Event is one mutating call, for the apply log.
type Event struct {
	Operation   string
	RequestID   string
	AlreadyDone bool
	Err         error
	Note        string
}

// Keys carries out the plan's key changes. Keys live in a Region, so API
// gives the client of each.
type Keys struct {
	API func(region string) API
}

// Execute creates a key or sets its policy, and returns the key's ARN.
func (k *Keys) Execute(ctx context.Context, c plan.Change, ev func(Event)) (string, error) {
	d := c.Deployment
	if d == nil || d.Region == "" || d.KeyAlias == "" {
		return "", fmt.Errorf("apply %s: the change names no key alias and Region", c.Action)
	}
	api := k.API(d.Region)
	switch c.Action {
	case plan.CreateKMSKey:
		return k.create(ctx, api, c, ev)
	case plan.UpdateKMSKeyPolicy:
		cur, err := ReadKey(ctx, api, d.KeyAlias, d.Region)
		if err != nil {
			return "", err
		}
		if cur == nil {
			return "", fmt.Errorf("set the policy of %s in %s: the key is gone; plan again", d.KeyAlias, d.Region)
		}
		if baseline.SameJSON(cur.Policy, c.After) {
			ev(Event{Operation: "PutKeyPolicy", AlreadyDone: true, Note: "the policy is as planned"})
			return cur.ARN, nil
		}
		out, err := api.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: aws.String(cur.ARN), PolicyName: aws.String(policyName), Policy: aws.String(c.After)})
		if err != nil {
			ev(Event{Operation: "PutKeyPolicy", RequestID: errRequestID(err), Err: err})
			return "", fmt.Errorf("set the policy of key %s: %w", cur.ARN, err)
		}
		ev(Event{Operation: "PutKeyPolicy", RequestID: requestID(out.ResultMetadata), Note: cur.ARN})
		return cur.ARN, nil
	}
	return "", fmt.Errorf("apply %s: not a KMS key change", c.Action)
}

func (k *Keys) create(ctx context.Context, api API, c plan.Change, ev func(Event)) (string, error) {
	d := c.Deployment
	if cur, err := ReadKey(ctx, api, d.KeyAlias, d.Region); err != nil || cur != nil {
		if cur != nil {
			ev(Event{Operation: "CreateKey", AlreadyDone: true, Note: fmt.Sprintf("%s names %s already", d.KeyAlias, cur.ARN)})
			return cur.ARN, nil
		}
		return "", err
	}
	keyID, err := k.orphan(ctx, api, d.KeyAlias)
	if err != nil {
		return "", err
	}
	if keyID != "" {
		ev(Event{Operation: "CreateKey", AlreadyDone: true, Note: "found key " + keyID + ", created for " + d.KeyAlias + " by an interrupted apply"})
	} else {
		t := maps.Clone(c.Tags)
		if t == nil {
			t = map[string]string{}
		}
		t[TagAlias] = d.KeyAlias
		var kt []types.Tag
		for _, key := range slices.Sorted(maps.Keys(t)) {
			kt = append(kt, types.Tag{TagKey: aws.String(key), TagValue: aws.String(t[key])})
		}
		out, err := api.CreateKey(ctx, &kms.CreateKeyInput{
			Description: aws.String("orgbackup: encrypts the organization's backup vaults in " + d.Region + "; usable by the organization's accounts through AWS Backup only"),
			KeySpec:     types.KeySpecSymmetricDefault,
			KeyUsage:    types.KeyUsageTypeEncryptDecrypt,
			Policy:      aws.String(c.After),
			Tags:        kt,
		})
		if err != nil {
			ev(Event{Operation: "CreateKey", RequestID: errRequestID(err), Err: err})
			return "", fmt.Errorf("create the backup key in %s: %w", d.Region, err)
		}
		keyID = aws.ToString(out.KeyMetadata.KeyId)
		ev(Event{Operation: "CreateKey", RequestID: requestID(out.ResultMetadata), Note: aws.ToString(out.KeyMetadata.Arn)})
		rot, err := api.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: aws.String(keyID)})
		if err != nil {
			ev(Event{Operation: "EnableKeyRotation", RequestID: errRequestID(err), Err: err})
			return "", fmt.Errorf("turn on rotation of key %s: %w", keyID, err)
		}
		ev(Event{Operation: "EnableKeyRotation", RequestID: requestID(rot.ResultMetadata)})
	}
	out, err := api.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(d.KeyAlias), TargetKeyId: aws.String(keyID)})
	if err != nil && !awscall.HasCode(err, "AlreadyExistsException") {
		ev(Event{Operation: "CreateAlias", RequestID: errRequestID(err), Err: err})
		return "", fmt.Errorf("create alias %s in %s: %w", d.KeyAlias, d.Region, err)
	}
	if err == nil {
		ev(Event{Operation: "CreateAlias", RequestID: requestID(out.ResultMetadata)})
	}
	cur, err := ReadKey(ctx, api, d.KeyAlias, d.Region)
	if err != nil {
		return "", err
	}
	if cur == nil {
		return "", fmt.Errorf("create alias %s in %s: it does not name a key afterwards", d.KeyAlias, d.Region)
	}
	return cur.ARN, nil
}

// orphan finds a key orgbackup created for alias whose alias was never
// created, so an interrupted apply does not leave a second key behind.
func (k *Keys) orphan(ctx context.Context, api API, alias string) (string, error) {
	p := kms.NewListKeysPaginator(api, &kms.ListKeysInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return "", fmt.Errorf("list keys: %w", err)
		}
		for _, key := range page.Keys {
			t, err := tags(ctx, api, aws.ToString(key.KeyId))
			if err != nil {
				// Keys of other services may refuse; they are not ours.
				continue
			}
			if t[TagAlias] == alias {
				return aws.ToString(key.KeyId), nil
			}
		}
	}
	return "", nil
}

var (
	requestID    = awscall.RequestID
	errRequestID = awscall.ErrRequestID
)

// DescribeAPI is what doctor needs of a key.
type DescribeAPI interface {
	DescribeKey(context.Context, *kms.DescribeKeyInput, ...func(*kms.Options)) (*kms.DescribeKeyOutput, error)
	GetKeyPolicy(context.Context, *kms.GetKeyPolicyInput, ...func(*kms.Options)) (*kms.GetKeyPolicyOutput, error)
}

// KeyFacts describes the key arn for doctor. The key policy of a key in
// another account cannot be read with this account's credentials; then
// PolicyErr says so and the policy is checked where it can be.
func KeyFacts(ctx context.Context, api DescribeAPI, arn string) (*doctor.Key, error) {
	d, err := api.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(arn)})
	if err != nil {
		return nil, fmt.Errorf("describe key %s: %w", arn, err)
	}
	k := &doctor.Key{ARN: arn, State: string(d.KeyMetadata.KeyState), Manager: string(d.KeyMetadata.KeyManager)}
	p, err := api.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(arn), PolicyName: aws.String(policyName)})
	if err != nil {
		k.PolicyErr = err.Error()
		return k, nil
	}
	k.Policy = aws.ToString(p.Policy)
	return k, nil
}
