package gh

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"

	"github.com/google/go-github/v60/github"
)

// A marker is the hidden first line by which orgbackup finds what it
// wrote before:
//
//	<!-- orgbackup:comment key=<16 hex> sha256=<64 hex> -->
//
// key is a hash of the caller's key (e.g. "plan policies"), so nothing a
// user controls ever appears in it; sha256 is the hash of the content
// below the marker, so an unchanged body is recognised without comparing
// it with what GitHub stored (which may differ in line endings). Anyone
// can paste a marker into their own comment, so a marker alone identifies
// nothing: the author must be the same identity as well.
var markerRe = regexp.MustCompile(`^<!-- orgbackup:(comment|issue) key=([0-9a-f]{16}) sha256=([0-9a-f]{64}) -->\n`)

type marker struct{ kind, key, sum string }

func newMarker(kind, key, content string) marker {
	k := sha256.Sum256([]byte(key))
	s := sha256.Sum256([]byte(content))
	return marker{kind: kind, key: hex.EncodeToString(k[:8]), sum: hex.EncodeToString(s[:])}
}

func (m marker) String() string {
	return fmt.Sprintf("<!-- orgbackup:%s key=%s sha256=%s -->\n", m.kind, m.key, m.sum)
}

// parseMarker reads the marker at the start of body.
func parseMarker(body string) (marker, bool) {
	m := markerRe.FindStringSubmatch(strings.ReplaceAll(body[:min(len(body), 200)], "\r\n", "\n"))
	if m == nil {
		return marker{}, false
	}
	return marker{kind: m[1], key: m[2], sum: m[3]}, true
}

// Outcome says what an upsert did.
type Outcome string

// The outcomes of an upsert.
const (
	Created   Outcome = "created"
	Updated   Outcome = "updated"
	Unchanged Outcome = "unchanged"
	Closed    Outcome = "closed"
	Absent    Outcome = "absent" // nothing to close
)

// Result is what an upsert did, and to which comment or issue.
type Result struct {
	Outcome Outcome
	ID      int64 // comment ID
	Number  int   // issue number
	URL     string
}

// maxPages bounds listing: 1,000 pages of 100 comments or issues is more
// than any thread or repository orgbackup writes to will have.
const maxPages = 1000

// UpsertComment makes the issue or pull request number carry one comment
// of orgbackup's for key, with content: it edits the comment me wrote
// earlier for the same key, leaves it alone if its content is unchanged,
// or creates it. A comment by anyone else is never edited, whatever
// marker it carries.
func (c *Client) UpsertComment(ctx context.Context, me Identity, number int, key, content string) (Result, error) {
	want := newMarker("comment", key, content)
	old, err := c.findComment(ctx, me, number, want)
	if err != nil {
		return Result{}, err
	}
	body := want.String() + content
	if old == nil {
		cm, _, err := c.Issues.CreateComment(ctx, c.Owner, c.Repo, number, &github.IssueComment{Body: &body})
		if err != nil {
			return Result{}, fmt.Errorf("create comment on #%d: %w", number, err)
		}
		return Result{Outcome: Created, ID: cm.GetID(), Number: number, URL: cm.GetHTMLURL()}, nil
	}
	if m, _ := parseMarker(old.GetBody()); m.sum == want.sum {
		return Result{Outcome: Unchanged, ID: old.GetID(), Number: number, URL: old.GetHTMLURL()}, nil
	}
	cm, _, err := c.Issues.EditComment(ctx, c.Owner, c.Repo, old.GetID(), &github.IssueComment{Body: &body})
	if err != nil {
		return Result{}, fmt.Errorf("edit comment %d on #%d: %w", old.GetID(), number, err)
	}
	return Result{Outcome: Updated, ID: cm.GetID(), Number: number, URL: cm.GetHTMLURL()}, nil
}

// findComment returns the oldest comment on number that me wrote with a
// marker for the same key, or nil.
func (c *Client) findComment(ctx context.Context, me Identity, number int, want marker) (*github.IssueComment, error) {
	opts := &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: 100}}
	for range maxPages {
		page, resp, err := c.Issues.ListComments(ctx, c.Owner, c.Repo, number, opts)
		if err != nil {
			return nil, fmt.Errorf("list comments on #%d: %w", number, err)
		}
		for _, cm := range page {
			if m, ok := parseMarker(cm.GetBody()); ok && m.kind == want.kind && m.key == want.key && me.Wrote(cm.User) {
				return cm, nil
			}
		}
		if resp.NextPage == 0 {
			return nil, nil
		}
		opts.Page = resp.NextPage
	}
	return nil, fmt.Errorf("list comments on #%d: more than %d pages", number, maxPages)
}
