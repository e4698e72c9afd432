-- 003: the npm package an artifact came in, as sql/004_package.sql holds
-- it for the embedded store: name and version, NULL for rows uploaded
-- before or without one. Adding nullable columns without a default
-- rewrites no row, so it is quick on a large table.
ALTER TABLE artifacts ADD COLUMN package_name text;     -- e.g. @scope/pkg-linux-x64-gnu
ALTER TABLE artifacts ADD COLUMN package_version text;  -- e.g. 0.1.65
CREATE INDEX artifacts_by_package ON artifacts (package_name, package_version);
