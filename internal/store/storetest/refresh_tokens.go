package storetest

import (
	"errors"
	"testing"

	"github.com/gatehouse-id/gatehouse/internal/grant"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

func testRefreshTokens(t *testing.T, open opener) {
	t.Run("Rotate", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateRefreshToken(ctx, newRefreshToken("rt-1", "family-1", "session-1", live())), "CreateRefreshToken(%q)", "rt-1")
		rotatedAt := created
		got, err := s.UpdateRefreshToken(ctx, "rt-1", func(r *grant.RefreshToken) error {
			if r.RotatedAt != nil {
				t.Fatalf("UpdateRefreshToken(%q) closure saw RotatedAt %v on a fresh token, want nil", "rt-1", r.RotatedAt)
			}
			r.RotatedAt = &rotatedAt
			return nil
		})
		must(t, err, "UpdateRefreshToken(%q)", "rt-1")
		if got.RotatedAt == nil || !got.RotatedAt.Equal(rotatedAt) {
			t.Fatalf("UpdateRefreshToken(%q).RotatedAt = %v, want %v", "rt-1", got.RotatedAt, rotatedAt)
		}
	})

	t.Run("Conflict", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateRefreshToken(ctx, newRefreshToken("rt-1", "family-1", "session-1", live())), "CreateRefreshToken(%q)", "rt-1")
		mustErr(t, s.CreateRefreshToken(ctx, newRefreshToken("rt-1", "family-2", "session-2", live())), store.ErrConflict,
			"CreateRefreshToken(%q) again", "rt-1")
	})

	t.Run("Expired", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateRefreshToken(ctx, newRefreshToken("rt-1", "family-1", "session-1", expired())), "CreateRefreshToken(%q) expired", "rt-1")
		_, err := s.UpdateRefreshToken(ctx, "rt-1", func(*grant.RefreshToken) error {
			t.Fatalf("UpdateRefreshToken(%q) called the closure for an expired token", "rt-1")
			return nil
		})
		mustErr(t, err, store.ErrNotFound, "UpdateRefreshToken(%q) of an expired token", "rt-1")
	})

	// seed stores rt-1..rt-3 in family-1, rt-4 in family-2, and rt-5 and
	// rt-6 without a family or session (as a device flow might).
	seed := func(t *testing.T) store.Store {
		t.Helper()
		s, ctx := open(t), t.Context()
		for _, r := range []*grant.RefreshToken{
			newRefreshToken("rt-1", "family-1", "session-1", live()),
			newRefreshToken("rt-2", "family-1", "session-1", live()),
			newRefreshToken("rt-3", "family-1", "session-2", live()),
			newRefreshToken("rt-4", "family-2", "session-1", live()),
			newRefreshToken("rt-5", "", "", live()),
			newRefreshToken("rt-6", "", "", live()),
		} {
			must(t, s.CreateRefreshToken(ctx, r), "CreateRefreshToken(%q)", r.Hash)
		}
		return s
	}
	tests := []struct {
		name   string
		delete func(s store.Store, t *testing.T) (int, error)
		n      int
		remain []string
	}{
		{"DeleteRefreshFamily", func(s store.Store, t *testing.T) (int, error) {
			return s.DeleteRefreshFamily(t.Context(), "family-1", live())
		}, 3, []string{"rt-4", "rt-5", "rt-6"}},
		{"DeleteRefreshFamily unknown", func(s store.Store, t *testing.T) (int, error) {
			return s.DeleteRefreshFamily(t.Context(), "family-9", live())
		}, 0, []string{"rt-1", "rt-2", "rt-3", "rt-4", "rt-5", "rt-6"}},
		{"DeleteRefreshFamily empty", func(s store.Store, t *testing.T) (int, error) {
			return s.DeleteRefreshFamily(t.Context(), "", live())
		}, 0, []string{"rt-1", "rt-2", "rt-3", "rt-4", "rt-5", "rt-6"}},
		{"DeleteRefreshTokensBySession", func(s store.Store, t *testing.T) (int, error) {
			return s.DeleteRefreshTokensBySession(t.Context(), "session-1")
		}, 3, []string{"rt-3", "rt-5", "rt-6"}},
		{"DeleteRefreshTokensBySession empty", func(s store.Store, t *testing.T) (int, error) {
			return s.DeleteRefreshTokensBySession(t.Context(), "")
		}, 0, []string{"rt-1", "rt-2", "rt-3", "rt-4", "rt-5", "rt-6"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, ctx := seed(t), t.Context()
			n, err := tc.delete(s, t)
			must(t, err, "%s", tc.name)
			if n != tc.n {
				t.Fatalf("%s = %d, want %d", tc.name, n, tc.n)
			}
			var remain []string
			for _, hash := range []string{"rt-1", "rt-2", "rt-3", "rt-4", "rt-5", "rt-6"} {
				_, err := s.UpdateRefreshToken(ctx, hash, func(*grant.RefreshToken) error { return nil })
				switch {
				case err == nil:
					remain = append(remain, hash)
				case !errors.Is(err, store.ErrNotFound):
					t.Fatalf("UpdateRefreshToken(%q) after %s = %v, want nil or ErrNotFound", hash, tc.name, err)
				}
			}
			mustSet(t, remain, tc.remain, "refresh tokens left after %s", tc.name)
			n, err = tc.delete(s, t)
			must(t, err, "%s again", tc.name)
			if n != 0 {
				t.Fatalf("%s again = %d, want 0", tc.name, n)
			}
		})
	}
}
