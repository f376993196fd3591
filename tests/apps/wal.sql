-- SQLite's write-ahead log on keel, in exclusive locking mode (the
-- wal-index then lives in the heap: keel has no shared file mappings
-- yet, and WAL's usual -shm mapping fails with "disk I/O error").
-- 10,000 rows in a transaction go to the -wal file, a checkpoint moves
-- them into the database, the log is dropped (back to a rollback
-- journal) and the file reopened. Labelled lines for
-- tests/guest/cases-apps.sh.
.bail on
.open /wal.db
PRAGMA locking_mode = EXCLUSIVE;
PRAGMA journal_mode = WAL;
CREATE TABLE kv(k INTEGER PRIMARY KEY, v TEXT);
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
INSERT INTO kv SELECT i, hex(randomblob(16)) FROM n;
COMMIT;
SELECT 'wal-file', length(readfile('/wal.db-wal')) > 10000 * 32;
SELECT 'count', count(*), sum(k), count(DISTINCT v), max(length(v)) FROM kv;
UPDATE kv SET v = 'x' WHERE k % 2 = 0;
SELECT 'updated', count(*) FROM kv WHERE v = 'x';
PRAGMA wal_checkpoint(TRUNCATE);
SELECT 'wal-after', length(readfile('/wal.db-wal'));
PRAGMA journal_mode = DELETE;
SELECT 'files', group_concat(replace(name, '//', '/'), ' ') FROM (SELECT name FROM fsdir('/') WHERE name GLOB '*/wal.db*' ORDER BY name);
.open /wal.db
SELECT 'reopened', count(*), sum(k), (SELECT count(*) FROM kv WHERE v = 'x') FROM kv;
PRAGMA integrity_check;
SELECT 'done';
