package storetest

import (
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/grant"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

func testAuthRequests(t *testing.T, open opener) {
	t.Run("CreateGetDelete", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		want := newAuthRequest("req-1", live())
		must(t, s.CreateAuthRequest(ctx, want), "CreateAuthRequest(%q)", "req-1")
		got, err := s.GetAuthRequest(ctx, "req-1")
		must(t, err, "GetAuthRequest(%q)", "req-1")
		mustEqual(t, got, want, "GetAuthRequest(%q)", "req-1")
		must(t, s.DeleteAuthRequest(ctx, "req-1"), "DeleteAuthRequest(%q)", "req-1")
		_, err = s.GetAuthRequest(ctx, "req-1")
		mustErr(t, err, store.ErrNotFound, "GetAuthRequest(%q) after delete", "req-1")
		// A second completion of the same request finds it gone.
		mustErr(t, s.DeleteAuthRequest(ctx, "req-1"), store.ErrNotFound, "DeleteAuthRequest(%q) again", "req-1")
	})

	t.Run("Conflict", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateAuthRequest(ctx, newAuthRequest("req-1", live())), "CreateAuthRequest(%q)", "req-1")
		mustErr(t, s.CreateAuthRequest(ctx, newAuthRequest("req-1", live())), store.ErrConflict, "CreateAuthRequest(%q) again", "req-1")
	})

	t.Run("Expired", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateAuthRequest(ctx, newAuthRequest("req-1", expired())), "CreateAuthRequest(%q) expired", "req-1")
		_, err := s.GetAuthRequest(ctx, "req-1")
		mustErr(t, err, store.ErrNotFound, "GetAuthRequest(%q) of an expired request", "req-1")
		mustErr(t, s.DeleteAuthRequest(ctx, "req-1"), store.ErrNotFound, "DeleteAuthRequest(%q) of an expired request", "req-1")
	})
}

func testAuthCodes(t *testing.T, open opener) {
	t.Run("Redeem", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateAuthCode(ctx, newAuthCode("code-1", live())), "CreateAuthCode(%q)", "code-1")
		usedAt := created.Add(time.Minute)
		got, err := s.UpdateAuthCode(ctx, "code-1", func(c *grant.AuthCode) error {
			if c.UsedAt != nil {
				t.Fatalf("UpdateAuthCode(%q) closure saw UsedAt %v on a fresh code, want nil", "code-1", c.UsedAt)
			}
			c.UsedAt, c.FamilyID = &usedAt, "family-1"
			return nil
		})
		must(t, err, "UpdateAuthCode(%q)", "code-1")
		if got.UsedAt == nil || !got.UsedAt.Equal(usedAt) || got.FamilyID != "family-1" {
			t.Fatalf("UpdateAuthCode(%q) = UsedAt %v, FamilyID %q; want %v, %q", "code-1", got.UsedAt, got.FamilyID, usedAt, "family-1")
		}
		// The next redemption sees the first one.
		_, err = s.UpdateAuthCode(ctx, "code-1", func(c *grant.AuthCode) error {
			if c.UsedAt == nil || c.FamilyID != "family-1" {
				t.Fatalf("second UpdateAuthCode(%q) closure saw UsedAt %v, FamilyID %q; want the first redemption", "code-1", c.UsedAt, c.FamilyID)
			}
			return nil
		})
		must(t, err, "second UpdateAuthCode(%q)", "code-1")
	})

	t.Run("Conflict", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateAuthCode(ctx, newAuthCode("code-1", live())), "CreateAuthCode(%q)", "code-1")
		mustErr(t, s.CreateAuthCode(ctx, newAuthCode("code-1", live())), store.ErrConflict, "CreateAuthCode(%q) again", "code-1")
	})

	t.Run("Expired", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateAuthCode(ctx, newAuthCode("code-1", expired())), "CreateAuthCode(%q) expired", "code-1")
		_, err := s.UpdateAuthCode(ctx, "code-1", func(*grant.AuthCode) error {
			t.Fatalf("UpdateAuthCode(%q) called the closure for an expired code", "code-1")
			return nil
		})
		mustErr(t, err, store.ErrNotFound, "UpdateAuthCode(%q) of an expired code", "code-1")
	})
}

func testSessions(t *testing.T, open opener) {
	t.Run("CreateGetDelete", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		want := newSession("sess-1", live())
		must(t, s.CreateSession(ctx, want), "CreateSession(%q)", "sess-1")
		got, err := s.GetSession(ctx, "sess-1")
		must(t, err, "GetSession(%q)", "sess-1")
		mustEqual(t, got, want, "GetSession(%q)", "sess-1")
		must(t, s.DeleteSession(ctx, "sess-1"), "DeleteSession(%q)", "sess-1")
		_, err = s.GetSession(ctx, "sess-1")
		mustErr(t, err, store.ErrNotFound, "GetSession(%q) after delete", "sess-1")
		mustErr(t, s.DeleteSession(ctx, "sess-1"), store.ErrNotFound, "DeleteSession(%q) again", "sess-1")
	})

	t.Run("Conflict", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateSession(ctx, newSession("sess-1", live())), "CreateSession(%q)", "sess-1")
		mustErr(t, s.CreateSession(ctx, newSession("sess-1", live())), store.ErrConflict, "CreateSession(%q) again", "sess-1")
	})

	t.Run("Expired", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateSession(ctx, newSession("sess-1", expired())), "CreateSession(%q) expired", "sess-1")
		_, err := s.GetSession(ctx, "sess-1")
		mustErr(t, err, store.ErrNotFound, "GetSession(%q) of an expired session", "sess-1")
		mustErr(t, s.DeleteSession(ctx, "sess-1"), store.ErrNotFound, "DeleteSession(%q) of an expired session", "sess-1")
	})
}

// testDeleteExpired stores one expired and one live record of every kind of
// security state.
func testDeleteExpired(t *testing.T, open opener) {
	s, ctx := open(t), t.Context()
	for _, exp := range []struct {
		suffix string
		at     time.Time
	}{{"old", expired()}, {"new", live()}} {
		must(t, s.CreateAuthRequest(ctx, newAuthRequest("req-"+exp.suffix, exp.at)), "CreateAuthRequest(%q)", "req-"+exp.suffix)
		must(t, s.CreateAuthCode(ctx, newAuthCode("code-"+exp.suffix, exp.at)), "CreateAuthCode(%q)", "code-"+exp.suffix)
		must(t, s.CreateRefreshToken(ctx, newRefreshToken("rt-"+exp.suffix, "family-1", "session-1", exp.at)), "CreateRefreshToken(%q)", "rt-"+exp.suffix)
		must(t, s.CreateDeviceCode(ctx, newDeviceCode("dc-"+exp.suffix, "CODE-"+exp.suffix, exp.at)), "CreateDeviceCode(%q)", "dc-"+exp.suffix)
		must(t, s.CreateSession(ctx, newSession("sess-"+exp.suffix, exp.at)), "CreateSession(%q)", "sess-"+exp.suffix)
	}
	must(t, s.CreateSigningKey(ctx, newSigningKey("kid-1", store.KeyRetired, created)), "CreateSigningKey(%q)", "kid-1")

	n, err := s.DeleteExpired(ctx, time.Now())
	must(t, err, "DeleteExpired(now)")
	if n != 5 {
		t.Fatalf("DeleteExpired(now) = %d, want 5 (one expired record of each kind)", n)
	}

	// The live records survive.
	survivors := []struct {
		call string
		err  error
	}{
		{"GetAuthRequest", second(s.GetAuthRequest(ctx, "req-new"))},
		{"UpdateAuthCode", second(s.UpdateAuthCode(ctx, "code-new", func(*grant.AuthCode) error { return nil }))},
		{"UpdateRefreshToken", second(s.UpdateRefreshToken(ctx, "rt-new", func(*grant.RefreshToken) error { return nil }))},
		{"UpdateDeviceCode", second(s.UpdateDeviceCode(ctx, "dc-new", func(*grant.DeviceCode) error { return nil }))},
		{"GetSession", second(s.GetSession(ctx, "sess-new"))},
		{"ListSigningKeys", second(only(s.ListSigningKeys(ctx)))},
	}
	for _, tc := range survivors {
		must(t, tc.err, "%s of a live record after DeleteExpired", tc.call)
	}

	n, err = s.DeleteExpired(ctx, time.Now())
	must(t, err, "DeleteExpired(now) again")
	if n != 0 {
		t.Fatalf("DeleteExpired(now) again = %d, want 0", n)
	}
	// Signing keys are not security state: their retirement is the key
	// manager's business.
	n, err = s.DeleteExpired(ctx, time.Now().Add(2*time.Hour))
	must(t, err, "DeleteExpired(now+2h)")
	if n != 5 {
		t.Fatalf("DeleteExpired(now+2h) = %d, want 5 (the records that were live)", n)
	}
	_, err = s.GetSession(ctx, "sess-new")
	mustErr(t, err, store.ErrNotFound, "GetSession(%q) after DeleteExpired(now+2h)", "sess-new")
	_, err = only(s.ListSigningKeys(ctx))
	must(t, err, "ListSigningKeys() after DeleteExpired(now+2h)")
}
