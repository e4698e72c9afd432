-- 004: the npm package an artifact came in, when the upload said
-- (`upload --package`, or the package.json above the file): its name and
-- version, split so that a search by name alone uses the index. Rows
-- uploaded before, or without a package, have NULL in both.
ALTER TABLE artifacts ADD COLUMN package_name TEXT;     -- e.g. @scope/pkg-linux-x64-gnu
ALTER TABLE artifacts ADD COLUMN package_version TEXT;  -- e.g. 0.1.65
CREATE INDEX artifacts_by_package ON artifacts(package_name, package_version);
