// Package check runs the semantic checks of `orgbackup validate`: the rules
// that CUE cannot express because they span policies, baselines and the
// organization. The classic silent failure it exists for: a rule names a
// vault (or a selection a role) that no baseline creates, with that exact
// name, in every account and Region the policy reaches.
package check

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/orgbackup/orgbackup/internal/backup"
	"github.com/orgbackup/orgbackup/internal/diag"
	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/generate"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/plan"
	"github.com/orgbackup/orgbackup/internal/policy"
	"github.com/orgbackup/orgbackup/internal/suggest"
)

// Resolver answers questions about the organization's structure. Without
// an org snapshot, NameResolver judges by target names alone.
type Resolver interface {
	// Covers reports whether an attachment at outer reaches every account
	// an attachment at inner reaches. known is false when it cannot tell.
	Covers(outer, inner policy.Target) (covers, known bool)
	// Same reports whether two targets name the same entity.
	Same(a, b policy.Target) bool
	// Attached returns how many backup policies not defined in the
	// repository are attached directly to t.
	Attached(t policy.Target) int
	// Lookup reports whether t names an entity of the organization; if
	// not, problem says why and hint what was probably meant.
	Lookup(t policy.Target) (problem, hint string)
	// Enabled reports whether backup policies are enabled in the
	// organization; known is false when the resolver cannot tell.
	Enabled() (enabled, known bool)
}

// NameResolver judges coverage by target names: "Root" covers everything,
// an OU path covers the paths below it, ids cover only themselves.
type NameResolver struct{}

// Covers implements Resolver.
func (NameResolver) Covers(outer, inner policy.Target) (bool, bool) { return outer.Covers(inner) }

// Same implements Resolver.
func (NameResolver) Same(a, b policy.Target) bool {
	return a.Raw == b.Raw || a.Kind() == policy.RootTarget && b.Kind() == policy.RootTarget
}

// Attached implements Resolver.
func (NameResolver) Attached(policy.Target) int { return 0 }

// Lookup implements Resolver: without the organization's structure, every
// target the schema accepts may exist.
func (NameResolver) Lookup(policy.Target) (string, string) { return "", "" }

// Enabled implements Resolver: it cannot tell.
func (NameResolver) Enabled() (bool, bool) { return false, false }

// sameKey returns a key function such that c.r.Same(a, b) holds exactly
// when key(a) == key(b), if the resolver has one, so that checks can group
// targets in a map instead of comparing every pair. Keep it in step with
// NameResolver.Same.
func (c *checker) sameKey() (key func(policy.Target) string, ok bool) {
	if _, ok := c.r.(NameResolver); !ok {
		return nil, false
	}
	return func(t policy.Target) string {
		if t.Kind() == policy.RootTarget {
			return "\x00root"
		}
		return t.Raw
	}, true
}

// Size is the size of one generated policy document.
type Size struct {
	Policy     string `json:"policy"`
	Characters int    `json:"characters"`
	Limit      int    `json:"limit"`
	Margin     int    `json:"margin"`
}

// Result is what Run found.
type Result struct {
	Diags diag.List
	Sizes []Size
}

// Report is the outcome of validating a policy directory: what loading it
// and checking it found. Every view of validate renders a Report.
type Report struct {
	Dir string
	// Unread says that the definitions could not be read (a file does not
	// parse): Policies and Baselines are not known.
	Unread bool
	// Unfinished says that they were not read because evaluating them
	// ran out of time (diag.CodeTooSlow); Unread is set too.
	Unfinished bool
	Policies   int
	Baselines  int
	Diags      diag.List // sorted
	Sizes      []Size    // of every policy document that could be read
	// Coverage, with an organization (validate --org), says how each
	// account a policy reaches gets its role and vaults.
	Coverage *plan.Coverage
}

// Valid reports whether no error was found.
func (r *Report) Valid() bool { return !r.Diags.HasErrors() }

// NewReport combines what loading dir found with the checks of repo,
// judged against r (nil: by target names). repo is nil when the
// definitions could not be read; when loading found errors, it holds them
// as far as they could be read, and the checks report what else is wrong
// in the same run (see merge).
func NewReport(dir string, repo *policy.Repo, loaded diag.List, r Resolver) *Report {
	rep := &Report{Dir: dir, Diags: slices.Clone(loaded), Unread: repo == nil}
	rep.Unfinished = rep.Unread && slices.ContainsFunc(loaded, func(d diag.Diagnostic) bool { return d.Code == diag.CodeTooSlow })
	if repo != nil {
		rep.Policies, rep.Baselines = len(repo.Policies), len(repo.Baselines)
		res := run(repo, r, settled(loaded))
		rep.Diags = merge(loaded, res.Diags)
		rep.Sizes = res.Sizes
	}
	rep.Diags.Sort()
	return rep
}

// Run checks repo. r may be nil for name-based judgement.
func Run(repo *policy.Repo, r Resolver) Result { return run(repo, r, true) }

// run checks repo. Unless the baselines and the repository's settings
// (organization, new_regions) are settled, it leaves out the checks that
// judge against them: with a typo in a baseline's vault_name, every vault
// a policy names would look missing.
func run(repo *policy.Repo, r Resolver, settled bool) Result {
	if r == nil {
		r = NameResolver{}
	}
	c := &checker{repo: repo, r: r, docs: map[string]*doc.Node{}, eff: map[string]*doc.Node{}}
	for _, p := range repo.Policies {
		d := generate.Document(p)
		c.docs[p.Name] = d
		c.eff[p.Name] = backup.Unwrap(d)
	}
	for _, p := range repo.Policies {
		c.values(p)
		c.size(p)
		c.targets(p)
		if settled {
			c.references(p)
		}
		c.childChanges(p)
	}
	c.attachments()
	c.sameLeaf()
	c.planMerges()
	c.names()
	if settled {
		c.baselines()
		c.regions()
		c.kmsRegions()
		c.overlappingBaselines()
		c.organization()
	}
	c.bareValues()
	c.overrides()
	c.out = c.out.Dedup()
	c.out.Sort()
	return Result{Diags: c.out, Sizes: c.sizes}
}

// numbers prints numbers as people read them: 10,000.
var numbers = message.NewPrinter(language.English)

type checker struct {
	repo  *policy.Repo
	r     Resolver
	docs  map[string]*doc.Node // operator form, as sent to AWS
	eff   map[string]*doc.Node // each policy on its own, operators removed
	out   diag.List
	sizes []Size
}

func (c *checker) add(d diag.Diagnostic) { c.out = append(c.out, d) }

// values applies AWS's value rules to the policy as written: schedules,
// windows, lifecycles and quotas, for the operator form too, whose string
// values CUE cannot range-check.
func (c *checker) values(p *policy.Policy) {
	mode := backup.Complete
	if p.Partial {
		mode = backup.Partial
	}
	for _, v := range backup.Check(c.eff[p.Name], mode) {
		pos := p.Pos
		if v.Node != nil && v.Node.Pos.IsValid() {
			pos = v.Node.Pos
		}
		d := diag.Errorf(violationCode(v.Code), pos, "%s", v.Message)
		if v.Warning {
			d = diag.Warningf(violationCode(v.Code), pos, "%s", v.Message)
		}
		d = d.WithPath(configPath(p.Name, v.Path)).WithHint("%s", v.Hint)
		if v.Node != nil && v.Node.Kind != doc.Object && v.Node.Kind != doc.Array {
			d = d.WithValue(written(p, v.Path, v.Node).Scalar())
		}
		c.add(d)
	}
}

// written returns the value at path of the document as the author wrote
// it in p's plans, where it is there and a scalar too: 30 in a .cue file,
// which the document AWS is sent holds as "30"; n otherwise.
func written(p *policy.Policy, path []string, n *doc.Node) *doc.Node {
	w := p.Plans
	if len(path) == 0 || path[0] != "plans" {
		return n
	}
	for _, k := range path[1:] {
		if w == nil {
			return n
		}
		next := w.Get(k)
		if i, err := strconv.Atoi(k); err == nil && w.Kind == doc.Array && i >= 0 && i < len(w.Items) {
			next = w.Items[i]
		}
		if next == nil {
			// The operator form: the value lies under @@assign.
			if a := w.Get("@@assign"); a != nil {
				next = a.Get(k)
			}
		}
		w = next
	}
	if a := w.Get("@@assign"); a != nil {
		w = a
	}
	if w == nil || w.Kind == doc.Object || w.Kind == doc.Array {
		return n
	}
	return w
}

func violationCode(code string) string {
	return strings.ToLower(strings.ReplaceAll(code, "_", "-"))
}

// size enforces the 10,000-character quota on the minified document, the
// exact bytes orgbackup sends.
func (c *checker) size(p *policy.Policy) {
	n := utf8.RuneCount(c.docs[p.Name].Compact())
	s := Size{Policy: p.Name, Characters: n, Limit: generate.SizeLimit, Margin: generate.SizeLimit - n}
	c.sizes = append(c.sizes, s)
	switch {
	case n > generate.SizeLimit:
		c.add(diag.Errorf("policy-too-large", p.Pos, "policy %q is %s characters minified; Organizations allows %s (over by %s)", p.Name, numbers.Sprint(n), numbers.Sprint(generate.SizeLimit), numbers.Sprint(-s.Margin)).
			WithHint("split its plans over several policies attached to the same targets, or move settings shared by many plans to a parent policy"))
	case n > generate.SizeLimit*9/10:
		c.add(diag.Warningf("policy-near-limit", p.Pos, "policy %q is %s characters minified, within 10%% of the %s limit (%s left)", p.Name, numbers.Sprint(n), numbers.Sprint(generate.SizeLimit), numbers.Sprint(s.Margin)).
			WithHint("plan for splitting it before it grows further"))
	}
}

func (c *checker) targets(p *policy.Policy) {
	if len(p.Targets) == 0 {
		c.add(diag.Warningf("not-attached", p.Pos, "policy %q is attached nowhere (targets is empty)", p.Name).
			WithHint(`add where it applies, e.g. targets: ["Root"] or ["Root/Workloads/Prod"]`))
	}
}

// attachments enforces the quota of 10 backup policies attached directly
// to one entity, counting the policies already attached that the
// repository does not define when an org snapshot says so.
func (c *checker) attachments() {
	type group struct {
		t     policy.Target
		names []string
		pos   []doc.Pos
	}
	var groups []*group
	key, keyed := c.sameKey()
	byKey := map[string]*group{}
	for _, p := range c.repo.Policies {
		for _, t := range p.Targets {
			var g *group
			if keyed {
				g = byKey[key(t)]
			} else {
				for _, x := range groups {
					if c.r.Same(x.t, t) {
						g = x
						break
					}
				}
			}
			if g == nil {
				g = &group{t: t}
				groups = append(groups, g)
				if keyed {
					byKey[key(t)] = g
				}
			}
			g.names = append(g.names, p.Name)
			g.pos = append(g.pos, t.Pos)
		}
	}
	for _, g := range groups {
		foreign := c.r.Attached(g.t)
		if n := len(g.names) + foreign; n > org.MaxAttachedPerType {
			msg := fmt.Sprintf("%d backup policies would be attached directly to %s; Organizations allows %d", n, g.t.Raw, org.MaxAttachedPerType)
			if foreign > 0 {
				msg += fmt.Sprintf(" (%d from this repository, %d already attached by others)", len(g.names), foreign)
			}
			// Point at the first attachment over the quota; when others
			// already fill it, that is the repository's first.
			d := diag.Errorf("too-many-attachments", g.pos[min(len(g.pos)-1, max(0, org.MaxAttachedPerType-foreign))], "%s", msg).
				WithHint("merge policies, or attach some to the OUs or accounts below %s", g.t.Raw)
			for i, name := range g.names {
				d = d.WithRelated(g.pos[i], "attached by policy "+quoted(name))
			}
			c.add(d)
		}
	}
}

// names reports policies whose names differ only in case: easy to confuse
// in the console, and one file per name on case-insensitive file systems.
func (c *checker) names() {
	seen := map[string]*policy.Policy{}
	for _, p := range c.repo.Policies {
		k := strings.ToLower(p.Name)
		if q, ok := seen[k]; ok {
			c.add(diag.Errorf("duplicate-policy-name", p.Pos, "policy name %q differs from %q only in case", p.Name, q.Name).
				WithRelated(q.Pos, "policy "+quoted(q.Name)).
				WithHint("rename one of them; Organizations and most people treat them as the same"))
			continue
		}
		seen[k] = p
	}
}

func (c *checker) baselines() {
	for _, b := range c.repo.Baselines {
		if b.RoleName == "" && b.VaultName == "" {
			c.add(diag.Errorf("empty-baseline", b.Pos, "baseline %q provides neither a role nor a vault", b.Name).
				WithHint("set role_name, vault_name or both"))
		}
		// CloudFormation's AWS::Backup::BackupVault and AWS Backup take the
		// key's ARN, not an alias's (the template reference says so).
		if strings.Contains(b.VaultKMSKeyARN, ":alias/") && !b.Existing {
			c.add(diag.Errorf("kms-key-alias", orPos(b.VaultKMSKeyARNPos, b.Pos), "vault_kms_key_arn of baseline %q is an alias ARN; a vault takes the key's ARN, so the vault stacks would fail", b.Name).
				WithPath(fmt.Sprintf("baselines.%s.vault_kms_key_arn", cueLabel(b.Name))).WithValue(quoted(b.VaultKMSKeyARN)).
				WithHint("give the key ARN (arn:aws:kms:<region>:<account>:key/<key id>, $region for each Region): aws kms describe-key --key-id %s shows it; or use managed_kms_key: true", b.VaultKMSKeyARN[strings.Index(b.VaultKMSKeyARN, "alias/"):]))
		}
	}
}

func quoted(s string) string { return fmt.Sprintf("%q", s) }

// configPath renders the configuration path of a document path inside a
// policy, the way validate prints paths.
func configPath(policyName string, docPath []string) string {
	parts := []string{"policies", cueLabel(policyName)}
	for _, p := range docPath {
		parts = append(parts, cueLabel(p))
	}
	return strings.Join(parts, ".")
}

// cueLabel quotes a label the way the loader prints paths: list indexes and
// identifiers bare, anything else quoted, including labels starting with
// '_' or '#', which CUE would read as hidden fields and definitions.
func cueLabel(s string) string {
	if s == "" {
		return `""`
	}
	if _, err := strconv.Atoi(s); err == nil && s[0] != '+' && s[0] != '-' {
		return s
	}
	if s[0] == '_' {
		return quoted(s)
	}
	for i, r := range s {
		if !(r == '_' || r == '$' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return quoted(s)
		}
	}
	return s
}

// closest returns the candidate most like name, for "did you mean".
func closest(name string, candidates []string) string {
	slices.Sort(candidates)
	return suggest.Closest(name, slices.Compact(candidates))
}
