-- Schema version 1.
--
-- Every object is a JSON document (the encoding/json form of its Go type) in
-- doc. The other columns are copied out of the document on each write,
-- because lookups and unique constraints need them. Secondary keys that are
-- empty in the document are NULL, so they never collide. Case-insensitive
-- keys (tenant domain, userPrincipalName) are stored lower-cased. Times are
-- Unix microseconds, the precision PostgreSQL keeps.

CREATE TABLE tenants (
	id     TEXT NOT NULL PRIMARY KEY,
	domain TEXT UNIQUE,
	doc    TEXT NOT NULL
);

-- appId is unique within a tenant, like the service principal's.
CREATE TABLE applications (
	tenant_id TEXT NOT NULL,
	id        TEXT NOT NULL,
	app_id    TEXT,
	doc       TEXT NOT NULL,
	PRIMARY KEY (tenant_id, id),
	UNIQUE (tenant_id, app_id)
);

-- Entra: a tenant holds at most one service principal per application.
CREATE TABLE service_principals (
	tenant_id TEXT NOT NULL,
	id        TEXT NOT NULL,
	app_id    TEXT,
	doc       TEXT NOT NULL,
	PRIMARY KEY (tenant_id, id),
	UNIQUE (tenant_id, app_id)
);

CREATE TABLE users (
	tenant_id TEXT NOT NULL,
	id        TEXT NOT NULL,
	upn       TEXT,
	doc       TEXT NOT NULL,
	PRIMARY KEY (tenant_id, id),
	UNIQUE (tenant_id, upn)
);

CREATE TABLE groups (
	tenant_id TEXT NOT NULL,
	id        TEXT NOT NULL,
	doc       TEXT NOT NULL,
	PRIMARY KEY (tenant_id, id)
);

-- A member is any directory object id (user, group, service principal), so
-- only the group side has a foreign key.
CREATE TABLE group_members (
	tenant_id TEXT NOT NULL,
	group_id  TEXT NOT NULL,
	member_id TEXT NOT NULL,
	PRIMARY KEY (tenant_id, group_id, member_id),
	FOREIGN KEY (tenant_id, group_id) REFERENCES groups (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX group_members_by_member ON group_members (tenant_id, member_id);

-- The unique key doubles as the index for listing by principal.
CREATE TABLE app_role_assignments (
	tenant_id    TEXT NOT NULL,
	id           TEXT NOT NULL,
	principal_id TEXT NOT NULL,
	resource_id  TEXT NOT NULL,
	app_role_id  TEXT NOT NULL,
	doc          TEXT NOT NULL,
	PRIMARY KEY (tenant_id, id),
	UNIQUE (tenant_id, principal_id, resource_id, app_role_id)
);
CREATE INDEX app_role_assignments_by_resource ON app_role_assignments (tenant_id, resource_id);

-- Security state. Every table has expires_at, indexed for DeleteExpired.

CREATE TABLE auth_requests (
	id         TEXT NOT NULL PRIMARY KEY,
	expires_at BIGINT NOT NULL,
	doc        TEXT NOT NULL
);
CREATE INDEX auth_requests_by_expiry ON auth_requests (expires_at);

CREATE TABLE auth_codes (
	hash       TEXT NOT NULL PRIMARY KEY,
	expires_at BIGINT NOT NULL,
	doc        TEXT NOT NULL
);
CREATE INDEX auth_codes_by_expiry ON auth_codes (expires_at);

CREATE TABLE refresh_tokens (
	hash       TEXT NOT NULL PRIMARY KEY,
	family_id  TEXT,
	session_id TEXT,
	expires_at BIGINT NOT NULL,
	doc        TEXT NOT NULL
);
CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_by_session ON refresh_tokens (session_id);
CREATE INDEX refresh_tokens_by_expiry ON refresh_tokens (expires_at);

CREATE TABLE device_codes (
	hash       TEXT NOT NULL PRIMARY KEY,
	user_code  TEXT UNIQUE,
	expires_at BIGINT NOT NULL,
	doc        TEXT NOT NULL
);
CREATE INDEX device_codes_by_expiry ON device_codes (expires_at);

CREATE TABLE sessions (
	hash       TEXT NOT NULL PRIMARY KEY,
	expires_at BIGINT NOT NULL,
	doc        TEXT NOT NULL
);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

CREATE TABLE signing_keys (
	kid        TEXT NOT NULL PRIMARY KEY,
	created_at BIGINT NOT NULL,
	doc        TEXT NOT NULL
);
