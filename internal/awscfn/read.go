package awscfn

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/orgbackup/orgbackup/internal/baseline"
	"github.com/orgbackup/orgbackup/internal/generate"
)

// activeOperation reports whether an operation still holds its StackSet.
func activeOperation(s types.StackSetOperationStatus) bool {
	return s == types.StackSetOperationStatusRunning || s == types.StackSetOperationStatusQueued || s == types.StackSetOperationStatusStopping
}

// ReadStackSets returns orgbackup's StackSets (names starting with
// generate.StackSetPrefix, not DELETED) with their template, targets,
// instances and any operation in progress. callAs is SELF from the
// management account, DELEGATED_ADMIN from a delegated administrator.
func ReadStackSets(ctx context.Context, api StackSetReadAPI, callAs types.CallAs) ([]*baseline.LiveStackSet, error) {
	var names []string
	p := cloudformation.NewListStackSetsPaginator(api, &cloudformation.ListStackSetsInput{Status: types.StackSetStatusActive, CallAs: callAs})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list StackSets: %w", err)
		}
		for _, s := range page.Summaries {
			name := aws.ToString(s.StackSetName)
			// The Status filter is a request; an emulator may ignore it.
			if strings.HasPrefix(name, generate.StackSetPrefix) && s.Status != types.StackSetStatusDeleted {
				names = append(names, name)
			}
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)
	var out []*baseline.LiveStackSet
	for _, name := range names {
		ls, err := ReadStackSet(ctx, api, name, callAs)
		if err != nil {
			return nil, err
		}
		if ls != nil {
			out = append(out, ls)
		}
	}
	return out, nil
}

// ReadStackSet reads one StackSet; nil if it does not exist.
func ReadStackSet(ctx context.Context, api StackSetReadAPI, name string, callAs types.CallAs) (*baseline.LiveStackSet, error) {
	d, err := api.DescribeStackSet(ctx, &cloudformation.DescribeStackSetInput{StackSetName: aws.String(name), CallAs: callAs})
	if err != nil {
		if errorCode(err) == "StackSetNotFoundException" {
			return nil, nil
		}
		return nil, fmt.Errorf("describe StackSet %s: %w", name, err)
	}
	s := d.StackSet
	if s == nil || s.Status == types.StackSetStatusDeleted {
		return nil, nil
	}
	ls := &baseline.LiveStackSet{
		Name:            name,
		Status:          string(s.Status),
		PermissionModel: string(s.PermissionModel),
		AutoDeployment:  s.AutoDeployment != nil && aws.ToBool(s.AutoDeployment.Enabled),
		Template:        aws.ToString(s.TemplateBody),
		Parameters:      parameters(s.Parameters),
		Tags:            tags(s.Tags),
		OUs:             slices.Sorted(slices.Values(s.OrganizationalUnitIds)),
		Regions:         slices.Sorted(slices.Values(s.Regions)),
	}
	for _, c := range s.Capabilities {
		ls.Capabilities = append(ls.Capabilities, string(c))
	}
	ls.Instances, err = readInstances(ctx, api, name, callAs)
	if err != nil {
		return nil, err
	}
	// With managed execution off (orgbackup never turns it on), at most
	// one operation is active, and the newest come first.
	ops, err := api.ListStackSetOperations(ctx, &cloudformation.ListStackSetOperationsInput{StackSetName: aws.String(name), CallAs: callAs, MaxResults: aws.Int32(20)})
	if err != nil {
		return nil, fmt.Errorf("list operations of StackSet %s: %w", name, err)
	}
	for _, op := range ops.Summaries {
		if activeOperation(op.Status) {
			ls.Operation = &baseline.Operation{ID: aws.ToString(op.OperationId), Action: string(op.Action), Status: string(op.Status)}
			break
		}
	}
	return ls, nil
}

func readInstances(ctx context.Context, api StackSetReadAPI, name string, callAs types.CallAs) ([]baseline.Instance, error) {
	var out []baseline.Instance
	p := cloudformation.NewListStackInstancesPaginator(api, &cloudformation.ListStackInstancesInput{StackSetName: aws.String(name), CallAs: callAs})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list stack instances of %s: %w", name, err)
		}
		for _, i := range page.Summaries {
			in := baseline.Instance{
				Account: aws.ToString(i.Account),
				Region:  aws.ToString(i.Region),
				OU:      aws.ToString(i.OrganizationalUnitId),
				Status:  string(i.Status),
				Reason:  aws.ToString(i.StatusReason),
			}
			if i.StackInstanceStatus != nil {
				in.Detailed = string(i.StackInstanceStatus.DetailedStatus)
			}
			out = append(out, in)
		}
	}
	slices.SortFunc(out, func(a, b baseline.Instance) int {
		if c := strings.Compare(a.Account, b.Account); c != 0 {
			return c
		}
		return strings.Compare(a.Region, b.Region)
	})
	return out, nil
}

// ReadStacks returns orgbackup's stacks in the Region api reaches: names
// starting with generate.StackSetPrefix, not deleted, with the template
// they were created or last updated with.
func ReadStacks(ctx context.Context, api StackReadAPI, region string) ([]*baseline.LiveStack, error) {
	var out []*baseline.LiveStack
	p := cloudformation.NewDescribeStacksPaginator(api, &cloudformation.DescribeStacksInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe stacks in %s: %w", region, err)
		}
		for _, s := range page.Stacks {
			name := aws.ToString(s.StackName)
			if !strings.HasPrefix(name, generate.StackSetPrefix) || s.StackStatus == types.StackStatusDeleteComplete {
				continue
			}
			t, err := api.GetTemplate(ctx, &cloudformation.GetTemplateInput{StackName: s.StackId, TemplateStage: types.TemplateStageOriginal})
			if err != nil {
				return nil, fmt.Errorf("get the template of stack %s in %s: %w", name, region, err)
			}
			out = append(out, &baseline.LiveStack{
				Name:       name,
				Region:     region,
				Status:     string(s.StackStatus),
				Reason:     aws.ToString(s.StackStatusReason),
				Template:   aws.ToString(t.TemplateBody),
				Parameters: parameters(s.Parameters),
				Tags:       tags(s.Tags),
			})
		}
	}
	slices.SortFunc(out, func(a, b *baseline.LiveStack) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func parameters(ps []types.Parameter) map[string]string {
	if len(ps) == 0 {
		return nil
	}
	m := map[string]string{}
	for _, p := range ps {
		m[aws.ToString(p.ParameterKey)] = aws.ToString(p.ParameterValue)
	}
	return m
}

func tags(ts []types.Tag) map[string]string {
	if len(ts) == 0 {
		return nil
	}
	m := map[string]string{}
	for _, t := range ts {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

func cfnTags(m map[string]string) []types.Tag {
	var out []types.Tag
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, types.Tag{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return out
}

func cfnParameters(m map[string]string) []types.Parameter {
	var out []types.Parameter
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, types.Parameter{ParameterKey: aws.String(k), ParameterValue: aws.String(m[k])})
	}
	return out
}
