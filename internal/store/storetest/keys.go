package storetest

import (
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/store"
)

func signingKeyID(k *store.SigningKey) string { return k.KID }

func testSigningKeys(t *testing.T, open opener) {
	t.Run("CreateList", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		got, err := s.ListSigningKeys(ctx)
		must(t, err, "ListSigningKeys() on an empty store")
		if len(got) != 0 {
			t.Fatalf("ListSigningKeys() on an empty store returned %d keys, want 0", len(got))
		}
		must(t, s.CreateSigningKey(ctx, newSigningKey("kid-1", store.KeyActive, created)), "CreateSigningKey(%q)", "kid-1")
		must(t, s.CreateSigningKey(ctx, newSigningKey("kid-2", store.KeyNext, created.Add(time.Hour))), "CreateSigningKey(%q)", "kid-2")
		got, err = s.ListSigningKeys(ctx)
		must(t, err, "ListSigningKeys()")
		mustIDs(t, got, signingKeyID, []string{"kid-1", "kid-2"}, "ListSigningKeys()")
		for _, k := range got {
			want := newSigningKey("kid-1", store.KeyActive, created)
			if k.KID == "kid-2" {
				want = newSigningKey("kid-2", store.KeyNext, created.Add(time.Hour))
			}
			mustEqual(t, k, want, "ListSigningKeys() key %q", k.KID)
		}
	})

	t.Run("Conflict", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateSigningKey(ctx, newSigningKey("kid-1", store.KeyActive, created)), "CreateSigningKey(%q)", "kid-1")
		mustErr(t, s.CreateSigningKey(ctx, newSigningKey("kid-1", store.KeyNext, created)), store.ErrConflict, "CreateSigningKey(%q) again", "kid-1")
	})

	t.Run("Rotate", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateSigningKey(ctx, newSigningKey("kid-1", store.KeyActive, created)), "CreateSigningKey(%q)", "kid-1")
		retireAfter := created.AddDate(0, 0, 14)
		got, err := s.UpdateSigningKey(ctx, "kid-1", func(k *store.SigningKey) error {
			k.State, k.RetireAfter = store.KeyRetired, retireAfter
			return nil
		})
		must(t, err, "UpdateSigningKey(%q)", "kid-1")
		want := newSigningKey("kid-1", store.KeyRetired, created)
		want.RetireAfter = retireAfter
		mustEqual(t, got, want, "UpdateSigningKey(%q)", "kid-1")
		stored, err := only(s.ListSigningKeys(ctx))
		must(t, err, "ListSigningKeys()")
		mustEqual(t, stored, want, "ListSigningKeys() after the update")
	})

	t.Run("Delete", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateSigningKey(ctx, newSigningKey("kid-1", store.KeyRetired, created)), "CreateSigningKey(%q)", "kid-1")
		must(t, s.CreateSigningKey(ctx, newSigningKey("kid-2", store.KeyActive, created)), "CreateSigningKey(%q)", "kid-2")
		must(t, s.DeleteSigningKey(ctx, "kid-1"), "DeleteSigningKey(%q)", "kid-1")
		got, err := s.ListSigningKeys(ctx)
		must(t, err, "ListSigningKeys()")
		mustIDs(t, got, signingKeyID, []string{"kid-2"}, "ListSigningKeys() after the delete")
		mustErr(t, s.DeleteSigningKey(ctx, "kid-1"), store.ErrNotFound, "DeleteSigningKey(%q) again", "kid-1")
	})
}
