package org

import (
	"fmt"
	"slices"
	"strings"
)

// ResolveError is returned by Resolve for a target that names no entity.
// Msg and Hint follow the snapshot errors' style; Suggestions holds targets
// that do exist and were probably meant, best first, for tools that offer
// them separately.
type ResolveError struct {
	Target      string
	Msg         string
	Hint        string
	Suggestions []string
}

// Error returns the message and the hint.
func (e *ResolveError) Error() string {
	if e.Hint == "" {
		return e.Msg
	}
	return e.Msg + "; " + e.Hint
}

// Resolve finds the entity a policy target names: "Root"; an OU path such as
// "Root/Workloads/Prod" (OU names, case-sensitive, optionally ending in an
// account's name or id, as Path writes it); a root id "r-…"; an OU id
// "ou-…-…"; or a 12-digit account id. A target that names nothing yields a
// *ResolveError that says what is missing and suggests close matches.
func (o *Org) Resolve(target string) (*Entity, error) {
	switch {
	case target == "Root":
		return o.root, nil
	case strings.HasPrefix(target, "Root/"):
		return o.resolvePath(target)
	case IsRootID(target), IsOUID(target), IsAccountID(target):
		if e := o.Entity(target); e != nil {
			return e, nil
		}
		return nil, o.unknownID(target)
	}
	return nil, o.malformed(target)
}

func (o *Org) unknownID(id string) *ResolveError {
	var kind string
	var cands []string
	switch {
	case IsRootID(id):
		return &ResolveError{Target: id, Msg: fmt.Sprintf("no root %s in the snapshot", id),
			Hint: fmt.Sprintf("the organization's root is %s", o.root.ID), Suggestions: []string{o.root.ID}}
	case IsOUID(id):
		kind = "organizational unit"
		for _, u := range o.ous {
			cands = append(cands, u.ID)
		}
	default:
		kind = "account"
		for _, a := range o.accounts {
			cands = append(cands, a.ID)
		}
	}
	s := suggest(id, cands)
	hint := didYouMean(s)
	if hint == "" {
		hint = "check the id against the snapshot, or capture a fresh snapshot if the " + kind + " is new"
	}
	return &ResolveError{Target: id, Msg: fmt.Sprintf("no %s %s in the snapshot", kind, id), Hint: hint, Suggestions: s}
}

// resolvePath resolves an OU or account path and explains a failure.
func (o *Org) resolvePath(target string) (*Entity, error) {
	w := o.walk(target)
	switch {
	case w.found != nil:
		return w.found, nil
	case len(w.ambiguous) > 0:
		var paths []string
		for _, a := range w.ambiguous {
			paths = append(paths, o.Path(a))
		}
		return nil, &ResolveError{Target: target, Msg: fmt.Sprintf("%d accounts named %q under %s", len(w.ambiguous), w.seg, o.Path(w.at)),
			Hint: "name the account by id: " + strings.Join(paths, ", "), Suggestions: paths}
	}
	return nil, o.missing(w.at, target, w.seg, w.more)
}

// walked is the outcome of walking a path: the entity found, or where the
// walk stopped (the segment missing below at, and whether more segments
// followed), or the accounts an ambiguous last segment names.
type walked struct {
	found     *Entity
	at        *Entity
	seg       string
	more      bool
	ambiguous []*Entity
}

// walk follows target ("Root/…") down the tree. OU names may contain "/",
// so at each level the longest child name that fits wins. It builds no
// errors, so that suggestions can call it freely.
func (o *Org) walk(target string) walked {
	e := o.root
	rest, ok := strings.CutPrefix(target, "Root/")
	if !ok {
		if target == "Root" {
			return walked{found: e}
		}
		return walked{at: e}
	}
	for {
		var next *Entity
		for _, c := range e.Children {
			if c.Kind == OU && (rest == c.Name || strings.HasPrefix(rest, c.Name+"/")) && (next == nil || len(c.Name) > len(next.Name)) {
				next = c
			}
		}
		if next == nil {
			seg, _, more := strings.Cut(rest, "/")
			w := walked{at: e, seg: seg, more: more}
			if !more {
				w.found, w.ambiguous = accountChild(e, seg)
			}
			return w
		}
		rest = rest[len(next.Name):]
		if rest == "" {
			return walked{found: next}
		}
		rest = rest[1:] // the "/"
		e = next
	}
}

// lookup returns the entity at path, or nil.
func (o *Org) lookup(path string) *Entity { return o.walk(path).found }

// accountChild finds the account below e that seg names by id, by path
// segment or by a name no sibling shares; several accounts sharing the
// name are returned as ambiguous.
func accountChild(e *Entity, seg string) (*Entity, []*Entity) {
	var byName []*Entity
	for _, c := range e.Children {
		if c.Kind != Account {
			continue
		}
		if c.ID == seg || c.segment() == seg {
			return c, nil
		}
		if c.Name == seg {
			byName = append(byName, c)
		}
	}
	if len(byName) > 1 {
		return nil, byName
	}
	return nil, nil
}

// missing explains that seg is not below e: which children exist there, and
// whether an OU of that name exists elsewhere (a skipped level is the
// usual mistake).
func (o *Org) missing(e *Entity, target, seg string, more bool) *ResolveError {
	at := o.Path(e)
	what := "OU"
	if !more {
		what = "OU or account"
	}
	if seg == "" {
		return &ResolveError{Target: target, Msg: fmt.Sprintf("empty path segment after %s in %q", at, target),
			Hint: `remove the doubled or trailing "/"`}
	}
	after := ""
	if more {
		after = target[len(at)+1+len(seg):] // "/rest"
	}
	var ous, cands, sugg []string
	for _, c := range e.Children {
		if c.Kind == OU {
			ous = append(ous, c.Name)
			cands = append(cands, c.Name)
		} else if !more {
			cands = append(cands, c.segment())
		}
	}
	add := func(p string) {
		if !slices.Contains(sugg, p) {
			sugg = append(sugg, p)
		}
	}
	// A near miss at this level, completed with the rest of the target
	// when that then resolves.
	for _, s := range suggest(seg, cands) {
		if after != "" && o.lookup(at+"/"+s+after) != nil {
			add(at + "/" + s + after)
		} else {
			add(at + "/" + s)
		}
	}
	// The same name elsewhere: usually a skipped or extra level.
	for _, u := range o.ous {
		if u.Name == seg && u.Parent != e {
			if x := o.lookup(o.Path(u) + after); x != nil {
				add(o.Path(x))
			} else {
				add(o.Path(u))
			}
		}
	}
	if !more {
		for _, a := range o.accounts {
			if (a.Name == seg || a.ID == seg) && a.Parent != e {
				add(o.Path(a))
			}
		}
	}
	var there string
	switch {
	case len(ous) == 0:
		there = at + " has no OUs"
	case len(ous) > 20:
		there = fmt.Sprintf("OUs under %s: %s, and %d more", at, strings.Join(ous[:20], ", "), len(ous)-20)
	default:
		there = fmt.Sprintf("OUs under %s: %s", at, strings.Join(ous, ", "))
	}
	return &ResolveError{Target: target, Msg: fmt.Sprintf("no %s %q under %s", what, seg, at),
		Hint: joinHints(didYouMean(sugg), there), Suggestions: sugg}
}

// malformed explains a target that is none of the accepted forms, guessing
// what was meant: a different case of "Root", a path without "Root/", a bare
// OU or account name, or a near miss of an existing path.
func (o *Org) malformed(target string) *ResolveError {
	const forms = `a target is "Root", an OU path like "Root/Workloads/Prod", a root id "r-…", an OU id "ou-…-…" or a 12-digit account id`
	err := &ResolveError{Target: target, Msg: fmt.Sprintf("target %q is not \"Root\", a path below it, or an id", target), Hint: forms}
	if target == "" {
		err.Msg = "empty target"
		return err
	}
	var sugg []string
	try := func(t string) {
		if e := o.lookup(t); e != nil && !slices.Contains(sugg, o.Path(e)) {
			sugg = append(sugg, o.Path(e))
		}
	}
	if len(target) >= 4 && strings.EqualFold(target[:4], "root") && (len(target) == 4 || target[4] == '/') {
		try("Root" + target[4:])
	}
	try("Root/" + strings.TrimPrefix(target, "/"))
	for _, u := range o.ous {
		if u.Name == target {
			try(o.Path(u))
		}
	}
	for _, a := range o.accounts {
		if a.Name == target {
			sugg = append(sugg, a.ID)
		}
	}
	if len(sugg) == 0 {
		paths := []string{"Root"}
		for _, u := range o.ous {
			paths = append(paths, o.Path(u))
		}
		sugg = suggest(target, paths)
	}
	err.Suggestions = sugg
	err.Hint = joinHints(didYouMean(sugg), forms)
	return err
}
