// Package effective computes what each account of an organization actually
// gets: the merge, under Organizations' inheritance rules, of the policies
// attached to the root, every OU on the account's path and the account
// itself. AWS only shows this after a change is live; orgbackup computes it
// before the change is merged, for every account.
//
// An organization of 10,000 accounts has far fewer distinct inheritance
// chains: accounts without policies of their own share their OU's result.
// The Engine merges each chain prefix once and hands out the same State for
// accounts that share it, so callers can key further work (rendering,
// validation) on the State pointer.
package effective

import (
	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/inherit"
	"github.com/orgbackup/orgbackup/internal/org"
)

// Engine computes effective policies of one type for one organization.
type Engine struct {
	org *org.Org
	typ string
	// states holds each entity's State by its index, nil until computed.
	states []*inherit.State
	docs   map[*org.Policy]inherit.Policy
	// shared renders the states' trees, each subtree once however many
	// states share it.
	shared *inherit.Shared
}

// NewEngine returns an engine for policies of policyType in o. The Engine
// caches results; o must not change while it is in use.
func NewEngine(o *org.Org, policyType string) *Engine {
	return &Engine{
		org:    o,
		typ:    policyType,
		states: make([]*inherit.State, o.NumEntities()),
		docs:   map[*org.Policy]inherit.Policy{},
		shared: inherit.NewShared(inherit.KeyCaseOf(policyType)),
	}
}

// Sibling returns an engine for the same policy type in o, another state
// of e's organization, whose documents compare with e's without being
// written out (see inherit.Shared.Sibling). It may be used on another
// goroutine at the same time as e.
func (e *Engine) Sibling(o *org.Org) *Engine {
	s := NewEngine(o, e.typ)
	s.shared = e.shared.Sibling()
	return s
}

// Org returns the organization the engine works on.
func (e *Engine) Org() *org.Org { return e.org }

// empty is the State before the root's policies.
var empty = inherit.New()

// State returns the merge result for entity ent: its parent's state with the
// policies attached directly to ent applied on top. An entity without
// policies of its own shares its parent's State pointer.
func (e *Engine) State(ent *org.Entity) *inherit.State {
	if s := e.states[ent.Index()]; s != nil {
		return s
	}
	s := empty
	if ent.Parent != nil {
		s = e.State(ent.Parent)
	}
	if attached := e.org.Attached(ent, e.typ); len(attached) > 0 || ent.Parent == nil {
		lvl := inherit.Level{Target: e.org.Path(ent), Policies: make([]inherit.Policy, 0, len(attached))}
		for _, p := range attached {
			lvl.Policies = append(lvl.Policies, e.policy(p))
		}
		s = s.Apply(lvl)
	}
	e.states[ent.Index()] = s
	return s
}

func (e *Engine) policy(p *org.Policy) inherit.Policy {
	if ip, ok := e.docs[p]; ok {
		return ip
	}
	ip := inherit.Policy{ID: p.ID, Name: p.Name, Doc: p.Content}
	if ip.ID == "" {
		// A policy the repository adds has no id until apply creates it.
		ip.ID = p.Name
	}
	// Compiled once, merged at every entity the policy is attached to.
	ip = inherit.Compile(ip)
	e.docs[p] = ip
	return ip
}

// Effective returns the effective policy of s. Its subtrees are shared
// with those of other states, each computed once: callers must not modify
// it.
func (e *Engine) Effective(s *inherit.State) *doc.Node { return e.shared.Effective(s) }

// Canonical returns the effective policy of s as canonical indented JSON,
// computed once for each distinct policy, each part that states share
// rendered once. The bytes are shared: callers must not modify them.
func (e *Engine) Canonical(s *inherit.State) []byte { return e.shared.Canonical(s) }

// Doc returns the canonical JSON of s's effective policy as an
// inherit.Doc: the same *Doc for states whose policies are equal.
func (e *Engine) Doc(s *inherit.State) *inherit.Doc { return e.shared.Doc(s) }

// Empty reports whether an effective policy is empty: no policy of the type
// reaches the account.
func Empty(d *doc.Node) bool { return d == nil || d.Kind == doc.Object && len(d.Fields) == 0 }
