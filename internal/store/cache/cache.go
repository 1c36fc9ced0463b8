package cache

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/store"
)

// Defaults of the options.
const (
	DefaultRefreshInterval = 250 * time.Millisecond
	// DefaultMaxEntries bounds memory: the largest answers are service
	// principals of a few KB (Microsoft Graph's ~6 KB of roles and scopes).
	DefaultMaxEntries = 4096
)

// Store is a store.Store that answers the token path's directory reads from
// memory. See the package comment for what it caches and how long another
// replica's write may stay unseen.
type Store struct {
	st         store.Store
	now        func() time.Time
	refresh    time.Duration
	maxEntries int

	// gen is the current generation. Entries are filled under the
	// generation read before their backend read, so a write that lands
	// during that read (and bumps gen) makes them stale at once.
	gen atomic.Uint64

	// checkedAt is when the last applied DirectoryVersion read began (nil
	// before the first); version, under vmu, is what it returned.
	checkedAt atomic.Pointer[time.Time]
	vmu       sync.Mutex
	version   int64

	// entries all belong to generation entriesGen: when a newer generation
	// stores an entry, the older ones are dropped.
	mu         sync.RWMutex
	entriesGen uint64
	entries    map[key]entry
}

var _ store.Store = (*Store)(nil)

// Option configures a Store.
type Option func(*Store)

// WithRefreshInterval sets how often cached reads check the backend's
// DirectoryVersion for writes made elsewhere: the longest another
// replica's write stays unseen. 0 checks before every cached read.
func WithRefreshInterval(d time.Duration) Option {
	return func(s *Store) { s.refresh = max(d, 0) }
}

// WithClock sets the clock that times the refresh interval. The default is
// time.Now.
func WithClock(now func() time.Time) Option {
	return func(s *Store) { s.now = now }
}

// WithMaxEntries sets how many answers the cache holds before it drops them
// all. Values below 1 mean 1.
func WithMaxEntries(n int) Option {
	return func(s *Store) { s.maxEntries = max(n, 1) }
}

// New wraps st. Closing the returned Store closes st.
func New(st store.Store, opts ...Option) *Store {
	s := &Store{
		st:         st,
		now:        time.Now,
		refresh:    DefaultRefreshInterval,
		maxEntries: DefaultMaxEntries,
		entries:    map[key]entry{},
	}
	for _, opt := range opts {
		opt(s)
	}
	return s
}

// Close closes the backend.
func (s *Store) Close() error { return s.st.Close() }

// DirectoryVersion returns the backend's version, never a cached one.
func (s *Store) DirectoryVersion(ctx context.Context) (int64, error) {
	return s.st.DirectoryVersion(ctx)
}

// method names a cached read, for the key.
type method uint8

const (
	getTenant method = iota
	getTenantByDomain
	getApplicationByAppID
	getServicePrincipal
	getServicePrincipalByAppID
	getUser
	listAppRoleAssignmentsByPrincipal
	listAppRoleAssignmentsByResource
	listMemberOf
	listExtensionProperties
	getPolicy
	listPolicies
	listPolicyAssignmentsByObject
	resourceOwner
	listPermissionGrants
	listRoleAssignments
)

// key is a cached read: the method and its arguments.
type key struct {
	method  method
	a, b, c string
}

// entry is a cached answer: a value no caller ever holds (they get
// clones), or the backend's ErrNotFound error.
type entry struct {
	value any
	err   error
}

// invalidate starts a new generation: every cached answer is stale.
func (s *Store) invalidate() { s.gen.Add(1) }

// generation returns the generation cached answers must belong to, after
// checking the backend's DirectoryVersion if the last check is older than
// the refresh interval. Concurrent callers may check at the same time; a
// check that began before the last applied one is ignored.
func (s *Store) generation(ctx context.Context) (uint64, error) {
	start := s.now()
	if last := s.checkedAt.Load(); last != nil && start.Sub(*last) < s.refresh {
		return s.gen.Load(), nil
	}
	v, err := s.st.DirectoryVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("directory cache: %w", err)
	}
	s.vmu.Lock()
	defer s.vmu.Unlock()
	if last := s.checkedAt.Load(); last == nil || !start.Before(*last) {
		if last == nil || v != s.version {
			// Before publishing the check, so that no read trusts the
			// old generation once the check is visible.
			s.invalidate()
		}
		s.version = v
		s.checkedAt.Store(&start)
	}
	return s.gen.Load(), nil
}

func (s *Store) lookup(k key, gen uint64) (entry, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.entriesGen != gen {
		return entry{}, false
	}
	e, ok := s.entries[k]
	return e, ok
}

func (s *Store) put(k key, gen uint64, e entry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case gen < s.entriesGen:
		return // read under a generation that has since ended
	case gen > s.entriesGen:
		clear(s.entries)
		s.entriesGen = gen
	case len(s.entries) >= s.maxEntries:
		clear(s.entries)
	}
	s.entries[k] = e
}

// read answers k from the cache, or from load, caching a clone of what
// load returned or its ErrNotFound. Cached values are handed out only as
// clones.
func read[T any](ctx context.Context, s *Store, k key, clone func(T) T, load func(context.Context) (T, error)) (T, error) {
	var zero T
	gen, err := s.generation(ctx)
	if err != nil {
		return zero, err
	}
	if e, ok := s.lookup(k, gen); ok {
		if e.err != nil {
			return zero, e.err
		}
		return clone(e.value.(T)), nil
	}
	v, err := load(ctx)
	switch {
	case err == nil:
		s.put(k, gen, entry{value: clone(v)})
	case errors.Is(err, store.ErrNotFound):
		s.put(k, gen, entry{err: err})
	}
	return v, err
}

// cloneList returns a function cloning a list element by element. Lists
// from the store are never nil, and neither are their clones.
func cloneList[T any](clone func(*T) *T) func([]*T) []*T {
	return func(list []*T) []*T {
		out := make([]*T, len(list))
		for i, v := range list {
			out[i] = clone(v)
		}
		return out
	}
}
