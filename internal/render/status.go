package render

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/status"
)

// WriteStatus renders a status report in format f.
func WriteStatus(w io.Writer, f Format, r *status.Report, st Style) error {
	switch f {
	case JSON:
		_, err := w.Write(statusJSON(r).Indent())
		return err
	case Markdown:
		_, err := io.WriteString(w, statusMarkdown(r))
		return err
	}
	_, err := io.WriteString(w, statusText(r, st))
	return err
}

func sinceText(d time.Duration) string {
	if d%time.Hour == 0 {
		return fmt.Sprintf("%dh", int(d/time.Hour))
	}
	return d.String()
}

func statusAccountLabel(a status.Account) string {
	name := ""
	if a.Name != "" {
		name = " " + a.Name
	}
	return fmt.Sprintf("%s%s (%s)", a.ID, name, parentPath(a.Path))
}

// regionLine sums up one Region: baseline parts and job counts.
func regionLine(rg status.Region) string {
	var parts []string
	for _, b := range rg.Baselines {
		s := fmt.Sprintf("%s %s %s", b.Baseline, b.Part, strings.ToLower(b.Status))
		if !b.OK && b.Reason != "" {
			s += " (" + b.Reason + ")"
		}
		parts = append(parts, s)
	}
	for _, k := range []status.JobKind{status.BackupJob, status.CopyJob, status.RestoreJob} {
		c, ok := rg.Jobs[k]
		if !ok {
			continue
		}
		var n []string
		if c.Completed > 0 {
			n = append(n, fmt.Sprintf("%d completed", c.Completed))
		}
		if c.Running > 0 {
			n = append(n, fmt.Sprintf("%d running", c.Running))
		}
		if c.Failed > 0 {
			n = append(n, fmt.Sprintf("%d failed", c.Failed))
		}
		parts = append(parts, fmt.Sprintf("%s jobs: %s", k, strings.Join(n, ", ")))
	}
	if len(parts) == 0 {
		parts = append(parts, "nothing deployed, no jobs")
	}
	return rg.Region + ": " + strings.Join(parts, "; ")
}

func statusText(r *status.Report, st Style) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %s, jobs of the last %s\n\n", st.Bold("Status of"), Inert(r.Scope), plural(len(r.Accounts), "account", "accounts"), sinceText(r.Since))
	var healthy []status.Account
	for _, a := range r.Accounts {
		if a.OK {
			healthy = append(healthy, a)
			continue
		}
		fmt.Fprintf(&b, "%s %s\n", st.Red("✗"), st.Bold(Inert(statusAccountLabel(a))))
		fmt.Fprintf(&b, "    effective backup policy: %s\n", a.Policy)
		for _, p := range a.Problems {
			WriteProblem(&b, p, st, "    ")
		}
		for _, rg := range a.Regions {
			fmt.Fprintf(&b, "    %s\n", Inert(regionLine(rg)))
		}
	}
	if len(healthy) > 0 {
		fmt.Fprintf(&b, "%s %s healthy:\n", st.Green("✓"), plural(len(healthy), "account", "accounts"))
		for i, a := range healthy {
			if i == maxListed {
				fmt.Fprintf(&b, "    … and %d more (orgbackup status --output json lists all)\n", len(healthy)-maxListed)
				break
			}
			fmt.Fprintf(&b, "    %s: policy %s\n", Inert(statusAccountLabel(a)), a.Policy)
		}
	}
	if r.JobsNote != "" {
		fmt.Fprintf(&b, "\n%s jobs not listed: %s\n", st.Yellow("!"), Inert(r.JobsNote))
	}
	if len(r.Failures) > 0 {
		fmt.Fprintf(&b, "\nFailed jobs of the last %s, by account and reason:\n", sinceText(r.Since))
		for _, f := range r.Failures {
			fmt.Fprintf(&b, "  %s  %d %s job%s in %s: %s (e.g. %s)\n", f.Account, f.Count, f.Kind, pluralS(f.Count), strings.Join(f.Regions, ", "), Inert(f.Reason), Inert(f.Example))
		}
	}
	b.WriteByte('\n')
	if r.NeedsAttention() {
		fmt.Fprintf(&b, "%s %s need%s attention:\n", st.Red("✗"), plural(len(r.Attention), "thing", "things"), verbS(len(r.Attention)))
		for _, a := range r.Attention {
			fmt.Fprintf(&b, "  - %s\n", Inert(a))
		}
	} else {
		fmt.Fprintf(&b, "%s backups are healthy in %s\n", st.Green("✓"), plural(len(r.Accounts), "account", "accounts"))
	}
	return b.String()
}

func pluralS(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func verbS(n int) string {
	if n == 1 {
		return "s"
	}
	return ""
}

func statusMarkdown(r *status.Report) string {
	var b strings.Builder
	icon := "✓"
	if r.NeedsAttention() {
		icon = "✗"
	}
	fmt.Fprintf(&b, "### %s orgbackup status of %s: %s, jobs of the last %s\n\n", icon, Code(r.Scope), plural(len(r.Accounts), "account", "accounts"), sinceText(r.Since))
	if r.NeedsAttention() {
		b.WriteString("**Needs attention:**\n\n")
		for _, a := range r.Attention {
			fmt.Fprintf(&b, "- %s\n", EscapeMarkdown(a))
		}
		b.WriteByte('\n')
	}
	b.WriteString("| Account | Path | Policy | Regions |\n|---|---|---|---|\n")
	for _, a := range r.Accounts {
		mark := "✓"
		if !a.OK {
			mark = "✗"
		}
		var regions []string
		for _, rg := range a.Regions {
			regions = append(regions, EscapeMarkdown(regionLine(rg)))
		}
		fmt.Fprintf(&b, "| %s %s | %s | %s | %s |\n", mark, CellCode(a.ID+" "+a.Name), CellCode(a.Path), a.Policy, strings.Join(regions, "<br>"))
	}
	if r.JobsNote != "" {
		fmt.Fprintf(&b, "\nJobs not listed: %s\n", EscapeMarkdown(r.JobsNote))
	}
	if len(r.Failures) > 0 {
		fmt.Fprintf(&b, "\n#### Failed jobs of the last %s\n\n| Account | Kind | Count | Regions | Reason | Example |\n|---|---|---|---|---|---|\n", sinceText(r.Since))
		for _, f := range r.Failures {
			fmt.Fprintf(&b, "| %s | %s | %d | %s | %s | %s |\n", CellCode(f.Account), f.Kind, f.Count, strings.Join(f.Regions, ", "), EscapeMarkdown(f.Reason), CellCode(f.Example))
		}
	}
	return b.String()
}

func statusJSON(r *status.Report) *doc.Node {
	type jsonInstance struct {
		Baseline string `json:"baseline"`
		Part     string `json:"part"`
		How      string `json:"how"`
		Status   string `json:"status"`
		Reason   string `json:"reason"`
		OK       bool   `json:"ok"`
	}
	type jsonCounts struct {
		Completed int `json:"completed"`
		Running   int `json:"running"`
		Failed    int `json:"failed"`
	}
	type jsonRegion struct {
		Region    string                `json:"region"`
		Baselines []jsonInstance        `json:"baselines"`
		Jobs      map[string]jsonCounts `json:"jobs"`
	}
	type jsonAccount struct {
		ID         string        `json:"id"`
		Name       string        `json:"name"`
		Path       string        `json:"path"`
		Management bool          `json:"management"`
		Policy     string        `json:"policy"`
		Problems   []jsonProblem `json:"problems"`
		Regions    []jsonRegion  `json:"regions"`
		OK         bool          `json:"ok"`
	}
	type jsonFailure struct {
		Account string   `json:"account"`
		Kind    string   `json:"kind"`
		Reason  string   `json:"reason"`
		Count   int      `json:"count"`
		Regions []string `json:"regions"`
		Example string   `json:"example_job"`
	}
	out := struct {
		FormatVersion string        `json:"format_version"`
		Scope         string        `json:"scope"`
		SinceHours    float64       `json:"since_hours"`
		Healthy       bool          `json:"healthy"`
		Attention     []string      `json:"attention"`
		JobsNote      string        `json:"jobs_note,omitempty"`
		Accounts      []jsonAccount `json:"accounts"`
		Failures      []jsonFailure `json:"failed_jobs"`
	}{FormatVersion: FormatVersion, Scope: r.Scope, SinceHours: r.Since.Hours(), Healthy: !r.NeedsAttention(),
		Attention: slices.Clone(r.Attention), JobsNote: r.JobsNote, Accounts: []jsonAccount{}, Failures: []jsonFailure{}}
	if out.Attention == nil {
		out.Attention = []string{}
	}
	for _, a := range r.Accounts {
		ja := jsonAccount{ID: a.ID, Name: a.Name, Path: a.Path, Management: a.Management, Policy: a.Policy, Problems: ProblemsJSON(a.Problems), Regions: []jsonRegion{}, OK: a.OK}
		for _, rg := range a.Regions {
			jr := jsonRegion{Region: rg.Region, Baselines: []jsonInstance{}, Jobs: map[string]jsonCounts{}}
			for _, in := range rg.Baselines {
				jr.Baselines = append(jr.Baselines, jsonInstance{Baseline: in.Baseline, Part: in.Part, How: in.How, Status: in.Status, Reason: in.Reason, OK: in.OK})
			}
			for k, c := range rg.Jobs {
				jr.Jobs[string(k)] = jsonCounts{Completed: c.Completed, Running: c.Running, Failed: c.Failed}
			}
			ja.Regions = append(ja.Regions, jr)
		}
		out.Accounts = append(out.Accounts, ja)
	}
	for _, f := range r.Failures {
		out.Failures = append(out.Failures, jsonFailure{Account: f.Account, Kind: string(f.Kind), Reason: f.Reason, Count: f.Count, Regions: f.Regions, Example: f.Example})
	}
	return doc.MustFromStruct(out)
}
