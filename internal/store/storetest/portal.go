package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/portal/portalstate"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// The cluster portal's state (store.Portal). Sign-ins and sessions are
// security state like the grants; settings are per user and never expire.
// None of these records belong to a tenant: sign-ins and sessions are keyed
// by a hash, settings by the (issuer, subject) of the user's ID token.

func testPortalLogins(t *testing.T, open opener) {
	t.Run("CreateUpdate", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		want := newPortalLogin("state-1", live())
		must(t, s.CreatePortalLogin(ctx, want), "CreatePortalLogin(%q)", "state-1")
		usedAt := created.Add(time.Minute)
		got, err := s.UpdatePortalLogin(ctx, "state-1", func(l *portalstate.LoginRequest) error {
			mustEqual(t, l, want, "UpdatePortalLogin(%q) closure value", "state-1")
			l.UsedAt = &usedAt
			return nil
		})
		must(t, err, "UpdatePortalLogin(%q)", "state-1")
		want.UsedAt = &usedAt
		mustEqual(t, got, want, "UpdatePortalLogin(%q)", "state-1")
		// A used sign-in stays until it expires, so a replayed state is
		// recognised as reused rather than unknown.
		_, err = s.UpdatePortalLogin(ctx, "state-1", func(l *portalstate.LoginRequest) error {
			if l.UsedAt == nil || !l.UsedAt.Equal(usedAt) {
				t.Fatalf("second UpdatePortalLogin(%q) closure saw UsedAt %v, want %v", "state-1", l.UsedAt, usedAt)
			}
			return nil
		})
		must(t, err, "second UpdatePortalLogin(%q)", "state-1")
	})

	t.Run("Conflict", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreatePortalLogin(ctx, newPortalLogin("state-1", live())), "CreatePortalLogin(%q)", "state-1")
		mustErr(t, s.CreatePortalLogin(ctx, newPortalLogin("state-1", live())), store.ErrConflict, "CreatePortalLogin(%q) again", "state-1")
	})

	t.Run("Expired", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreatePortalLogin(ctx, newPortalLogin("state-1", expired())), "CreatePortalLogin(%q) expired", "state-1")
		_, err := s.UpdatePortalLogin(ctx, "state-1", func(*portalstate.LoginRequest) error {
			t.Fatalf("UpdatePortalLogin(%q) called the closure for an expired sign-in", "state-1")
			return nil
		})
		mustErr(t, err, store.ErrNotFound, "UpdatePortalLogin(%q) of an expired sign-in", "state-1")
	})

	t.Run("UpdateContract", updateMethod[portalstate.LoginRequest]{
		seed: func(s store.Store, ctx context.Context) (string, error) {
			return "state-1", s.CreatePortalLogin(ctx, newPortalLogin("state-1", live()))
		},
		update: store.Store.UpdatePortalLogin,
		edit:   func(l *portalstate.LoginRequest) { used := created; l.UsedAt = &used },
		keyChanges: map[string]func(*portalstate.LoginRequest){
			"StateHash": func(l *portalstate.LoginRequest) { l.StateHash = "state-2" },
		},
	}.run(open))
}

func testPortalSessions(t *testing.T, open opener) {
	t.Run("CreateGetDelete", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		want := newPortalSession("psess-1", live())
		must(t, s.CreatePortalSession(ctx, want), "CreatePortalSession(%q)", "psess-1")
		got, err := s.GetPortalSession(ctx, "psess-1")
		must(t, err, "GetPortalSession(%q)", "psess-1")
		mustEqual(t, got, want, "GetPortalSession(%q)", "psess-1")
		must(t, s.DeletePortalSession(ctx, "psess-1"), "DeletePortalSession(%q)", "psess-1")
		_, err = s.GetPortalSession(ctx, "psess-1")
		mustErr(t, err, store.ErrNotFound, "GetPortalSession(%q) after delete", "psess-1")
	})

	// Unlike every other delete, a missing portal session is not an error:
	// sign-out must succeed after another replica or tab signed out.
	t.Run("DeleteMissing", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.DeletePortalSession(ctx, "missing"), "DeletePortalSession(%q) of a session never stored", "missing")
		must(t, s.CreatePortalSession(ctx, newPortalSession("psess-1", live())), "CreatePortalSession(%q)", "psess-1")
		must(t, s.DeletePortalSession(ctx, "psess-1"), "DeletePortalSession(%q)", "psess-1")
		must(t, s.DeletePortalSession(ctx, "psess-1"), "DeletePortalSession(%q) again", "psess-1")
	})

	t.Run("Conflict", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreatePortalSession(ctx, newPortalSession("psess-1", live())), "CreatePortalSession(%q)", "psess-1")
		mustErr(t, s.CreatePortalSession(ctx, newPortalSession("psess-1", live())), store.ErrConflict, "CreatePortalSession(%q) again", "psess-1")
	})

	t.Run("Expired", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreatePortalSession(ctx, newPortalSession("psess-1", expired())), "CreatePortalSession(%q) expired", "psess-1")
		_, err := s.GetPortalSession(ctx, "psess-1")
		mustErr(t, err, store.ErrNotFound, "GetPortalSession(%q) of an expired session", "psess-1")
		_, err = s.UpdatePortalSession(ctx, "psess-1", func(*portalstate.Session) error {
			t.Fatalf("UpdatePortalSession(%q) called the closure for an expired session", "psess-1")
			return nil
		})
		mustErr(t, err, store.ErrNotFound, "UpdatePortalSession(%q) of an expired session", "psess-1")
		must(t, s.DeletePortalSession(ctx, "psess-1"), "DeletePortalSession(%q) of an expired session", "psess-1")
	})

	// Portal sessions and the login host's sign-in sessions are different
	// records: the same hash in both is two sessions.
	t.Run("ApartFromGrantSessions", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateSession(ctx, newSession("same-hash", live())), "CreateSession(%q)", "same-hash")
		must(t, s.CreatePortalSession(ctx, newPortalSession("same-hash", live())), "CreatePortalSession(%q) with a grant session's hash", "same-hash")
		must(t, s.DeletePortalSession(ctx, "same-hash"), "DeletePortalSession(%q)", "same-hash")
		_, err := s.GetSession(ctx, "same-hash")
		must(t, err, "GetSession(%q) after DeletePortalSession of the same hash", "same-hash")
	})

	t.Run("UpdateContract", updateMethod[portalstate.Session]{
		seed: func(s store.Store, ctx context.Context) (string, error) {
			return "psess-1", s.CreatePortalSession(ctx, newPortalSession("psess-1", live()))
		},
		update: store.Store.UpdatePortalSession,
		edit: func(sess *portalstate.Session) {
			refreshed := created.Add(time.Hour)
			sess.IDToken, sess.RefreshedAt, sess.RefreshLease = "id-token-2", &refreshed, ""
			sess.Profile.Groups = append(sess.Profile.Groups, "admins")
		},
		keyChanges: map[string]func(*portalstate.Session){
			"Hash": func(sess *portalstate.Session) { sess.Hash = "psess-2" },
		},
	}.run(open))

	// A refresh holds a lease taken by update: of racing requests, on one
	// replica or several, exactly one may take it.
	t.Run("LeaseTakenOnce", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		sess := newPortalSession("psess-1", live())
		sess.RefreshLease = ""
		must(t, s.CreatePortalSession(ctx, sess), "CreatePortalSession(%q)", "psess-1")
		errHeld := errors.New("lease held")
		errs := race(func(i int) error {
			_, err := s.UpdatePortalSession(ctx, "psess-1", func(sess *portalstate.Session) error {
				if sess.RefreshLease != "" {
					return errHeld
				}
				time.Sleep(time.Millisecond)
				sess.RefreshLease = fmt.Sprintf("holder-%02d", i)
				return nil
			})
			return err
		})
		took := 0
		for i, err := range errs {
			switch {
			case err == nil:
				took++
			case !errors.Is(err, errHeld):
				t.Fatalf("UpdatePortalSession(%q) in goroutine %d = %v, want nil or the closure's error", "psess-1", i, err)
			}
		}
		if took != 1 {
			t.Fatalf("%d of %d racing UpdatePortalSession calls took the free lease, want 1", took, workers)
		}
	})
}

func testPortalSettings(t *testing.T, open opener) {
	t.Run("Upsert", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		_, err := s.GetPortalSettings(ctx, portalIssuer, "alice")
		mustErr(t, err, store.ErrNotFound, "GetPortalSettings(%q) before the first sign-in", "alice")
		want := newPortalSettings(portalIssuer, "alice")
		got, err := s.UpdatePortalSettings(ctx, portalIssuer, "alice", func(st *portalstate.Settings) error {
			// New settings: zero but for the key.
			mustEqual(t, st, &portalstate.Settings{Issuer: portalIssuer, Subject: "alice"},
				"UpdatePortalSettings(%q) closure value when none are stored", "alice")
			*st = *newPortalSettings(portalIssuer, "alice")
			return nil
		})
		must(t, err, "UpdatePortalSettings(%q) creating", "alice")
		mustEqual(t, got, want, "UpdatePortalSettings(%q) creating", "alice")
		got, err = s.GetPortalSettings(ctx, portalIssuer, "alice")
		must(t, err, "GetPortalSettings(%q)", "alice")
		mustEqual(t, got, want, "GetPortalSettings(%q)", "alice")

		want.UserChanged, want.DefaultNamespace = true, "platform"
		got, err = s.UpdatePortalSettings(ctx, portalIssuer, "alice", func(st *portalstate.Settings) error {
			mustEqual(t, st, newPortalSettings(portalIssuer, "alice"), "UpdatePortalSettings(%q) closure value of stored settings", "alice")
			st.UserChanged, st.DefaultNamespace = true, "platform"
			return nil
		})
		must(t, err, "UpdatePortalSettings(%q) updating", "alice")
		mustEqual(t, got, want, "UpdatePortalSettings(%q) updating", "alice")
		got, err = s.GetPortalSettings(ctx, portalIssuer, "alice")
		must(t, err, "GetPortalSettings(%q) after the update", "alice")
		mustEqual(t, got, want, "GetPortalSettings(%q) after the update", "alice")
	})

	t.Run("ClosureErrorAborts", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		// Creating: nothing is stored.
		got, err := s.UpdatePortalSettings(ctx, portalIssuer, "alice", func(st *portalstate.Settings) error {
			st.DefaultNamespace = "aborted"
			return errAbort
		})
		if !errors.Is(err, errAbort) || got != nil {
			t.Fatalf("UpdatePortalSettings(%q) creating with an aborting closure = %v, %v; want nil and the closure's error %q", "alice", got, err, errAbort)
		}
		_, err = s.GetPortalSettings(ctx, portalIssuer, "alice")
		mustErr(t, err, store.ErrNotFound, "GetPortalSettings(%q) after an aborted creation", "alice")

		// Updating: the stored value is kept.
		_, err = s.UpdatePortalSettings(ctx, portalIssuer, "alice", func(st *portalstate.Settings) error {
			*st = *newPortalSettings(portalIssuer, "alice")
			return nil
		})
		must(t, err, "UpdatePortalSettings(%q)", "alice")
		got, err = s.UpdatePortalSettings(ctx, portalIssuer, "alice", func(st *portalstate.Settings) error {
			st.DefaultNamespace = "aborted"
			return errAbort
		})
		if !errors.Is(err, errAbort) || got != nil {
			t.Fatalf("UpdatePortalSettings(%q) with an aborting closure = %v, %v; want nil and the closure's error %q", "alice", got, err, errAbort)
		}
		got, err = s.GetPortalSettings(ctx, portalIssuer, "alice")
		must(t, err, "GetPortalSettings(%q)", "alice")
		mustEqual(t, got, newPortalSettings(portalIssuer, "alice"), "GetPortalSettings(%q) after an aborted update", "alice")
	})

	for field, change := range map[string]func(*portalstate.Settings){
		"Issuer":  func(st *portalstate.Settings) { st.Issuer = "https://other.example" },
		"Subject": func(st *portalstate.Settings) { st.Subject = "mallory" },
	} {
		t.Run("Change"+field+"Rejected", func(t *testing.T) {
			s, ctx := open(t), t.Context()
			_, err := s.UpdatePortalSettings(ctx, portalIssuer, "alice", func(st *portalstate.Settings) error {
				*st = *newPortalSettings(portalIssuer, "alice")
				return nil
			})
			must(t, err, "UpdatePortalSettings(%q)", "alice")
			_, err = s.UpdatePortalSettings(ctx, portalIssuer, "alice", func(st *portalstate.Settings) error { change(st); return nil })
			mustFail(t, err, "UpdatePortalSettings(%q) with a closure that changes %s", "alice", field)
			got, err := s.GetPortalSettings(ctx, portalIssuer, "alice")
			must(t, err, "GetPortalSettings(%q)", "alice")
			mustEqual(t, got, newPortalSettings(portalIssuer, "alice"), "GetPortalSettings(%q) after an update tried to change %s", "alice", field)
			// Nor was anything stored under the new key.
			_, err = s.GetPortalSettings(ctx, "https://other.example", "alice")
			mustErr(t, err, store.ErrNotFound, "GetPortalSettings(%q, %q)", "https://other.example", "alice")
			_, err = s.GetPortalSettings(ctx, portalIssuer, "mallory")
			mustErr(t, err, store.ErrNotFound, "GetPortalSettings(%q)", "mallory")
		})
	}

	// Keys are the (issuer, subject) pair, neither part alone, with no
	// tenant; any strings are keys, the empty issuer of the portal's
	// readiness check included.
	t.Run("Keys", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		_, err := s.GetPortalSettings(ctx, "", "readyz")
		mustErr(t, err, store.ErrNotFound, "GetPortalSettings(%q, %q)", "", "readyz")
		keys := [][2]string{{portalIssuer, "alice"}, {"https://other.example", "alice"}, {portalIssuer, "bob"}, {"", "alice"}}
		for _, k := range keys {
			_, err := s.UpdatePortalSettings(ctx, k[0], k[1], func(st *portalstate.Settings) error {
				if !st.CreatedAt.IsZero() {
					t.Fatalf("UpdatePortalSettings(%q, %q) found settings stored under another key: %s", k[0], k[1], dump(st))
				}
				*st = *newPortalSettings(k[0], k[1])
				st.DefaultNamespace = "ns-" + k[0] + "-" + k[1]
				return nil
			})
			must(t, err, "UpdatePortalSettings(%q, %q)", k[0], k[1])
		}
		for _, k := range keys {
			got, err := s.GetPortalSettings(ctx, k[0], k[1])
			must(t, err, "GetPortalSettings(%q, %q)", k[0], k[1])
			if want := "ns-" + k[0] + "-" + k[1]; got.DefaultNamespace != want || got.Issuer != k[0] || got.Subject != k[1] {
				t.Fatalf("GetPortalSettings(%q, %q) = (%q, %q) default %q, want its own settings (default %q)",
					k[0], k[1], got.Issuer, got.Subject, got.DefaultNamespace, want)
			}
		}
	})

	// Two first sign-ins of one user, on two replicas: both succeed and
	// neither loses the other's write.
	t.Run("ConcurrentFirstUpsert", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		errs := race(func(i int) error {
			_, err := s.UpdatePortalSettings(ctx, portalIssuer, "alice", func(st *portalstate.Settings) error {
				claim := append(st.LastClaim, fmt.Sprintf("ns-%02d", i))
				time.Sleep(time.Millisecond)
				st.LastClaim = claim
				return nil
			})
			return err
		})
		var want []string
		for i, err := range errs {
			must(t, err, "UpdatePortalSettings(%q) in goroutine %d", "alice", i)
			want = append(want, fmt.Sprintf("ns-%02d", i))
		}
		got, err := s.GetPortalSettings(ctx, portalIssuer, "alice")
		must(t, err, "GetPortalSettings(%q)", "alice")
		mustSet(t, got.LastClaim, want, "LastClaim after %d concurrent upserts", workers)
	})
}

// testPortalCopies checks that the portal's records share no memory with
// the store's callers (see copyCheck).
func testPortalCopies(t *testing.T, open opener) {
	exp := live()
	updateLogin := func(s store.Store, ctx context.Context) func(func(*portalstate.LoginRequest) error) (*portalstate.LoginRequest, error) {
		return func(fn func(*portalstate.LoginRequest) error) (*portalstate.LoginRequest, error) {
			return s.UpdatePortalLogin(ctx, "state-1", fn)
		}
	}
	t.Run("LoginRequest", copyCheck[portalstate.LoginRequest]{
		want: func() *portalstate.LoginRequest {
			l := newPortalLogin("state-1", exp)
			used := created
			l.UsedAt = &used
			return l
		},
		create: store.Store.CreatePortalLogin,
		mutate: func(v *portalstate.LoginRequest) { *v.UsedAt = v.UsedAt.Add(time.Hour); v.Nonce = "mutated" },
		reads: []read[portalstate.LoginRequest]{
			{"UpdatePortalLogin result", func(s store.Store, ctx context.Context) (*portalstate.LoginRequest, error) {
				return updated(updateLogin(s, ctx))
			}},
			{"UpdatePortalLogin closure value", func(s store.Store, ctx context.Context) (*portalstate.LoginRequest, error) {
				return kept(updateLogin(s, ctx))
			}},
		},
	}.run(open))

	updateSession := func(s store.Store, ctx context.Context) func(func(*portalstate.Session) error) (*portalstate.Session, error) {
		return func(fn func(*portalstate.Session) error) (*portalstate.Session, error) {
			return s.UpdatePortalSession(ctx, "psess-1", fn)
		}
	}
	t.Run("Session", copyCheck[portalstate.Session]{
		want:   func() *portalstate.Session { return newPortalSession("psess-1", exp) },
		create: store.Store.CreatePortalSession,
		mutate: func(v *portalstate.Session) {
			v.Profile.Groups[0] = "mutated"
			v.Profile.Namespaces[0] = "mutated"
			*v.RefreshedAt = v.RefreshedAt.Add(time.Hour)
			v.RefreshToken = "mutated"
		},
		reads: []read[portalstate.Session]{
			{"GetPortalSession", func(s store.Store, ctx context.Context) (*portalstate.Session, error) {
				return s.GetPortalSession(ctx, "psess-1")
			}},
			{"UpdatePortalSession result", func(s store.Store, ctx context.Context) (*portalstate.Session, error) {
				return updated(updateSession(s, ctx))
			}},
			{"UpdatePortalSession closure value", func(s store.Store, ctx context.Context) (*portalstate.Session, error) {
				return kept(updateSession(s, ctx))
			}},
		},
	}.run(open))

	updateSettings := func(s store.Store, ctx context.Context) func(func(*portalstate.Settings) error) (*portalstate.Settings, error) {
		return func(fn func(*portalstate.Settings) error) (*portalstate.Settings, error) {
			return s.UpdatePortalSettings(ctx, portalIssuer, "alice", fn)
		}
	}
	t.Run("Settings", copyCheck[portalstate.Settings]{
		want: func() *portalstate.Settings { return newPortalSettings(portalIssuer, "alice") },
		// Settings have no create: the first update stores them.
		create: func(s store.Store, ctx context.Context, v *portalstate.Settings) error {
			_, err := s.UpdatePortalSettings(ctx, v.Issuer, v.Subject, func(st *portalstate.Settings) error { *st = *v; return nil })
			return err
		},
		mutate: func(v *portalstate.Settings) {
			v.AllowedNamespaces[0].Name = "mutated"
			v.LastClaim[0] = "mutated"
			v.DefaultNamespace = "mutated"
		},
		reads: []read[portalstate.Settings]{
			{"GetPortalSettings", func(s store.Store, ctx context.Context) (*portalstate.Settings, error) {
				return s.GetPortalSettings(ctx, portalIssuer, "alice")
			}},
			{"UpdatePortalSettings result", func(s store.Store, ctx context.Context) (*portalstate.Settings, error) {
				return updated(updateSettings(s, ctx))
			}},
			{"UpdatePortalSettings closure value", func(s store.Store, ctx context.Context) (*portalstate.Settings, error) {
				return kept(updateSettings(s, ctx))
			}},
		},
	}.run(open))
}

// testPortalDeleteExpired stores one expired and one live portal sign-in
// and session, and settings, which never expire.
func testPortalDeleteExpired(t *testing.T, open opener) {
	s, ctx := open(t), t.Context()
	for _, exp := range []struct {
		suffix string
		at     time.Time
	}{{"old", expired()}, {"new", live()}} {
		must(t, s.CreatePortalLogin(ctx, newPortalLogin("state-"+exp.suffix, exp.at)), "CreatePortalLogin(%q)", "state-"+exp.suffix)
		must(t, s.CreatePortalSession(ctx, newPortalSession("psess-"+exp.suffix, exp.at)), "CreatePortalSession(%q)", "psess-"+exp.suffix)
	}
	// A grant of the login host beside them: DeleteExpired counts both kinds.
	must(t, s.CreateSession(ctx, newSession("sess-old", expired())), "CreateSession(%q)", "sess-old")
	_, err := s.UpdatePortalSettings(ctx, portalIssuer, "alice", func(st *portalstate.Settings) error {
		*st = *newPortalSettings(portalIssuer, "alice")
		return nil
	})
	must(t, err, "UpdatePortalSettings(%q)", "alice")

	n, err := s.DeleteExpired(ctx, time.Now())
	must(t, err, "DeleteExpired(now)")
	if n != 3 {
		t.Fatalf("DeleteExpired(now) = %d, want 3 (the expired portal sign-in and session, and the expired grant session)", n)
	}
	survivors := []struct {
		call string
		err  error
	}{
		{"UpdatePortalLogin", second(s.UpdatePortalLogin(ctx, "state-new", func(*portalstate.LoginRequest) error { return nil }))},
		{"GetPortalSession", second(s.GetPortalSession(ctx, "psess-new"))},
		{"GetPortalSettings", second(s.GetPortalSettings(ctx, portalIssuer, "alice"))},
	}
	for _, tc := range survivors {
		must(t, tc.err, "%s of a live record after DeleteExpired", tc.call)
	}

	n, err = s.DeleteExpired(ctx, time.Now().Add(2*time.Hour))
	must(t, err, "DeleteExpired(now+2h)")
	if n != 2 {
		t.Fatalf("DeleteExpired(now+2h) = %d, want 2 (the portal sign-in and session that were live)", n)
	}
	_, err = s.GetPortalSession(ctx, "psess-new")
	mustErr(t, err, store.ErrNotFound, "GetPortalSession(%q) after DeleteExpired(now+2h)", "psess-new")
	_, err = s.UpdatePortalLogin(ctx, "state-new", func(*portalstate.LoginRequest) error { return nil })
	mustErr(t, err, store.ErrNotFound, "UpdatePortalLogin(%q) after DeleteExpired(now+2h)", "state-new")

	// Settings are not security state: they stay however far the clock goes.
	n, err = s.DeleteExpired(ctx, created.AddDate(100, 0, 0))
	must(t, err, "DeleteExpired(+100 years)")
	if n != 0 {
		t.Fatalf("DeleteExpired(+100 years) = %d, want 0", n)
	}
	got, err := s.GetPortalSettings(ctx, portalIssuer, "alice")
	must(t, err, "GetPortalSettings(%q) after DeleteExpired(+100 years)", "alice")
	mustEqual(t, got, newPortalSettings(portalIssuer, "alice"), "GetPortalSettings(%q) after DeleteExpired(+100 years)", "alice")
}

// portalCalls are the portal's writes and reads, for the directory version
// test: none of them is a directory write.
func portalCalls() []versionStep {
	exp := live()
	return []versionStep{
		{name: "CreatePortalLogin", call: func(s store.Store, ctx context.Context) error {
			return s.CreatePortalLogin(ctx, newPortalLogin("state-1", exp))
		}},
		{name: "UpdatePortalLogin", call: func(s store.Store, ctx context.Context) error {
			return second(s.UpdatePortalLogin(ctx, "state-1", func(l *portalstate.LoginRequest) error {
				used := created
				l.UsedAt = &used
				return nil
			}))
		}},
		{name: "CreatePortalSession", call: func(s store.Store, ctx context.Context) error {
			return s.CreatePortalSession(ctx, newPortalSession("psess-1", exp))
		}},
		{name: "GetPortalSession", call: func(s store.Store, ctx context.Context) error {
			return second(s.GetPortalSession(ctx, "psess-1"))
		}},
		{name: "UpdatePortalSession", call: func(s store.Store, ctx context.Context) error {
			return second(s.UpdatePortalSession(ctx, "psess-1", func(sess *portalstate.Session) error {
				sess.IDToken = "id-token-2"
				return nil
			}))
		}},
		{name: "DeletePortalSession", call: func(s store.Store, ctx context.Context) error { return s.DeletePortalSession(ctx, "psess-1") }},
		{name: "UpdatePortalSettings", call: func(s store.Store, ctx context.Context) error {
			return second(s.UpdatePortalSettings(ctx, portalIssuer, "alice", func(st *portalstate.Settings) error {
				st.DefaultNamespace = "team-a"
				return nil
			}))
		}},
		{name: "GetPortalSettings", call: func(s store.Store, ctx context.Context) error {
			return second(s.GetPortalSettings(ctx, portalIssuer, "alice"))
		}},
	}
}
