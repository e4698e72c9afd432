-- 002: source files uploaded for a build, served by the debuginfod API at
-- /buildid/ID/source/PATH. The path is stored canonical (dot segments
-- removed, "//" collapsed, as elfutils' server canonicalises), so a lookup
-- by the canonical form of what a client sends finds it. The bytes are a
-- blob like any other; a source shares it with every build that has the
-- same file.
CREATE TABLE sources (
  id          INTEGER PRIMARY KEY,
  build_id    TEXT NOT NULL,     -- lowercase hex, the key of an artifact
  path        TEXT NOT NULL,     -- canonical absolute path
  sha256      TEXT NOT NULL REFERENCES blobs(sha256),
  created     INTEGER NOT NULL,  -- unix seconds
  uploaded_by TEXT NOT NULL,     -- token name
  UNIQUE (build_id, path)
);
CREATE INDEX sources_by_blob ON sources(sha256);
