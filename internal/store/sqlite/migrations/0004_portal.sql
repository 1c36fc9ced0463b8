-- Schema version 4: the cluster portal's state (store.Portal).
--
-- Pending sign-ins and sessions are security state like the grant tables:
-- keyed by the SHA-256 of the secret the browser holds, with expires_at
-- indexed for DeleteExpired. Settings are per user, keyed by the issuer and
-- subject of the user's ID token, and never expire. None of these are
-- directory objects: their writes leave the directory version alone.
CREATE TABLE portal_logins (
	state_hash TEXT NOT NULL PRIMARY KEY,
	expires_at BIGINT NOT NULL,
	doc        TEXT NOT NULL
);
CREATE INDEX portal_logins_by_expiry ON portal_logins (expires_at);

CREATE TABLE portal_sessions (
	hash       TEXT NOT NULL PRIMARY KEY,
	expires_at BIGINT NOT NULL,
	doc        TEXT NOT NULL
);
CREATE INDEX portal_sessions_by_expiry ON portal_sessions (expires_at);

CREATE TABLE portal_settings (
	issuer  TEXT NOT NULL,
	subject TEXT NOT NULL,
	doc     TEXT NOT NULL,
	PRIMARY KEY (issuer, subject)
);
