// Package bench holds orgbackup's performance benchmarks and the generator
// of the synthetic policies/ directories they run on. See README.md.
package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/orgbackup/orgbackup/internal/inherit"
)

// DefaultPolicies is the size of the benchmark repository the speed
// targets are about.
const DefaultPolicies = 500

// MaxPolicies is the largest repository Generate writes: AWS's quota of
// backup policies in an organization. The OU tree and the accounts give
// every policy room under the attachment quota up to there.
const MaxPolicies = 1000

// Options say what Generate writes.
type Options struct {
	// Policies is the number of backup policies; 0 means DefaultPolicies.
	Policies int
	// Seed varies the repository; the same Options always give the same
	// bytes. 0 means 1.
	Seed uint64
}

// Stats describe a generated repository.
type Stats struct {
	Files, Policies, Plans, Rules, Selections, CopyActions int
	OUs, Accounts, Baselines                               int
	Bytes                                                  int
}

func (s Stats) String() string {
	return fmt.Sprintf("%d files (%d KiB): %d policies, %d plans, %d rules, %d selections, %d copy actions; %d baselines; targets over %d OUs and %d accounts",
		s.Files, s.Bytes>>10, s.Policies, s.Plans, s.Rules, s.Selections, s.CopyActions, s.Baselines, s.OUs, s.Accounts)
}

// Generate writes a realistic policies/ directory to dir (created if
// needed): one file per policy in author form, a baselines file that
// creates every vault and role the policies name in every Region and
// account they reach (with the organization block), and a file of shared
// hidden values. All files are
// `package orgbackup`, so plain `cue export schema/*.cue dir/*.cue` reads
// the same input as `orgbackup build dir`. The result validates without
// errors or warnings under name-based target resolution (no org snapshot).
//
// Generate is deterministic: it uses its own PRNG, not math/rand, so the
// bytes do not depend on the Go version.
func Generate(dir string, opt Options) (Stats, error) {
	if opt.Policies <= 0 {
		opt.Policies = DefaultPolicies
	}
	if opt.Policies > MaxPolicies {
		return Stats{}, fmt.Errorf("%d policies: at most %d (AWS's quota)", opt.Policies, MaxPolicies)
	}
	if opt.Seed == 0 {
		opt.Seed = 1
	}
	g := &gen{rng: rng(opt.Seed), attached: map[string]int{}}
	g.org()
	g.baselines()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Stats{}, err
	}
	write := func(name string, o obj, header string) error {
		var b strings.Builder
		b.WriteString("package orgbackup\n\n")
		b.WriteString(header)
		for _, f := range o {
			b.WriteString(label(f.k))
			b.WriteString(": ")
			writeField(&b, f.v, 0)
			b.WriteString("\n")
		}
		g.stats.Files++
		g.stats.Bytes += b.Len()
		return os.WriteFile(filepath.Join(dir, name), []byte(b.String()), 0o644)
	}
	if err := write("shared.cue", g.shared(), "// Values shared by many policies. Hidden fields are not exported.\n\n"); err != nil {
		return Stats{}, err
	}
	var bl obj
	for _, p := range g.providers {
		bl = append(bl, kv{p.name, p.cue()})
	}
	// Copies go to a central account's vault, which needs cross-account
	// backup declared.
	if err := write("baselines.cue", obj{{"baselines", bl}, {"organization", obj{{"cross_account_backup", true}}}},
		"// Member baselines: every vault and role the policies name, in every\n// Region and account they reach; the organization's prerequisites.\n\n"); err != nil {
		return Stats{}, err
	}
	for i := range opt.Policies {
		name, body := g.policy(i)
		file := fmt.Sprintf("policy-%04d.cue", i)
		if err := write(file, obj{{"policies", obj{{name, body}}}}, ""); err != nil {
			return Stats{}, err
		}
	}
	g.stats.Policies = opt.Policies
	g.stats.OUs, g.stats.Accounts, g.stats.Baselines = len(g.ous), len(g.accounts), len(g.providers)
	return g.stats, nil
}

// --- deterministic randomness --------------------------------------------

// rng is splitmix64: tiny, fast and fixed forever.
type rng uint64

func (r *rng) next() uint64 {
	*r += 0x9e3779b97f4a7c15
	z := uint64(*r)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// n returns a number in [0, n).
func (r *rng) n(n int) int { return int(r.next() % uint64(n)) }

// between returns a number in [lo, hi].
func (r *rng) between(lo, hi int) int { return lo + r.n(hi-lo+1) }

// chance is true with probability pct/100.
func (r *rng) chance(pct int) bool { return r.n(100) < pct }

func pick[T any](r *rng, xs []T) T { return xs[r.n(len(xs))] }

// sample returns k distinct elements of xs in their original order.
func sample[T any](r *rng, xs []T, k int) []T {
	idx := make([]int, len(xs))
	for i := range idx {
		idx[i] = i
	}
	for i := 0; i < k && i < len(idx); i++ {
		j := i + r.n(len(idx)-i)
		idx[i], idx[j] = idx[j], idx[i]
	}
	idx = idx[:min(k, len(idx))]
	slices.Sort(idx)
	out := make([]T, len(idx))
	for i, j := range idx {
		out[i] = xs[j]
	}
	return out
}

// --- the organization and its baselines ----------------------------------

var allRegions = []string{"us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1", "ap-southeast-2"}

// provider is one baseline: the vault and role it creates, where.
type provider struct {
	name    string
	targets []string
	regions []string
	vault   string
	role    string
	extra   obj // further baseline settings
}

// covers reports whether the baseline reaches every account an attachment
// at t reaches, judged by names as orgbackup does without an org snapshot.
func (p *provider) covers(t string) bool {
	for _, bt := range p.targets {
		if bt == "Root" || bt == t || strings.HasPrefix(t, bt+"/") && strings.HasPrefix(t, "Root/") {
			return true
		}
	}
	return false
}

func (p *provider) coversAll(ts []string) bool {
	for _, t := range ts {
		if !p.covers(t) {
			return false
		}
	}
	return true
}

func (p *provider) cue() obj {
	o := obj{{"targets", strs(p.targets)}, {"regions", strs(p.regions)}}
	if p.role != "" {
		o = append(o, kv{"role_name", p.role})
	}
	if p.vault != "" {
		o = append(o, kv{"vault_name", p.vault})
	}
	return append(o, p.extra...)
}

type gen struct {
	rng       rng
	ous       []string // OU paths below Root, depth 1 to 5
	accounts  []string
	providers []*provider
	attached  map[string]int // policies attached directly per target
	stats     Stats
}

// org builds an OU tree up to five levels below Root and a set of accounts.
func (g *gen) org() {
	names := [][]string{
		{"Workloads", "Infrastructure", "Security", "Sandbox", "Shared Services", "Data"},
		{"Prod", "Staging", "Dev", "Test", "Core", "Edge"},
		{"Payments", "Identity", "Search", "Catalog", "Analytics", "Mobile", "Web", "Platform", "Billing", "Ledger"},
		{"EU", "US", "APAC", "LATAM"},
		{"Blue", "Green", "Canary", "Batch"},
	}
	fanout := [][2]int{{0, 0}, {2, 4}, {2, 5}, {1, 3}, {0, 2}}
	var walk func(path string, depth int)
	walk = func(path string, depth int) {
		g.ous = append(g.ous, path)
		if depth == 5 {
			return
		}
		for _, n := range sample(&g.rng, names[depth], g.rng.between(fanout[depth][0], fanout[depth][1])) {
			walk(path+"/"+n, depth+1)
		}
	}
	for _, top := range names[0] {
		walk("Root/"+top, 1)
	}
	for i := range 120 {
		g.accounts = append(g.accounts, fmt.Sprintf("%012d", 210987654321+uint64(i)*7919))
	}
}

// baselines creates the providers: organization-wide ones at Root with
// every Region, and narrower ones at OUs with fewer Regions, so that which
// vault a policy may use depends on where it is attached.
func (g *gen) baselines() {
	g.providers = []*provider{
		{name: "org-core", targets: []string{"Root"}, regions: allRegions, role: "OrgBackupRole", vault: "org-backup-vault",
			extra: obj{
				{"role_path", "/service-role/"},
				{"vault_kms_key_arn", "arn:aws:kms:$region:111122223333:key/mrk-0f1e2d3c4b5a69788796a5b4c3d2e1f0"},
				{"allow_copy_from_organization", true},
			}},
		{name: "org-dr", targets: []string{"Root"}, regions: allRegions, vault: "org-dr-vault",
			extra: obj{{"vault_access_policy", obj{
				{"Version", "2012-10-17"},
				{"Statement", []any{obj{
					{"Sid", "AllowCentralCopy"},
					{"Effect", "Allow"},
					{"Principal", obj{{"AWS", "arn:aws:iam::111122223333:root"}}},
					{"Action", "backup:CopyIntoBackupVault"},
					{"Resource", "*"},
				}}},
			}}}},
		// The central vault copy actions write to, in its own account.
		{name: "central-dr", targets: []string{"111122223333"}, regions: allRegions, vault: "central-dr",
			extra: obj{{"allow_copy_from_organization", true}}},
		{name: "org-s3", targets: []string{"Root"}, regions: allRegions, role: "S3BackupRole",
			extra: obj{{"role_managed_policy_arns", strs([]string{
				"arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup",
				"arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore",
			})}}},
	}
	// One baseline per top-level OU and one per second-level OU, in a
	// subset of the Regions.
	for _, ou := range g.ous {
		segs := strings.Split(ou, "/")
		if len(segs) > 3 {
			continue
		}
		slug := strings.ToLower(strings.ReplaceAll(strings.Join(segs[1:], "-"), " ", ""))
		short := strings.ReplaceAll(strings.Join(segs[1:], ""), " ", "")
		g.providers = append(g.providers, &provider{
			name:    "ou-" + slug,
			targets: []string{ou},
			regions: sample(&g.rng, allRegions, g.rng.between(2, 4)),
			vault:   slug + "-vault",
			role:    short + "BackupRole",
		})
	}
	// A shared one at two OUs.
	g.providers = append(g.providers, &provider{
		name:    "platform-shared",
		targets: []string{"Root/Infrastructure", "Root/Security"},
		regions: []string{"us-east-1", "eu-west-1"},
		vault:   "platform-vault",
		role:    "PlatformBackupRole",
	})
}

// shared is a file of hidden values that policies refer to.
func (g *gen) shared() obj {
	return obj{
		{"_orgRole", "arn:aws:iam::$account:role/service-role/OrgBackupRole"},
		{"_s3Role", "arn:aws:iam::$account:role/S3BackupRole"},
		{"_ebsOnly", strs([]string{"arn:aws:ec2:*:*:volume/*"})},
	}
}

// --- policies --------------------------------------------------------------

var (
	teams     = []string{"payments", "identity", "search", "catalog", "analytics", "mobile", "web", "platform", "billing", "ledger", "data", "sre"}
	kinds     = []string{"daily", "weekly", "monthly", "hourly", "critical", "archive", "dr", "compliance"}
	tagKeys   = []string{"Backup", "backup-tier", "aws:cloudformation:stack-name", "Environment", "DataClass", "Owner"}
	tagValues = []string{"On", "true", "Daily", "Weekly", "Gold", "Silver", "Bronze", "prod", "pii", "restricted"}
	resources = []string{
		"arn:aws:ec2:*:*:volume/*", "arn:aws:ec2:*:*:instance/*", "arn:aws:rds:*:*:db:*", "arn:aws:dynamodb:*:*:table/*",
		"arn:aws:elasticfilesystem:*:*:file-system/*", "arn:aws:s3:::*", "arn:aws:fsx:*:*:file-system/*",
	}
	schedules = []string{
		"cron(0 5 ? * * *)", "cron(30 2 ? * SUN *)", "cron(0 3 1 * ? *)", "cron(0 0/4 ? * * *)", "cron(15 1 ? * MON-FRI *)",
		"cron(0 0,12 ? * * *)", "cron(0 9-17 ? * * *)", "cron(0 5 L * ? *)", "cron(0 0/12 ? * * *)", "cron(0 0 ? * * *)", "cron(0 * ? * * *)",
	}
)

// target picks an attachment point that has room under the quota of ten
// policies per target (kept at eight, so the repository never warns).
func (g *gen) target(i int, taken []string) string {
	for {
		var t string
		switch r := g.rng.n(100); {
		case i%97 == 0 && len(taken) == 0 && g.attached["Root"] < 8:
			// Root's eight places are taken by policy 776: after that,
			// asking for Root again would loop forever.
			t = "Root"
		case r < 12:
			t = pick(&g.rng, g.accounts)
		default:
			t = pick(&g.rng, g.ous)
		}
		if g.attached[t] < 8 && !slices.Contains(taken, t) {
			g.attached[t]++
			return t
		}
	}
}

// policy returns policy i's name and its definition.
func (g *gen) policy(i int) (string, obj) {
	r := &g.rng
	team := pick(r, teams)
	name := fmt.Sprintf("%s-%s-%03d", team, pick(r, kinds), i)
	if i%50 == 7 {
		name = fmt.Sprintf("%s %s backups (%d)", strings.ToUpper(team[:1])+team[1:], pick(r, kinds), i)
	}
	var targets []string
	for range r.between(1, 3) {
		targets = append(targets, g.target(i, targets))
	}
	var vaults, roles []*provider
	for _, p := range g.providers {
		if p.coversAll(targets) {
			if p.vault != "" {
				vaults = append(vaults, p)
			}
			if p.role != "" {
				roles = append(roles, p)
			}
		}
	}
	body := obj{}
	if r.chance(70) {
		body = append(body, kv{"description", fmt.Sprintf("%s backups for %s (generated policy %d)", strings.ToUpper(team[:1])+team[1:], strings.Join(targets, ", "), i)})
	}
	body = append(body, kv{"targets", strs(targets)})

	plans := obj{}
	if r.chance(10) {
		plans = append(plans, kv{inherit.ChildControl, strs([]string{"@@append"})})
	}
	nplans := r.between(1, 3)
	budget := 6 // rules per policy, to stay well under the 10,000-character limit
	for j := range nplans {
		rules := min(r.between(1, 4), budget-(nplans-j-1))
		budget -= rules
		plans = append(plans, kv{fmt.Sprintf("%s-%03d-%c", pick(r, kinds), i, 'a'+j), g.plan(vaults, roles, rules)})
	}
	body = append(body, kv{"plans", plans})
	return name, body
}

func (g *gen) plan(vaults, roles []*provider, nrules int) obj {
	r := &g.rng
	g.stats.Plans++
	// The plan's Regions come from one vault's baseline; its rules then
	// use vaults that exist in all of them.
	home := pick(r, vaults)
	regions := sample(r, home.regions, r.between(1, min(3, len(home.regions))))
	var usable []*provider
	for _, p := range vaults {
		if containsAll(p.regions, regions) {
			usable = append(usable, p)
		}
	}
	p := obj{}
	if r.chance(8) {
		p = append(p, kv{inherit.ChildControl, strs([]string{"@@none"})})
	}
	p = append(p, kv{"regions", leaf(r, strs(regions))})

	rules := obj{}
	for k := range nrules {
		rules = append(rules, kv{fmt.Sprintf("%s-%d", pick(r, kinds), k), g.rule(usable, regions)})
	}
	p = append(p, kv{"rules", rules})

	sel := obj{}
	ntags, nres := r.between(0, 2), r.between(0, 2)
	if ntags+nres == 0 {
		ntags = 1
	}
	if ntags > 0 {
		tags := obj{}
		for k := range ntags {
			s := obj{{"iam_role_arn", g.roleArn(roles)}, {"tag_key", leaf(r, pick(r, tagKeys))},
				{"tag_value", leaf(r, strs(sample(r, tagValues, r.between(1, 3))))}}
			if r.chance(30) {
				s = append(s, kv{"conditions", conditions(r)})
			}
			tags = append(tags, kv{fmt.Sprintf("tag-sel-%d", k), s})
			g.stats.Selections++
		}
		sel = append(sel, kv{"tags", tags})
	}
	if nres > 0 {
		res := obj{}
		for k := range nres {
			s := obj{{"iam_role_arn", g.roleArn(roles)}}
			switch r.n(3) {
			case 0:
				s = append(s, kv{"resource_types", raw("_ebsOnly")})
			case 1:
				s = append(s, kv{"resource_types", strs([]string{"*"})}, kv{"not_resource_types", strs(sample(r, resources, 2))})
			default:
				s = append(s, kv{"resource_types", leaf(r, strs(sample(r, resources, r.between(1, 3))))})
			}
			if r.chance(40) {
				s = append(s, kv{"conditions", conditions(r)})
			}
			res = append(res, kv{fmt.Sprintf("res-sel-%d", k), s})
			g.stats.Selections++
		}
		sel = append(sel, kv{"resources", res})
	}
	p = append(p, kv{"selections", sel})

	if r.chance(25) {
		p = append(p, kv{"advanced_backup_settings", obj{{"ec2", obj{{"windows_vss", leaf(r, pick(r, []string{"enabled", "disabled"}))}}}}})
	}
	if r.chance(30) {
		p = append(p, kv{"backup_plan_tags", obj{{"costcenter", obj{{"tag_key", "CostCenter"}, {"tag_value", fmt.Sprintf("cc-%04d", r.n(10000))}}}}})
	}
	return p
}

func (g *gen) rule(vaults []*provider, regions []string) obj {
	r := &g.rng
	g.stats.Rules++
	ru := obj{}
	if r.chance(5) {
		ru = append(ru, kv{inherit.ChildControl, strs([]string{"@@assign", "@@append"})})
	}
	ru = append(ru,
		kv{"schedule_expression", leaf(r, pick(r, schedules))},
		kv{"target_backup_vault_name", leaf(r, pick(r, vaults).vault)},
	)
	start := pick(r, []int{60, 120, 240, 480})
	ru = append(ru, kv{"start_backup_window_minutes", intLeaf(r, start)})
	if r.chance(70) {
		ru = append(ru, kv{"complete_backup_window_minutes", intLeaf(r, start+pick(r, []int{60, 240, 1440, 10080}))})
	}
	continuous := r.chance(10)
	if continuous {
		ru = append(ru, kv{"enable_continuous_backup", true})
		ru = append(ru, kv{"lifecycle", obj{{"delete_after_days", intLeaf(r, r.between(1, 35))}}})
	} else {
		ru = append(ru, kv{"lifecycle", lifecycle(r)})
	}
	if !continuous && r.chance(45) {
		ca := obj{}
		for range r.between(1, 2) {
			var arn string
			switch r.n(3) {
			case 0: // a central vault in another account
				arn = fmt.Sprintf("arn:aws:backup:%s:111122223333:backup-vault:central-dr", pick(r, allRegions))
			default: // the organization's DR vault in another Region
				arn = fmt.Sprintf("arn:aws:backup:%s:$account:backup-vault:org-dr-vault", pick(r, allRegions))
			}
			if slices.ContainsFunc(ca, func(f kv) bool { return f.k == arn }) {
				continue
			}
			c := obj{{"target_backup_vault_arn", leaf(r, arn)}}
			if r.chance(60) {
				c = append(c, kv{"lifecycle", lifecycle(r)})
			}
			ca = append(ca, kv{arn, c})
			g.stats.CopyActions++
		}
		ru = append(ru, kv{"copy_actions", ca})
	}
	if r.chance(40) {
		tags := obj{}
		for _, key := range sample(r, []string{"Owner", "Team", "DataClass", "Retention"}, r.between(1, 2)) {
			tags = append(tags, kv{strings.ToLower(key), obj{{"tag_key", key}, {"tag_value", leaf(r, pick(r, tagValues))}}})
		}
		ru = append(ru, kv{"recovery_point_tags", tags})
	}
	if r.chance(8) {
		ru = append(ru, kv{"index_actions", obj{{"resource_types", strs([]string{pick(r, []string{"EBS", "S3"})})}}})
	}
	return ru
}

func (g *gen) roleArn(roles []*provider) any {
	r := &g.rng
	p := pick(r, roles)
	switch {
	case p.name == "org-core" && r.chance(50):
		return raw("_orgRole")
	case p.name == "org-s3" && r.chance(50):
		return raw("_s3Role")
	case p.name == "org-core":
		return leaf(r, "arn:aws:iam::$account:role/service-role/"+p.role)
	}
	return leaf(r, "arn:aws:iam::$account:role/"+p.role)
}

func lifecycle(r *rng) obj {
	switch r.n(4) {
	case 0: // cold storage: at least 90 days there
		cold := pick(r, []int{7, 30, 60, 90})
		return obj{{"move_to_cold_storage_after_days", intLeaf(r, cold)}, {"delete_after_days", intLeaf(r, cold+pick(r, []int{90, 365, 2555}))}}
	case 1:
		return obj{{"delete_after_days", intLeaf(r, pick(r, []int{35, 90, 365}))}, {"opt_in_to_archive_for_supported_resources", leaf(r, r.chance(50))}}
	}
	return obj{{"delete_after_days", intLeaf(r, pick(r, []int{7, 14, 30, 35, 90, 365}))}}
}

func conditions(r *rng) obj {
	kinds := sample(r, []string{"string_equals", "string_not_equals", "string_like", "string_not_like"}, r.between(1, 2))
	c := obj{}
	for _, k := range kinds {
		m := obj{}
		for j := range r.between(1, 2) {
			key := pick(r, []string{"Environment", "DataClass", "Team", "Backup"})
			val := pick(r, tagValues)
			if strings.HasSuffix(k, "like") {
				val += "*"
			}
			m = append(m, kv{fmt.Sprintf("%s-%d", strings.ToLower(key), j), obj{{"condition_key", "aws:ResourceTag/" + key}, {"condition_value", val}}})
		}
		c = append(c, kv{k, m})
	}
	return c
}

// leaf writes a setting in author form, or now and then in AWS's operator
// form, which authors may use as written.
func leaf(r *rng, v any) any {
	switch n := r.n(100); {
	case n < 8:
		return obj{{"@@assign", v}}
	case n < 10:
		return obj{{"@@assign", v}, {inherit.ChildControl, strs([]string{"@@none"})}}
	}
	return v
}

// intLeaf is leaf for numbers: the operator form renders them as strings,
// as AWS does.
func intLeaf(r *rng, v int) any {
	if r.chance(8) {
		return obj{{"@@assign", strconv.Itoa(v)}}
	}
	return v
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

// --- a tiny CUE writer -------------------------------------------------------

type kv struct {
	k string
	v any // string, int, bool, []any, obj, raw
}

// obj is a struct with fields in order.
type obj []kv

// raw is CUE written as is: a reference to a shared value.
type raw string

func strs(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

var identRe = regexp.MustCompile(`^_?[A-Za-z][A-Za-z0-9_]*$`) // _x is a hidden field

func label(k string) string {
	if identRe.MatchString(k) {
		return k
	}
	return strconv.Quote(k)
}

// writeField writes the value of a field: a struct of one field uses CUE's
// shorthand, a: b: c, as authors often write it.
func writeField(b *strings.Builder, v any, indent int) {
	if o, ok := v.(obj); ok && len(o) == 1 {
		b.WriteString(label(o[0].k))
		b.WriteString(": ")
		writeField(b, o[0].v, indent)
		return
	}
	writeValue(b, v, indent)
}

func writeValue(b *strings.Builder, v any, indent int) {
	switch v := v.(type) {
	case string:
		b.WriteString(strconv.Quote(v))
	case int:
		b.WriteString(strconv.Itoa(v))
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case raw:
		b.WriteString(string(v))
	case []any:
		b.WriteByte('[')
		for i, x := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			writeValue(b, x, indent)
		}
		b.WriteByte(']')
	case obj:
		b.WriteString("{\n")
		for _, f := range v {
			b.WriteString(strings.Repeat("\t", indent+1))
			b.WriteString(label(f.k))
			b.WriteString(": ")
			writeField(b, f.v, indent+1)
			b.WriteByte('\n')
		}
		b.WriteString(strings.Repeat("\t", indent))
		b.WriteByte('}')
	default:
		panic(fmt.Sprintf("bench: cannot write %T", v))
	}
}
