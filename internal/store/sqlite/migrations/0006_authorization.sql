-- Schema version 6: authorization as data (security review F1, F2, F6, F10).
--
-- resource_names: every identifier URI of an application and every
-- servicePrincipalName of a service principal, normalized (lower case, no
-- trailing slash), owned by one appId. The primary key makes a name belong
-- to one application per tenant, so a second app cannot squat another's
-- App ID URI, and resolving a resource is one indexed lookup. Rows are
-- rewritten for an appId on every write of its application or service
-- principal, inside that write's transaction. Names that existing data
-- already shares are kept by the first owner found.
CREATE TABLE resource_names (
	tenant_id TEXT NOT NULL,
	name      TEXT NOT NULL,
	app_id    TEXT NOT NULL,
	PRIMARY KEY (tenant_id, name)
);
CREATE INDEX resource_names_by_app ON resource_names (tenant_id, app_id);

INSERT OR IGNORE INTO resource_names (tenant_id, name, app_id)
	SELECT a.tenant_id, rtrim(lower(trim(u.value)), '/'), a.app_id
	FROM applications a, json_each(a.doc, '$.identifierUris') u
	WHERE a.app_id IS NOT NULL AND json_type(a.doc, '$.identifierUris') = 'array' AND rtrim(lower(trim(u.value)), '/') <> '';
INSERT OR IGNORE INTO resource_names (tenant_id, name, app_id)
	SELECT sp.tenant_id, rtrim(lower(trim(n.value)), '/'), sp.app_id
	FROM service_principals sp, json_each(sp.doc, '$.servicePrincipalNames') n
	WHERE sp.app_id IS NOT NULL AND json_type(sp.doc, '$.servicePrincipalNames') = 'array' AND rtrim(lower(trim(n.value)), '/') <> '';

-- mail is unique per tenant (case-insensitive), so an email claim names one
-- user. Where existing data shares a mail, the user with the lowest id
-- keeps it indexed; the others must be given another mail to be updated.
ALTER TABLE users ADD COLUMN mail TEXT;
UPDATE users SET mail = lower(json_extract(doc, '$.mail'))
	WHERE json_extract(doc, '$.mail') IS NOT NULL AND json_extract(doc, '$.mail') <> ''
	AND id = (SELECT MIN(u2.id) FROM users u2 WHERE u2.tenant_id = users.tenant_id
		AND lower(json_extract(u2.doc, '$.mail')) = lower(json_extract(users.doc, '$.mail')));
CREATE UNIQUE INDEX users_by_mail ON users (tenant_id, mail);

-- Delegated permission grants (Graph oAuth2PermissionGrant). principal_key
-- is the principal for Principal grants and '' for AllPrincipals, so the
-- unique key also holds for admin consent.
CREATE TABLE permission_grants (
	tenant_id     TEXT NOT NULL,
	id            TEXT NOT NULL,
	client_id     TEXT NOT NULL,
	consent_type  TEXT NOT NULL,
	principal_key TEXT NOT NULL,
	resource_id   TEXT NOT NULL,
	doc           TEXT NOT NULL,
	PRIMARY KEY (tenant_id, id),
	UNIQUE (tenant_id, client_id, consent_type, principal_key, resource_id)
);
CREATE INDEX permission_grants_by_resource ON permission_grants (tenant_id, resource_id);
CREATE INDEX permission_grants_by_principal ON permission_grants (tenant_id, principal_key);

-- Directory role assignments (Graph unifiedRoleAssignment).
CREATE TABLE role_assignments (
	tenant_id          TEXT NOT NULL,
	id                 TEXT NOT NULL,
	principal_id       TEXT NOT NULL,
	role_definition_id TEXT NOT NULL,
	directory_scope_id TEXT NOT NULL,
	doc                TEXT NOT NULL,
	PRIMARY KEY (tenant_id, id),
	UNIQUE (tenant_id, principal_id, role_definition_id, directory_scope_id)
);
CREATE INDEX role_assignments_by_role ON role_assignments (tenant_id, role_definition_id);

-- Users' directoryRoles become role assignments. MATERIALIZED evaluates
-- each new id once, though it is used twice.
WITH roles AS MATERIALIZED (
	SELECT u.tenant_id AS tenant_id, u.id AS user_id, lower(r.value) AS role,
		json_extract(u.doc, '$.createdDateTime') AS created,
		lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-8'
			|| substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))) AS id
	FROM users u, json_each(u.doc, '$.directoryRoles') r
	WHERE json_type(u.doc, '$.directoryRoles') = 'array'
)
INSERT OR IGNORE INTO role_assignments (tenant_id, id, principal_id, role_definition_id, directory_scope_id, doc)
	SELECT tenant_id, id, user_id, role, '/',
		json_object('tenantId', tenant_id, 'id', id, 'roleDefinitionId', role, 'principalId', user_id,
			'principalType', 'User', 'directoryScopeId', '/', 'createdDateTime', created)
	FROM roles;
UPDATE users SET doc = json_remove(doc, '$.directoryRoles') WHERE json_type(doc, '$.directoryRoles') IS NOT NULL;

-- Refresh token families revoked after a code was redeemed twice: an
-- insert into one fails (store.ErrRevoked), so the first redemption's
-- token cannot outlive the revocation however the two race.
CREATE TABLE revoked_refresh_families (
	family_id  TEXT NOT NULL PRIMARY KEY,
	expires_at BIGINT NOT NULL
);
CREATE INDEX revoked_refresh_families_by_expiry ON revoked_refresh_families (expires_at);
