-- 003: symcaches the server built (server/symcache_store.c), one per
-- artifact and symcache format version. The bytes are a blob like any
-- other, recorded in the row's transaction once complete, so a build that
-- died midway leaves at most a blob no row names (swept at start). A row
-- of another version than the server's is ignored; it goes with its
-- build's last artifact, as sources do.
CREATE TABLE symcaches (
  key         TEXT NOT NULL,     -- the artifact's identity
  kind        TEXT NOT NULL,     -- the artifact's kind: debuginfo | executable
  version     INTEGER NOT NULL,  -- nsym_symcache_version() of the builder
  sha256      TEXT NOT NULL REFERENCES blobs(sha256),
  created     INTEGER NOT NULL,  -- unix seconds
  PRIMARY KEY (key, kind, version)
);
CREATE INDEX symcaches_by_blob ON symcaches(sha256);
