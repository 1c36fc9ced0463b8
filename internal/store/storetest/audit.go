package storetest

import (
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/store"
)

func newAuditRecord(tenantID, id string, at time.Time, targets ...string) *store.AuditRecord {
	r := &store.AuditRecord{TenantID: tenantID, ID: id, Time: at, Activity: "Update application",
		Operation: "PATCH /v1.0/applications/" + id, Result: "success", ActorID: "admin-1",
		ActorName: "adele@contoso.com", Via: "admin centre", Targets: []store.AuditTarget{}}
	for _, t := range targets {
		r.Targets = append(r.Targets, store.AuditTarget{ID: t, Type: "application", DisplayName: "app " + t})
	}
	return r
}

func auditRecordID(r *store.AuditRecord) string { return r.ID }

func testAuditRecords(t *testing.T, open opener) {
	t.Run("CreateList", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		got, err := s.ListAuditRecords(ctx, tenantA, "", 0)
		must(t, err, "ListAuditRecords() on an empty store")
		mustOrder(t, got, auditRecordID, []string{}, "ListAuditRecords() on an empty store")
		first := newAuditRecord(tenantA, "r1", created, "app-1", "policy-1")
		must(t, s.CreateAuditRecord(ctx, first), "CreateAuditRecord(%q)", "r1")
		// Same time as r1: the later Create comes first.
		must(t, s.CreateAuditRecord(ctx, newAuditRecord(tenantA, "r2", created, "app-2")), "CreateAuditRecord(%q)", "r2")
		must(t, s.CreateAuditRecord(ctx, newAuditRecord(tenantA, "r3", created.Add(time.Minute), "app-1")), "CreateAuditRecord(%q)", "r3")
		// Created last but older: ordered by time.
		must(t, s.CreateAuditRecord(ctx, newAuditRecord(tenantA, "r0", created.Add(-time.Minute), "app-1", "app-1")), "CreateAuditRecord(%q)", "r0")
		must(t, s.CreateAuditRecord(ctx, newAuditRecord(tenantB, "r9", created, "app-1")), "CreateAuditRecord(%q) in tenant B", "r9")

		all, err := s.ListAuditRecords(ctx, tenantA, "", 0)
		must(t, err, "ListAuditRecords(tenant A)")
		mustOrder(t, all, auditRecordID, []string{"r3", "r2", "r1", "r0"}, "ListAuditRecords(tenant A)")
		byApp, err := s.ListAuditRecords(ctx, tenantA, "app-1", 0)
		must(t, err, "ListAuditRecords(app-1)")
		mustOrder(t, byApp, auditRecordID, []string{"r3", "r1", "r0"}, "ListAuditRecords(app-1)")
		limited, err := s.ListAuditRecords(ctx, tenantA, "app-1", 2)
		must(t, err, "ListAuditRecords(app-1, limit 2)")
		mustOrder(t, limited, auditRecordID, []string{"r3", "r1"}, "ListAuditRecords(app-1, limit 2)")
		byPolicy, err := s.ListAuditRecords(ctx, tenantA, "policy-1", 0)
		must(t, err, "ListAuditRecords(policy-1)")
		mustOrder(t, byPolicy, auditRecordID, []string{"r1"}, "ListAuditRecords(policy-1)")
		mustEqual(t, byPolicy[0], first, "ListAuditRecords(policy-1) record")
		none, err := s.ListAuditRecords(ctx, tenantA, "unknown", 0)
		must(t, err, "ListAuditRecords(unknown)")
		mustOrder(t, none, auditRecordID, []string{}, "ListAuditRecords(unknown)")
		other, err := s.ListAuditRecords(ctx, tenantB, "", 0)
		must(t, err, "ListAuditRecords(tenant B)")
		mustIDs(t, other, auditRecordID, []string{"r9"}, "ListAuditRecords(tenant B)")
	})

	t.Run("Conflict", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateAuditRecord(ctx, newAuditRecord(tenantA, "r1", created, "app-1")), "CreateAuditRecord(%q)", "r1")
		mustErr(t, s.CreateAuditRecord(ctx, newAuditRecord(tenantA, "r1", created, "app-2")), store.ErrConflict, "CreateAuditRecord(%q) again", "r1")
		must(t, s.CreateAuditRecord(ctx, newAuditRecord(tenantB, "r1", created, "app-1")), "CreateAuditRecord(%q) in tenant B", "r1")
	})

	t.Run("NeverExpire", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateAuditRecord(ctx, newAuditRecord(tenantA, "r1", created, "app-1")), "CreateAuditRecord(%q)", "r1")
		_, err := s.DeleteExpired(ctx, created.AddDate(100, 0, 0))
		must(t, err, "DeleteExpired(+100y)")
		got, err := s.ListAuditRecords(ctx, tenantA, "app-1", 0)
		must(t, err, "ListAuditRecords(app-1) after DeleteExpired")
		mustOrder(t, got, auditRecordID, []string{"r1"}, "ListAuditRecords(app-1) after DeleteExpired")
	})

	t.Run("Copies", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		r := newAuditRecord(tenantA, "r1", created, "app-1")
		must(t, s.CreateAuditRecord(ctx, r), "CreateAuditRecord(%q)", "r1")
		r.Targets[0].DisplayName = "changed"
		got, err := s.ListAuditRecords(ctx, tenantA, "", 0)
		must(t, err, "ListAuditRecords()")
		mustEqual(t, got[0], newAuditRecord(tenantA, "r1", created, "app-1"), "ListAuditRecords() after mutating the created value")
	})
}
