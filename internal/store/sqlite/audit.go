package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/gatehouse-id/gatehouse/internal/store"
)

// The audit log (store.Audit): appended, never updated, not directory data.

// CreateAuditRecord appends an audit record and indexes it by its targets.
func (s *Store) CreateAuditRecord(ctx context.Context, r *store.AuditRecord) error {
	doc, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("create audit record: encode document: %w", err)
	}
	err = s.write(ctx, otherData, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO audit_records (tenant_id, id, at, doc) VALUES (?, ?, ?, ?)`,
			r.TenantID, r.ID, r.Time.UnixMicro(), string(doc))
		if err != nil {
			return conflict(err)
		}
		seq, err := res.LastInsertId()
		if err != nil {
			return err
		}
		for _, t := range r.Targets {
			if t.ID == "" {
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO audit_targets (tenant_id, object_id, seq) VALUES (?, ?, ?)`,
				r.TenantID, t.ID, seq); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("create audit record: %w", err)
	}
	return nil
}

// ListAuditRecords lists a tenant's audit records newest first, all of them
// or those naming objectID.
func (s *Store) ListAuditRecords(ctx context.Context, tenantID, objectID string, limit int) ([]*store.AuditRecord, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	var (
		out []*store.AuditRecord
		err error
	)
	if objectID == "" {
		out, err = listDocs[store.AuditRecord](ctx, s.db, `SELECT doc FROM audit_records WHERE tenant_id = ?
			ORDER BY at DESC, seq DESC LIMIT ?`, tenantID, limit)
	} else {
		out, err = listDocs[store.AuditRecord](ctx, s.db, `SELECT r.doc FROM audit_targets t
			JOIN audit_records r ON r.seq = t.seq
			WHERE t.tenant_id = ? AND t.object_id = ? ORDER BY r.at DESC, r.seq DESC LIMIT ?`, tenantID, objectID, limit)
	}
	if err != nil {
		return nil, fmt.Errorf("list audit records: %w", err)
	}
	return out, nil
}
