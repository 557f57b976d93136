// Package orgtest builds synthetic organizations for tests and benchmarks.
// Only tests and benchmarks import it; orgbackup itself never makes up an
// organization.
package orgtest

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/inherit"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// Synthetic builds a deterministic, realistic organization for tests and
// benchmarks: the same arguments always give the same Org (and the same
// Encode bytes). It has one root, ous OUs nested up to MaxOUDepth levels,
// accounts accounts (the first is the management account, directly under
// the root) and policies policies, about nine in ten of them backup
// policies and the rest tag policies.
//
// Attachments follow what real organizations look like: a couple of backup
// policies and a tag policy on the root, one or two backup policies on
// about a third of the OUs, and one on about one account in twenty; every
// other account has nothing attached directly. Backup policies use the
// operator form ({"@@assign": …}) throughout, with plans, rules, lifecycles,
// tag selections and sometimes copy actions; a few add Regions with
// @@append or lock parts of a plan with @@operators_allowed_for_child_policies.
func Synthetic(seed int64, accounts, ous, policies int) *org.Org {
	data := Snapshot(seed, accounts, ous, policies)
	o, err := org.Parse("synthetic.snapshot.json", data)
	if err != nil {
		panic("internal error: synthetic organization is invalid: " + err.Error())
	}
	return o
}

// Snapshot is Synthetic's organization as an org snapshot file (format
// version org.FormatVersion), as org.Load reads it.
func Snapshot(seed int64, accounts, ous, policies int) []byte {
	g := &synth{
		rng:  rand.New(rand.NewPCG(uint64(seed), 0x6f7267)),
		used: map[string]bool{},
	}
	f := g.build(max(accounts, 1), max(ous, 0), max(policies, 0))
	data, err := json.Marshal(f)
	if err != nil {
		panic("internal error: encoding a synthetic organization: " + err.Error())
	}
	return data
}

type synth struct {
	rng  *rand.Rand
	used map[string]bool
}

const alnum = "0123456789abcdefghijklmnopqrstuvwxyz"

// id returns prefix plus n random characters from chars, never the same
// twice.
func (g *synth) id(prefix string, n int, chars string) string {
	for {
		b := []byte(prefix)
		for range n {
			b = append(b, chars[g.rng.IntN(len(chars))])
		}
		if s := string(b); !g.used[s] {
			g.used[s] = true
			return s
		}
	}
}

var (
	synthTopOUs   = []string{"Security", "Infrastructure", "Workloads", "Sandbox", "Suspended", "PolicyStaging", "Exceptions", "Deployments"}
	synthChildOUs = []string{"Prod", "Dev", "Staging", "Test", "Shared", "Data", "Analytics", "Payments", "Platform", "Identity", "Networking", "Logging", "Ml", "Web", "Mobile", "Batch", "Edge", "Retail", "Finance", "Research"}
	synthRegions  = []string{"us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1", "ap-southeast-2"}
	synthTiers    = []string{"hourly", "daily", "weekly", "monthly"}
)

func (g *synth) build(nAccounts, nOUs, nPolicies int) object {
	rootSuffix := g.id("", 4, alnum)
	orgID := g.id("o-", 10, alnum)
	mgmt := g.id("", 12, "0123456789")
	f := object{
		"format_version": org.FormatVersion,
		"source":         "synthetic",
		"organization": object{"id": orgID, "arn": fmt.Sprintf("arn:aws:organizations::%s:organization/%s", mgmt, orgID),
			"management_account_id": mgmt, "feature_set": "ALL"},
	}
	rootID := "r-" + rootSuffix
	root := object{"id": rootID, "name": "Root", "arn": fmt.Sprintf("arn:aws:organizations::%s:root/%s/%s", mgmt, orgID, rootID),
		"policy_types": []object{{"type": policy.Type, "status": "ENABLED"}, {"type": "TAG_POLICY", "status": "ENABLED"}}}
	var ous, accounts, policies []object

	// OUs: the first few are the usual top-level ones; each further OU
	// goes under a random existing OU that is less than MaxOUDepth deep,
	// which makes a bushy tree that reaches the depth limit.
	type ouInfo struct {
		id, name string
		depth    int
		names    map[string]bool // child names, to keep siblings unique
	}
	parents := []*ouInfo{{id: rootID, names: map[string]bool{}}}
	uniq := func(p *ouInfo, base string) string {
		name := base
		for i := 2; p.names[name]; i++ {
			name = fmt.Sprintf("%s-%d", base, i)
		}
		p.names[name] = true
		return name
	}
	for i := range nOUs {
		var p *ouInfo
		var base string
		if i < len(synthTopOUs) {
			p, base = parents[0], synthTopOUs[i]
		} else {
			for p = parents[g.rng.IntN(len(parents))]; p.depth >= org.MaxOUDepth; p = parents[g.rng.IntN(len(parents))] {
			}
			base = synthChildOUs[g.rng.IntN(len(synthChildOUs))]
		}
		u := &ouInfo{id: g.id("ou-"+rootSuffix+"-", 8, alnum), name: uniq(p, base), depth: p.depth + 1, names: map[string]bool{}}
		parents = append(parents, u)
		ous = append(ous, object{"id": u.id, "name": u.name, "parent_id": p.id,
			"arn": fmt.Sprintf("arn:aws:organizations::%s:ou/%s/%s", mgmt, orgID, u.id)})
	}

	// Policies.
	var backup, tag []string
	for i := range nPolicies {
		id := g.id("p-", 8+g.rng.IntN(5), alnum)
		tags := map[string]string{}
		p := object{"id": id, "tags": tags}
		if i%10 == 9 {
			p["type"], p["name"] = "TAG_POLICY", fmt.Sprintf("tags-%03d", i)
			p["arn"] = fmt.Sprintf("arn:aws:organizations::%s:policy/%s/tag_policy/%s", mgmt, orgID, id)
			p["content"] = json.RawMessage(g.tagPolicy().Compact())
			tag = append(tag, id)
		} else {
			tier := synthTiers[g.rng.IntN(len(synthTiers))]
			p["type"], p["name"] = policy.Type, fmt.Sprintf("backup-%s-%03d", tier, i)
			p["description"] = fmt.Sprintf("%s backups of resources tagged backup=%s", tier, tier)
			p["arn"] = fmt.Sprintf("arn:aws:organizations::%s:policy/%s/backup_policy/%s", mgmt, orgID, id)
			p["content"] = json.RawMessage(g.backupPolicy(i, tier).Compact())
			backup = append(backup, id)
		}
		if g.rng.IntN(2) == 0 {
			tags["managed-by"] = "orgbackup"
		} else {
			tags["owner"] = "platform-team"
		}
		policies = append(policies, p)
	}
	pick := func(ids []string, n int) map[string][]string {
		if len(ids) == 0 || n == 0 {
			return nil
		}
		var out []string
		for _, k := range g.rng.Perm(len(ids))[:min(n, len(ids), org.MaxAttachedPerType)] {
			out = append(out, ids[k])
		}
		return map[string][]string{policy.Type: out}
	}
	attached := pick(backup, 2)
	if len(tag) > 0 {
		if attached == nil {
			attached = map[string][]string{}
		}
		attached["TAG_POLICY"] = []string{tag[0]}
	}
	if attached != nil {
		root["policies"] = attached
	}
	f["roots"] = []object{root}
	for _, u := range ous {
		if g.rng.IntN(3) == 0 {
			if ps := pick(backup, 1+g.rng.IntN(2)); ps != nil {
				u["policies"] = ps
			}
		}
	}

	// Accounts: the management account under the root, the rest spread
	// over the root and the OUs.
	joined := time.Date(2018, 3, 1, 9, 0, 0, 0, time.UTC)
	for i := range nAccounts {
		id, parent, name := mgmt, parents[0], "management"
		if i > 0 {
			id = g.id("", 12, "0123456789")
			parent = parents[g.rng.IntN(len(parents))]
			base := "shared"
			if parent.name != "" {
				base = parent.name
			}
			name = fmt.Sprintf("%s-%05d", strings.ToLower(base), i)
		}
		a := object{"id": id, "name": name, "parent_id": parent.id, "email": fmt.Sprintf("aws+%s@example.com", name),
			"arn":    fmt.Sprintf("arn:aws:organizations::%s:account/%s/%s", mgmt, orgID, id),
			"status": "ACTIVE", "state": "ACTIVE", "joined_method": "CREATED",
			"joined_timestamp": joined.Add(time.Duration(i) * 7 * time.Hour).Format(time.RFC3339)}
		switch r := g.rng.IntN(100); {
		case r < 2:
			a["status"], a["state"] = "SUSPENDED", "SUSPENDED"
		case r < 10:
			a["joined_method"] = "INVITED"
		}
		if i > 0 && g.rng.IntN(20) == 0 {
			if ps := pick(backup, 1); ps != nil {
				a["policies"] = ps
			}
		}
		accounts = append(accounts, a)
	}
	// The format leaves out empty lists.
	for k, l := range map[string][]object{"organizational_units": ous, "accounts": accounts, "policies": policies} {
		if len(l) > 0 {
			f[k] = l
		}
	}
	return f
}

// object is a JSON object of the snapshot file (internal/org/FORMAT.md).
// encoding/json writes its keys sorted, which the format allows.
type object = map[string]any

// obj builds an object node from alternating keys and values.
func obj(kv ...any) *doc.Node {
	n := doc.NewObject(doc.Pos{})
	for i := 0; i < len(kv); i += 2 {
		n.Set(kv[i].(string), kv[i+1].(*doc.Node))
	}
	return n
}

func str(s string) *doc.Node { return doc.NewString(s, doc.Pos{}) }

func strs(ss ...string) *doc.Node {
	n := doc.NewArray(doc.Pos{})
	for _, s := range ss {
		n.Items = append(n.Items, str(s))
	}
	return n
}

func assign(v *doc.Node) *doc.Node { return obj("@@assign", v) }

// backupPolicy returns one plan in the AWS operator form.
func (g *synth) backupPolicy(i int, tier string) *doc.Node {
	cron := map[string]string{
		"hourly":  "cron(0 * ? * * *)",
		"daily":   fmt.Sprintf("cron(0 %d ? * * *)", g.rng.IntN(24)),
		"weekly":  fmt.Sprintf("cron(0 %d ? * %d *)", g.rng.IntN(24), 1+g.rng.IntN(7)),
		"monthly": fmt.Sprintf("cron(0 %d %d * ? *)", g.rng.IntN(24), 1+g.rng.IntN(28)),
	}[tier]
	keep := map[string]int{"hourly": 2, "daily": 35, "weekly": 90, "monthly": 365}[tier]

	r1 := synthRegions[g.rng.IntN(len(synthRegions))]
	r2 := synthRegions[g.rng.IntN(len(synthRegions))]
	regions := assign(strs(dedupe(r1, r2)...))
	if i%7 == 3 {
		// A child-level policy adding a Region to whatever the parents set.
		regions = obj("@@append", strs(r1))
	}

	lifecycle := obj("delete_after_days", assign(str(fmt.Sprint(keep))))
	if keep >= 180 {
		lifecycle.Set("move_to_cold_storage_after_days", assign(str(fmt.Sprint(keep-90))))
	}
	rule := obj(
		"schedule_expression", assign(str(cron)),
		"start_backup_window_minutes", assign(str("60")),
		"complete_backup_window_minutes", assign(str(fmt.Sprint(60*(2+g.rng.IntN(10))))),
		"target_backup_vault_name", assign(str("backup-vault")),
		"lifecycle", lifecycle,
	)
	if g.rng.IntN(4) == 0 {
		dst := fmt.Sprintf("arn:aws:backup:%s:$account:backup-vault:dr-vault", synthRegions[g.rng.IntN(len(synthRegions))])
		rule.Set("copy_actions", obj(dst, obj(
			"target_backup_vault_arn", assign(str(dst)),
			"lifecycle", obj("delete_after_days", assign(str(fmt.Sprint(keep)))),
		)))
	}
	if g.rng.IntN(3) == 0 {
		rule.Set("recovery_point_tags", obj("backup-tier", obj(
			"tag_key", assign(str("backup-tier")),
			"tag_value", assign(str(tier)),
		)))
	}
	plan := obj(
		"regions", regions,
		"rules", obj(tier, rule),
		"selections", obj("tags", obj("tagged-"+tier, obj(
			"iam_role_arn", assign(str("arn:aws:iam::$account:role/backup-role")),
			"tag_key", assign(str("backup")),
			"tag_value", assign(strs(tier)),
		))),
	)
	if i%11 == 5 {
		// A root-level guard rail: children may not change this plan, and
		// may only append Regions.
		plan.Set(inherit.ChildControl, strs("@@none"))
		regions.Set(inherit.ChildControl, strs("@@append"))
	}
	if g.rng.IntN(5) == 0 {
		plan.Set("advanced_backup_settings", obj("ec2", obj("windows_vss", assign(str("enabled")))))
	}
	return obj("plans", obj(fmt.Sprintf("%s-plan-%03d", tier, i), plan))
}

func dedupe(a, b string) []string {
	if a == b {
		return []string{a}
	}
	return []string{a, b}
}

// tagPolicy returns a small tag policy, so that other policy types are
// present as they are in real organizations.
func (g *synth) tagPolicy() *doc.Node {
	return obj("tags", obj("costcenter", obj(
		"tag_key", assign(str("CostCenter")),
		"tag_value", assign(strs("100", "200", "300")),
		"enforced_for", assign(strs("ec2:instance")),
	)))
}
