-- 002: symcaches the servers built, as sql/003_symcaches.sql holds them for
-- the embedded store: one per artifact (key, kind) and symcache format
-- version, its bytes a blob whose row comes in the symcache row's
-- transaction after the object is in place. Every server sharing the
-- store answers from the symcache any of them built.
CREATE TABLE symcaches (
  key         text NOT NULL,      -- the artifact's identity
  kind        text NOT NULL,      -- debuginfo | executable
  version     integer NOT NULL,   -- nsym_symcache_version() of the builder
  sha256      text NOT NULL REFERENCES blobs (sha256),
  created     bigint NOT NULL,
  PRIMARY KEY (key, kind, version)
);
CREATE INDEX symcaches_by_blob ON symcaches (sha256);
