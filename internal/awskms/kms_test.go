package awskms

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/orgbackup/orgbackup/internal/baseline"
	"github.com/orgbackup/orgbackup/internal/plan"
)

// fakeKMS is KMS's JSON 1.1 API as an httptest server, so the tests drive
// the real SDK client.
type fakeKMS struct {
	mu      sync.Mutex
	keys    map[string]*fakeKey // by id
	aliases map[string]string   // alias → key id
	calls   map[string]int
	// failAlias makes CreateAlias fail once (an interrupted apply).
	failAlias bool
}

type fakeKey struct {
	id, policy string
	tags       map[string]string
	rotation   bool
}

func newFake(t *testing.T) (*fakeKMS, *kms.Client) {
	f := &fakeKMS{keys: map[string]*fakeKey{}, aliases: map[string]string{}, calls: map[string]int{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, kms.New(kms.Options{Region: "eu-west-1", BaseEndpoint: aws.String(srv.URL), Credentials: aws.AnonymousCredentials{}, RetryMaxAttempts: 1})
}

func (f *fakeKMS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "TrentService.")
	f.calls[op]++
	var in map[string]any
	_ = json.NewDecoder(r.Body).Decode(&in)
	s := func(k string) string { v, _ := in[k].(string); return v }
	w.Header().Set("x-amzn-RequestId", fmt.Sprintf("req-%s-%d", op, f.calls[op]))
	fail := func(code string) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"__type":%q,"message":"fake"}`, code)
	}
	find := func(id string) *fakeKey {
		if k, ok := f.aliases[id]; ok {
			id = k
		}
		if i := strings.LastIndex(id, "key/"); i >= 0 {
			id = id[i+4:]
		}
		return f.keys[id]
	}
	var out any
	switch op {
	case "DescribeKey":
		k := find(s("KeyId"))
		if k == nil {
			fail("NotFoundException")
			return
		}
		out = map[string]any{"KeyMetadata": map[string]any{"KeyId": k.id, "Arn": "arn:aws:kms:eu-west-1:111111111111:key/" + k.id, "KeyState": "Enabled"}}
	case "GetKeyPolicy":
		if s("PolicyName") != "default" {
			fail("NotFoundException")
			return
		}
		out = map[string]any{"Policy": find(s("KeyId")).policy}
	case "ListResourceTags":
		var ts []map[string]string
		for k, v := range find(s("KeyId")).tags {
			ts = append(ts, map[string]string{"TagKey": k, "TagValue": v})
		}
		out = map[string]any{"Tags": ts}
	case "ListKeys":
		var ks []map[string]string
		for id := range f.keys {
			ks = append(ks, map[string]string{"KeyId": id})
		}
		out = map[string]any{"Keys": ks}
	case "CreateKey":
		id := fmt.Sprintf("k%d", len(f.keys)+1)
		k := &fakeKey{id: id, policy: s("Policy"), tags: map[string]string{}}
		for _, t := range in["Tags"].([]any) {
			m := t.(map[string]any)
			k.tags[m["TagKey"].(string)] = m["TagValue"].(string)
		}
		f.keys[id] = k
		out = map[string]any{"KeyMetadata": map[string]any{"KeyId": id, "Arn": "arn:aws:kms:eu-west-1:111111111111:key/" + id}}
	case "EnableKeyRotation":
		find(s("KeyId")).rotation = true
		out = map[string]any{}
	case "CreateAlias":
		if f.failAlias {
			f.failAlias = false
			fail("KMSInternalException")
			return
		}
		if _, ok := f.aliases[s("AliasName")]; ok {
			fail("AlreadyExistsException")
			return
		}
		f.aliases[s("AliasName")] = s("TargetKeyId")
		out = map[string]any{}
	case "PutKeyPolicy":
		find(s("KeyId")).policy = s("Policy")
		out = map[string]any{}
	default:
		fail("UnknownOperationException")
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(out)
}

func keyChange(action plan.Action, policy string) plan.Change {
	return plan.Change{Action: action, Phase: plan.PhaseBaselines, After: policy, Tags: map[string]string{"managed-by": "orgbackup"},
		Deployment: &plan.Deployment{Baseline: "main", Part: baseline.PartKey, Account: "111111111111", Region: "eu-west-1", KeyAlias: baseline.KeyAlias}}
}

func TestKeys(t *testing.T) {
	f, client := newFake(t)
	ctx := context.Background()
	keys := &Keys{API: func(string) API { return client }}
	policy := string(baseline.KeyPolicy("111111111111", "o-a1b2c3d4e5", "eu-west-1"))
	var events []Event
	ev := func(e Event) { events = append(events, e) }

	if k, err := ReadKey(ctx, client, baseline.KeyAlias, "eu-west-1"); err != nil || k != nil {
		t.Fatalf("read before: %v %+v", err, k)
	}
	// The first apply is interrupted after CreateKey: the alias is missing.
	f.failAlias = true
	if _, err := keys.Execute(ctx, keyChange(plan.CreateKMSKey, policy), ev); err == nil {
		t.Fatal("want the injected CreateAlias failure")
	}
	arn, err := keys.Execute(ctx, keyChange(plan.CreateKMSKey, policy), ev)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.keys) != 1 || f.calls["CreateKey"] != 1 || !f.keys["k1"].rotation {
		t.Errorf("keys %d, CreateKey calls %d; the interrupted apply's key must be reused", len(f.keys), f.calls["CreateKey"])
	}
	if arn != "arn:aws:kms:eu-west-1:111111111111:key/k1" {
		t.Errorf("arn %s", arn)
	}
	k, err := ReadKey(ctx, client, baseline.KeyAlias, "eu-west-1")
	if err != nil || k.ARN != arn || !baseline.SameJSON(k.Policy, policy) || k.Tags["managed-by"] != "orgbackup" || k.Tags[TagAlias] != baseline.KeyAlias || k.State != "Enabled" {
		t.Errorf("read after: %v %+v", err, k)
	}
	if events[0].Operation != "CreateKey" || events[0].RequestID == "" {
		t.Errorf("events %+v", events)
	}

	// Creating again finds it; a policy changed by hand is set back.
	events = nil
	if _, err := keys.Execute(ctx, keyChange(plan.CreateKMSKey, policy), ev); err != nil || !events[0].AlreadyDone {
		t.Errorf("create again: %v %+v", err, events)
	}
	f.keys["k1"].policy = `{"Statement":[]}`
	if _, err := keys.Execute(ctx, keyChange(plan.UpdateKMSKeyPolicy, policy), ev); err != nil || !baseline.SameJSON(f.keys["k1"].policy, policy) {
		t.Errorf("update: %v, policy %s", err, f.keys["k1"].policy)
	}
}
