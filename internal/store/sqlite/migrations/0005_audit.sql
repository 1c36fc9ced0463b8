-- Schema version 5: the audit log (store.Audit).
--
-- Records are appended and never updated. seq orders records of the same
-- time by insertion; audit_targets indexes them by the objects they name,
-- for the admin centre's per-object history. Not directory data: writes
-- leave the directory version alone.
CREATE TABLE audit_records (
	seq       INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id TEXT NOT NULL,
	id        TEXT NOT NULL,
	at        BIGINT NOT NULL,
	doc       TEXT NOT NULL,
	UNIQUE (tenant_id, id)
);
CREATE INDEX audit_records_by_time ON audit_records (tenant_id, at, seq);

CREATE TABLE audit_targets (
	tenant_id TEXT NOT NULL,
	object_id TEXT NOT NULL,
	seq       INTEGER NOT NULL REFERENCES audit_records (seq) ON DELETE CASCADE,
	PRIMARY KEY (tenant_id, object_id, seq)
);
