-- Schema version 2: directory extension definitions, claims mapping and
-- token lifetime policies, and the policies' assignments.
--
-- These objects are listed in creation order, so each table has a seq
-- column that numbers its rows as they are inserted (SQLite's rowid; an
-- identity column in PostgreSQL). A new row always gets a number above every
-- live row's, so ORDER BY seq is creation order. The object's own key
-- (tenant_id, id) is a unique constraint beside it.

-- Entra treats extension names case-insensitively on write, so name is
-- stored lower-cased and unique in the tenant.
CREATE TABLE extension_properties (
	seq           INTEGER PRIMARY KEY,
	tenant_id     TEXT NOT NULL,
	id            TEXT NOT NULL,
	app_object_id TEXT NOT NULL,
	name          TEXT,
	doc           TEXT NOT NULL,
	UNIQUE (tenant_id, id),
	UNIQUE (tenant_id, name)
);
CREATE INDEX extension_properties_by_app ON extension_properties (tenant_id, app_object_id, seq);

-- kind is claimsMappingPolicy or tokenLifetimePolicy; it never changes.
CREATE TABLE policies (
	seq       INTEGER PRIMARY KEY,
	tenant_id TEXT NOT NULL,
	id        TEXT NOT NULL,
	kind      TEXT NOT NULL,
	doc       TEXT NOT NULL,
	UNIQUE (tenant_id, id)
);
CREATE INDEX policies_by_kind ON policies (tenant_id, kind, seq);

-- An object is an application or a service principal, so only the policy
-- side has a foreign key. kind is the policy's, copied for the filter.
CREATE TABLE policy_assignments (
	seq       INTEGER PRIMARY KEY,
	tenant_id TEXT NOT NULL,
	policy_id TEXT NOT NULL,
	object_id TEXT NOT NULL,
	kind      TEXT NOT NULL,
	doc       TEXT NOT NULL,
	UNIQUE (tenant_id, policy_id, object_id),
	FOREIGN KEY (tenant_id, policy_id) REFERENCES policies (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX policy_assignments_by_object ON policy_assignments (tenant_id, object_id, kind);
