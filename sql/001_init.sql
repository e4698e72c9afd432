-- 001: blobs, artifacts and tokens.
-- A blob is a file in the store's blob folder, named by the SHA-256 of its
-- contents. An artifact is one identity under which a blob is served: one
-- file may be several (an unstripped ELF is both debuginfo and executable;
-- a universal Mach-O file has one UUID per architecture).
CREATE TABLE blobs (
  sha256  TEXT PRIMARY KEY,      -- lowercase hex
  size    INTEGER NOT NULL,
  created INTEGER NOT NULL       -- unix seconds
);

CREATE TABLE artifacts (
  id          INTEGER PRIMARY KEY,
  key         TEXT NOT NULL,     -- the identity, lowercase: build-id, fallback id,
                                 -- Mach-O UUID, PE code id, PDB GUID+age
  id_kind     TEXT NOT NULL,     -- build-id | fallback-id | macho-uuid | pe | pdb
  kind        TEXT NOT NULL,     -- debuginfo | executable
  format      TEXT NOT NULL,     -- elf | macho | pe | pdb
  arch        TEXT NOT NULL,
  name        TEXT NOT NULL,     -- file name given at upload, '' when none
  sha256      TEXT NOT NULL REFERENCES blobs(sha256),
  created     INTEGER NOT NULL,
  uploaded_by TEXT NOT NULL,     -- token name
  UNIQUE (key, kind)
);
CREATE INDEX artifacts_by_name ON artifacts(name);
CREATE INDEX artifacts_by_blob ON artifacts(sha256);

CREATE TABLE tokens (
  id      INTEGER PRIMARY KEY,
  name    TEXT NOT NULL UNIQUE,
  scope   TEXT NOT NULL CHECK (scope IN ('read', 'upload', 'admin')),
  hash    TEXT NOT NULL,         -- SHA-256 of the secret, hex
  created INTEGER NOT NULL,
  revoked INTEGER                -- unix seconds, NULL while valid
);
