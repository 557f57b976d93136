package awscfn

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
)

// fakeCFN is CloudFormation's StackSets and stacks API as an httptest
// server speaking the awsQuery protocol, so the tests drive the real SDK
// client: request encoding, XML decoding, error codes and request ids are
// the SDK's own. The model is the smallest that shows StackSets'
// behaviour: one operation at a time, operations that run for a number of
// polls, per-account results, instances per account and Region.
type fakeCFN struct {
	t  *testing.T
	mu sync.Mutex

	// ous maps an OU or root id to the accounts below it.
	ous  map[string][]string
	sets map[string]*fakeSet
	ops  map[string]*fakeOp
	// stacks by Region and name.
	stacks map[string]map[string]*fakeStack

	// runPolls is how many DescribeStackSetOperation calls an operation
	// answers RUNNING before it ends.
	runPolls int
	// failAccount makes every instance of that account fail.
	failAccount string
	// failStack makes stacks of that name fail to create.
	failStack string
	// next, when set, answers the next request of that action with an
	// error code, once.
	next map[string]string
	// calls counts the requests by action.
	calls map[string]int
	seq   int
}

type fakeSet struct {
	name, template, permission string
	autoDeploy                 bool
	caps, ous                  []string
	params, tags               map[string]string
	instances                  map[[2]string]*fakeInstance // account, region
}

type fakeInstance struct {
	account, region, ou, status, detailed, reason string
}

type fakeOp struct {
	id, set, action, status string
	polls                   int
	results                 []*fakeInstance
	created, ended          time.Time
}

type fakeStack struct {
	name, status, reason, template string
	failed                         bool
}

func newFakeCFN(t *testing.T) (*fakeCFN, *cloudformation.Client) {
	f := &fakeCFN{t: t,
		ous: map[string][]string{
			"r-ab12":           {"222222222222", "333333333333", "444444444444"},
			"ou-ab12-11111111": {"222222222222", "333333333333"},
			"ou-ab12-22222222": {"444444444444"},
		},
		sets: map[string]*fakeSet{}, ops: map[string]*fakeOp{}, stacks: map[string]map[string]*fakeStack{},
		next: map[string]string{}, calls: map[string]int{},
	}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	client := cloudformation.New(cloudformation.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  aws.AnonymousCredentials{},
		// A fake answers at once; the SDK's retries would hide what the
		// code under test does with an error.
		RetryMaxAttempts: 1,
	})
	return f, client
}

// regionClient returns a client that the fake serves as the given Region.
func regionClient(t *testing.T, f *fakeCFN, region string) *cloudformation.Client {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Set("X-Fake-Region", region)
		f.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return cloudformation.New(cloudformation.Options{Region: region, BaseEndpoint: aws.String(srv.URL), Credentials: aws.AnonymousCredentials{}, RetryMaxAttempts: 1})
}

func (f *fakeCFN) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		f.t.Errorf("fake: %v", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	action := r.Form.Get("Action")
	f.calls[action]++
	f.seq++
	rid := fmt.Sprintf("req-%d", f.seq)
	w.Header().Set("x-amzn-RequestId", rid)
	if code, ok := f.next[action]; ok {
		delete(f.next, action)
		f.fail(w, rid, code, "injected "+code)
		return
	}
	region := r.Header.Get("X-Fake-Region")
	if region == "" {
		region = "us-east-1"
	}
	var body string
	var code, msg string
	switch action {
	case "CreateStackSet":
		body, code, msg = f.createStackSet(r)
	case "UpdateStackSet":
		body, code, msg = f.startOp(r, "UPDATE")
	case "CreateStackInstances":
		body, code, msg = f.startOp(r, "CREATE")
	case "DeleteStackInstances":
		body, code, msg = f.startOp(r, "DELETE")
	case "DeleteStackSet":
		body, code, msg = f.deleteStackSet(r)
	case "DescribeStackSetOperation":
		body, code, msg = f.describeOp(r)
	case "ListStackSetOperations":
		body, code, msg = f.listOps(r)
	case "ListStackSetOperationResults":
		body, code, msg = f.listResults(r)
	case "ListStackSets":
		body = f.listSets()
	case "DescribeStackSet":
		body, code, msg = f.describeSet(r)
	case "ListStackInstances":
		body, code, msg = f.listInstances(r)
	case "CreateStack", "UpdateStack", "DeleteStack", "DescribeStacks", "DescribeStackEvents", "GetTemplate":
		body, code, msg = f.stack(action, region, r)
	case "ValidateTemplate":
		if !strings.HasPrefix(strings.TrimSpace(r.Form.Get("TemplateBody")), "{") {
			code, msg = "ValidationError", "Template format error: JSON not well-formed."
		}
		body = "<Parameters/>"
	default:
		f.t.Errorf("fake: unexpected action %s", action)
		code, msg = "InvalidAction", action
	}
	if code != "" {
		f.fail(w, rid, code, msg)
		return
	}
	fmt.Fprintf(w, `<%sResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><%sResult>%s</%sResult><ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>`,
		action, action, body, action, rid, action)
}

func (f *fakeCFN) fail(w http.ResponseWriter, rid, code, msg string) {
	w.WriteHeader(http.StatusBadRequest)
	fmt.Fprintf(w, `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>`, code, esc(msg), rid)
}

func esc(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func members(form map[string][]string, prefix string) []string {
	var out []string
	for i := 1; ; i++ {
		v, ok := form[fmt.Sprintf("%s.member.%d", prefix, i)]
		if !ok {
			return out
		}
		out = append(out, v[0])
	}
}

func pairs(form map[string][]string, prefix, k, v string) map[string]string {
	m := map[string]string{}
	for i := 1; ; i++ {
		key, ok := form[fmt.Sprintf("%s.member.%d.%s", prefix, i, k)]
		if !ok {
			return m
		}
		m[key[0]] = form[fmt.Sprintf("%s.member.%d.%s", prefix, i, v)][0]
	}
}

func list(name string, items []string) string {
	var b strings.Builder
	b.WriteString("<" + name + ">")
	for _, it := range items {
		b.WriteString("<member>" + it + "</member>")
	}
	b.WriteString("</" + name + ">")
	return b.String()
}

func (f *fakeCFN) createStackSet(r *http.Request) (string, string, string) {
	name := r.Form.Get("StackSetName")
	if _, ok := f.sets[name]; ok {
		return "", "NameAlreadyExistsException", "StackSet " + name + " already exists"
	}
	f.sets[name] = &fakeSet{name: name, template: r.Form.Get("TemplateBody"), permission: r.Form.Get("PermissionModel"),
		autoDeploy: r.Form.Get("AutoDeployment.Enabled") == "true", caps: members(r.Form, "Capabilities"),
		params: pairs(r.Form, "Parameters", "ParameterKey", "ParameterValue"), tags: pairs(r.Form, "Tags", "Key", "Value"),
		instances: map[[2]string]*fakeInstance{}}
	return "<StackSetId>" + name + ":1</StackSetId>", "", ""
}

func (f *fakeCFN) active(set string) *fakeOp {
	for _, op := range f.ops {
		if op.set == set && (op.status == "RUNNING" || op.status == "QUEUED") {
			return op
		}
	}
	return nil
}

func (f *fakeCFN) startOp(r *http.Request, action string) (string, string, string) {
	name := r.Form.Get("StackSetName")
	s := f.sets[name]
	if s == nil {
		return "", "StackSetNotFoundException", "StackSet " + name + " not found"
	}
	id := r.Form.Get("OperationId")
	if _, ok := f.ops[id]; ok {
		return "", "OperationIdAlreadyExistsException", "operation " + id + " exists"
	}
	if f.active(name) != nil {
		return "", "OperationInProgressException", "Another Operation on StackSet " + name + " is in progress"
	}
	op := &fakeOp{id: id, set: name, action: action, status: "RUNNING", created: time.Now()}
	regions := members(r.Form, "Regions")
	ous := members(r.Form, "DeploymentTargets.OrganizationalUnitIds")
	accounts := members(r.Form, "DeploymentTargets.Accounts")
	if action == "UPDATE" {
		s.template = r.Form.Get("TemplateBody")
		s.autoDeploy = r.Form.Get("AutoDeployment.Enabled") == "true"
		s.params = pairs(r.Form, "Parameters", "ParameterKey", "ParameterValue")
		for _, in := range s.instances {
			op.results = append(op.results, in)
		}
	}
	for _, ou := range ous {
		for _, a := range f.ous[ou] {
			if len(accounts) > 0 && !slices.Contains(accounts, a) {
				continue
			}
			for _, rg := range regions {
				k := [2]string{a, rg}
				if action == "DELETE" {
					if in := s.instances[k]; in != nil {
						op.results = append(op.results, in)
					}
					continue
				}
				in := s.instances[k]
				if in == nil {
					in = &fakeInstance{account: a, region: rg, ou: ou}
					s.instances[k] = in
				}
				op.results = append(op.results, in)
			}
		}
		if action == "CREATE" && len(accounts) == 0 && !slices.Contains(s.ous, ou) {
			s.ous = append(s.ous, ou)
		}
	}
	for _, in := range op.results {
		in.status, in.detailed = "OUTDATED", "PENDING"
	}
	f.ops[id] = op
	return "<OperationId>" + id + "</OperationId>", "", ""
}

// advance moves an operation on by one poll.
func (f *fakeCFN) advance(op *fakeOp) {
	if op.status != "RUNNING" {
		return
	}
	op.polls++
	if op.polls <= f.runPolls {
		for i, in := range op.results {
			if i < op.polls {
				f.settle(op, in)
			}
		}
		return
	}
	op.status = "SUCCEEDED"
	for _, in := range op.results {
		f.settle(op, in)
		if in.detailed == "FAILED" {
			op.status = "FAILED"
		}
	}
	op.ended = time.Now()
}

func (f *fakeCFN) settle(op *fakeOp, in *fakeInstance) {
	switch {
	case in.account == f.failAccount:
		in.status, in.detailed, in.reason = "OUTDATED", "FAILED", "ResourceLogicalId:BackupVault, ResourceType:AWS::Backup::BackupVault, ResourceStatusReason:Access Denied."
	case op.action == "DELETE":
		delete(f.sets[op.set].instances, [2]string{in.account, in.region})
		in.status, in.detailed = "DELETED", "SUCCEEDED"
	default:
		in.status, in.detailed, in.reason = "CURRENT", "SUCCEEDED", ""
	}
}

func (f *fakeCFN) describeOp(r *http.Request) (string, string, string) {
	op := f.ops[r.Form.Get("OperationId")]
	if op == nil || op.set != r.Form.Get("StackSetName") {
		return "", "OperationNotFoundException", "operation not found"
	}
	f.advance(op)
	end := ""
	if !op.ended.IsZero() {
		end = "<EndTimestamp>" + op.ended.UTC().Format(time.RFC3339) + "</EndTimestamp>"
	}
	return fmt.Sprintf("<StackSetOperation><OperationId>%s</OperationId><Action>%s</Action><Status>%s</Status><CreationTimestamp>%s</CreationTimestamp>%s</StackSetOperation>",
		op.id, op.action, op.status, op.created.UTC().Format(time.RFC3339), end), "", ""
}

func (f *fakeCFN) listOps(r *http.Request) (string, string, string) {
	name := r.Form.Get("StackSetName")
	if f.sets[name] == nil {
		return "", "StackSetNotFoundException", "not found"
	}
	var ops []*fakeOp
	for _, op := range f.ops {
		if op.set == name {
			ops = append(ops, op)
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].created.After(ops[j].created) })
	var items []string
	for _, op := range ops {
		items = append(items, fmt.Sprintf("<OperationId>%s</OperationId><Action>%s</Action><Status>%s</Status>", op.id, op.action, op.status))
	}
	return list("Summaries", items), "", ""
}

func (f *fakeCFN) listResults(r *http.Request) (string, string, string) {
	op := f.ops[r.Form.Get("OperationId")]
	if op == nil {
		return "", "OperationNotFoundException", "operation not found"
	}
	var items []string
	for _, in := range op.results {
		status := map[string]string{"PENDING": "PENDING", "RUNNING": "RUNNING", "FAILED": "FAILED", "SUCCEEDED": "SUCCEEDED"}[in.detailed]
		items = append(items, fmt.Sprintf("<Account>%s</Account><Region>%s</Region><Status>%s</Status><StatusReason>%s</StatusReason>", in.account, in.region, status, esc(in.reason)))
	}
	return list("Summaries", items), "", ""
}

func (f *fakeCFN) deleteStackSet(r *http.Request) (string, string, string) {
	name := r.Form.Get("StackSetName")
	s := f.sets[name]
	switch {
	case s == nil:
		return "", "StackSetNotFoundException", "not found"
	case len(s.instances) > 0:
		return "", "StackSetNotEmptyException", "StackSet is not empty"
	}
	delete(f.sets, name)
	return "", "", ""
}

func (f *fakeCFN) listSets() string {
	var items []string
	for _, name := range slices.Sorted(maps.Keys(f.sets)) {
		items = append(items, "<StackSetName>"+name+"</StackSetName><Status>ACTIVE</Status>")
	}
	return list("Summaries", items)
}

func (f *fakeCFN) describeSet(r *http.Request) (string, string, string) {
	s := f.sets[r.Form.Get("StackSetName")]
	if s == nil {
		return "", "StackSetNotFoundException", "not found"
	}
	var params, tags []string
	for _, k := range slices.Sorted(maps.Keys(s.params)) {
		params = append(params, "<ParameterKey>"+k+"</ParameterKey><ParameterValue>"+esc(s.params[k])+"</ParameterValue>")
	}
	for _, k := range slices.Sorted(maps.Keys(s.tags)) {
		tags = append(tags, "<Key>"+esc(k)+"</Key><Value>"+esc(s.tags[k])+"</Value>")
	}
	regions := map[string]bool{}
	for k := range s.instances {
		regions[k[1]] = true
	}
	return fmt.Sprintf("<StackSet><StackSetName>%s</StackSetName><Status>ACTIVE</Status><TemplateBody>%s</TemplateBody><PermissionModel>%s</PermissionModel><AutoDeployment><Enabled>%v</Enabled></AutoDeployment>%s%s%s%s%s</StackSet>",
		s.name, esc(s.template), s.permission, s.autoDeploy, list("Capabilities", s.caps), list("Parameters", params), list("Tags", tags),
		list("OrganizationalUnitIds", s.ous), list("Regions", slices.Sorted(maps.Keys(regions)))), "", ""
}

func (f *fakeCFN) listInstances(r *http.Request) (string, string, string) {
	s := f.sets[r.Form.Get("StackSetName")]
	if s == nil {
		return "", "StackSetNotFoundException", "not found"
	}
	var items []string
	for _, in := range s.instances {
		items = append(items, fmt.Sprintf("<Account>%s</Account><Region>%s</Region><OrganizationalUnitId>%s</OrganizationalUnitId><Status>%s</Status><StatusReason>%s</StatusReason><StackInstanceStatus><DetailedStatus>%s</DetailedStatus></StackInstanceStatus>",
			in.account, in.region, in.ou, in.status, esc(in.reason), in.detailed))
	}
	sort.Strings(items)
	return list("Summaries", items), "", ""
}

func (f *fakeCFN) stack(action, region string, r *http.Request) (string, string, string) {
	if f.stacks[region] == nil {
		f.stacks[region] = map[string]*fakeStack{}
	}
	name := r.Form.Get("StackName")
	st := f.stacks[region][name]
	switch action {
	case "CreateStack":
		if st != nil {
			return "", "AlreadyExistsException", "Stack [" + name + "] already exists"
		}
		st = &fakeStack{name: name, status: "CREATE_IN_PROGRESS", template: r.Form.Get("TemplateBody"), failed: name == f.failStack}
		f.stacks[region][name] = st
		return "<StackId>arn:aws:cloudformation:" + region + ":111111111111:stack/" + name + "/1</StackId>", "", ""
	case "UpdateStack":
		if st == nil {
			return "", "ValidationError", "Stack with id " + name + " does not exist"
		}
		if st.template == r.Form.Get("TemplateBody") {
			return "", "ValidationError", "No updates are to be performed."
		}
		st.template, st.status = r.Form.Get("TemplateBody"), "UPDATE_IN_PROGRESS"
		return "<StackId>" + name + "</StackId>", "", ""
	case "DeleteStack":
		if st != nil {
			st.status = "DELETE_IN_PROGRESS"
		}
		return "", "", ""
	case "DescribeStackEvents":
		return list("StackEvents", []string{
			"<StackName>" + name + "</StackName><LogicalResourceId>BackupVault</LogicalResourceId><ResourceType>AWS::Backup::BackupVault</ResourceType><ResourceStatus>CREATE_FAILED</ResourceStatus><ResourceStatusReason>Insufficient privileges to perform this action.</ResourceStatusReason><Timestamp>2026-01-01T00:00:00Z</Timestamp><EventId>1</EventId><StackId>x</StackId>",
		}), "", ""
	case "GetTemplate":
		for _, s := range f.stacks[region] {
			if strings.Contains(name, "/"+s.name+"/") {
				return "<TemplateBody>" + esc(s.template) + "</TemplateBody>", "", ""
			}
		}
		return "", "ValidationError", "Stack with id " + name + " does not exist"
	}
	// DescribeStacks advances stacks in progress by one step.
	var items []string
	for _, s := range f.stacks[region] {
		if name != "" && s.name != name {
			continue
		}
		switch s.status {
		case "CREATE_IN_PROGRESS":
			s.status = "CREATE_COMPLETE"
			if s.failed {
				s.status, s.reason = "ROLLBACK_COMPLETE", "The following resource(s) failed to create: [BackupVault]. Rollback requested by user."
			}
			return f.describeStacks(region, name), "", ""
		case "UPDATE_IN_PROGRESS":
			s.status = "UPDATE_COMPLETE"
		case "DELETE_IN_PROGRESS":
			delete(f.stacks[region], s.name)
			s.status = "DELETE_COMPLETE"
			continue
		}
		items = append(items, s.name)
	}
	if name != "" && len(items) == 0 {
		return "", "ValidationError", "Stack with id " + name + " does not exist"
	}
	return f.describeStacks(region, name), "", ""
}

func (f *fakeCFN) describeStacks(region, name string) string {
	var items []string
	for _, s := range f.stacks[region] {
		if name != "" && s.name != name {
			continue
		}
		items = append(items, fmt.Sprintf("<StackName>%s</StackName><StackId>arn:aws:cloudformation:%s:111111111111:stack/%s/1</StackId><StackStatus>%s</StackStatus><StackStatusReason>%s</StackStatusReason><CreationTime>2026-01-01T00:00:00Z</CreationTime><Tags><member><Key>managed-by</Key><Value>orgbackup</Value></member></Tags>",
			s.name, region, s.name, s.status, esc(s.reason)))
	}
	sort.Strings(items)
	return list("Stacks", items)
}
