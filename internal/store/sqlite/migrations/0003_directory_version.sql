-- Schema version 3: the directory version.
--
-- One row holding a counter that every directory write increments in its
-- own transaction (store.Directory.DirectoryVersion). Caches of directory
-- reads (store/cache) read it every few hundred milliseconds to notice
-- writes made by other processes sharing this database. Writes of security
-- state and signing keys leave it alone: they are never cached.
CREATE TABLE directory_version (
	id      INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
	version BIGINT NOT NULL
);
INSERT INTO directory_version (id, version) VALUES (1, 0);
