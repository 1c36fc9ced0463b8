package portal

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/store"
	"github.com/gatehouse-id/gatehouse/internal/store/sqlite"
)

// The portal's tests run on Gatehouse's real store (store/sqlite in a
// temporary directory, on the test's clock), the one `gatehouse portal`
// uses, so its expiry, copies and atomic updates are the ones tested.

// trackedStore is a Store that remembers the hashes of the sessions created
// through it, so that tests can count and read the live ones: the store
// has no list of sessions, and the portal needs none.
type trackedStore struct {
	Store
	t      *testing.T
	mu     sync.Mutex
	hashes []string
}

// newTestStore opens a real store for one test.
func newTestStore(t *testing.T, clock func() time.Time) *trackedStore {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "portal.db"), sqlite.WithClock(clock))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return trackStore(t, st)
}

// trackStore wraps st, which the caller closes.
func trackStore(t *testing.T, st Store) *trackedStore { return &trackedStore{Store: st, t: t} }

func (s *trackedStore) CreatePortalSession(ctx context.Context, sess *Session) error {
	err := s.Store.CreatePortalSession(ctx, sess)
	if err == nil {
		s.mu.Lock()
		s.hashes = append(s.hashes, sess.Hash)
		s.mu.Unlock()
	}
	return err
}

// liveSessions returns the sessions created through s that are still
// stored and unexpired.
func (s *trackedStore) liveSessions() []*Session {
	s.t.Helper()
	s.mu.Lock()
	hashes := append([]string(nil), s.hashes...)
	s.mu.Unlock()
	var live []*Session
	for _, h := range hashes {
		sess, err := s.GetPortalSession(context.Background(), h)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			s.t.Fatalf("GetPortalSession: %v", err)
		default:
			live = append(live, sess)
		}
	}
	return live
}

// sessionCount is for tests that check a session ended.
func (s *trackedStore) sessionCount() int { return len(s.liveSessions()) }

// onlySessionOf returns the one live session.
func onlySessionOf(t *testing.T, st *trackedStore) *Session {
	t.Helper()
	live := st.liveSessions()
	if len(live) != 1 {
		t.Fatalf("store has %d live sessions, want 1", len(live))
	}
	return live[0]
}
