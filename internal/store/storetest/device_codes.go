package storetest

import (
	"testing"

	"github.com/gatehouse-id/gatehouse/internal/grant"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

func testDeviceCodes(t *testing.T, open opener) {
	t.Run("ApproveByUserCode", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		exp := live()
		must(t, s.CreateDeviceCode(ctx, newDeviceCode("dc-1", "BCDF-GHJK", exp)), "CreateDeviceCode(%q)", "dc-1")
		want := newDeviceCode("dc-1", "BCDF-GHJK", exp)
		want.Status, want.UserID, want.AuthTime = grant.DeviceApproved, "u1", created
		got, err := s.UpdateDeviceCodeByUserCode(ctx, "BCDF-GHJK", func(d *grant.DeviceCode) error {
			d.Status, d.UserID, d.AuthTime = grant.DeviceApproved, "u1", created
			return nil
		})
		must(t, err, "UpdateDeviceCodeByUserCode(%q)", "BCDF-GHJK")
		mustEqual(t, got, want, "UpdateDeviceCodeByUserCode(%q)", "BCDF-GHJK")
		// The polling client sees the approval through the device code.
		got, err = s.UpdateDeviceCode(ctx, "dc-1", func(d *grant.DeviceCode) error {
			d.LastPolledAt = created
			return nil
		})
		must(t, err, "UpdateDeviceCode(%q)", "dc-1")
		want.LastPolledAt = created
		mustEqual(t, got, want, "UpdateDeviceCode(%q)", "dc-1")
	})

	t.Run("Conflict", func(t *testing.T) {
		tests := []struct {
			name   string
			second *grant.DeviceCode
		}{
			{"same hash", newDeviceCode("dc-1", "LMNP-QRST", live())},
			{"same user code", newDeviceCode("dc-2", "BCDF-GHJK", live())},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				s, ctx := open(t), t.Context()
				must(t, s.CreateDeviceCode(ctx, newDeviceCode("dc-1", "BCDF-GHJK", live())), "CreateDeviceCode(%q)", "dc-1")
				mustErr(t, s.CreateDeviceCode(ctx, tc.second), store.ErrConflict, "CreateDeviceCode(%q, %q)", tc.second.Hash, tc.second.UserCode)
				got, err := s.UpdateDeviceCodeByUserCode(ctx, "BCDF-GHJK", func(*grant.DeviceCode) error { return nil })
				must(t, err, "UpdateDeviceCodeByUserCode(%q)", "BCDF-GHJK")
				if got.Hash != "dc-1" {
					t.Fatalf("UpdateDeviceCodeByUserCode(%q).Hash = %q after the conflict, want %q", "BCDF-GHJK", got.Hash, "dc-1")
				}
			})
		}
	})

	t.Run("UnknownUserCode", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateDeviceCode(ctx, newDeviceCode("dc-1", "BCDF-GHJK", live())), "CreateDeviceCode(%q)", "dc-1")
		for _, code := range []string{"LMNP-QRST", ""} {
			_, err := s.UpdateDeviceCodeByUserCode(ctx, code, func(*grant.DeviceCode) error { return nil })
			mustErr(t, err, store.ErrNotFound, "UpdateDeviceCodeByUserCode(%q)", code)
		}
	})

	t.Run("Expired", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateDeviceCode(ctx, newDeviceCode("dc-1", "BCDF-GHJK", expired())), "CreateDeviceCode(%q) expired", "dc-1")
		_, err := s.UpdateDeviceCode(ctx, "dc-1", func(*grant.DeviceCode) error { return nil })
		mustErr(t, err, store.ErrNotFound, "UpdateDeviceCode(%q) of an expired code", "dc-1")
		_, err = s.UpdateDeviceCodeByUserCode(ctx, "BCDF-GHJK", func(*grant.DeviceCode) error { return nil })
		mustErr(t, err, store.ErrNotFound, "UpdateDeviceCodeByUserCode(%q) of an expired code", "BCDF-GHJK")
	})

	// User codes are short and typed by people; an expired one must not
	// block a new code until garbage collection runs.
	t.Run("ExpiredUserCodeReused", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateDeviceCode(ctx, newDeviceCode("dc-1", "BCDF-GHJK", expired())), "CreateDeviceCode(%q) expired", "dc-1")
		must(t, s.CreateDeviceCode(ctx, newDeviceCode("dc-2", "BCDF-GHJK", live())), "CreateDeviceCode(%q) with the expired code's user code", "dc-2")
		got, err := s.UpdateDeviceCodeByUserCode(ctx, "BCDF-GHJK", func(*grant.DeviceCode) error { return nil })
		must(t, err, "UpdateDeviceCodeByUserCode(%q)", "BCDF-GHJK")
		if got.Hash != "dc-2" {
			t.Fatalf("UpdateDeviceCodeByUserCode(%q).Hash = %q, want the live code %q", "BCDF-GHJK", got.Hash, "dc-2")
		}
	})
}
