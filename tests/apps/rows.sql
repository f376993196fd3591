-- SQLite on keel: a database file on the writable file system, 10,000
-- rows inserted in one transaction, read back, changed in a transaction
-- that rolls back, reopened from the file, checked. Sent on the shell's
-- stdin; every query prints a
-- labelled line tests/guest/cases-apps.sh asserts.
.bail on
.open /rows.db
.headers off
.mode list
PRAGMA page_size = 4096;
CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT NOT NULL, value REAL, grp INTEGER, blob BLOB);

BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
INSERT INTO item(id, name, value, grp, blob)
	SELECT i, 'name-' || i, i * 0.5, i % 100, randomblob(64) FROM n;
COMMIT;
CREATE INDEX item_name ON item(name);
CREATE INDEX item_grp ON item(grp, value);

SELECT 'count', count(*) FROM item;
SELECT 'sum', sum(id), sum(value), total(grp) FROM item;
SELECT 'minmax', min(name), max(name), avg(value) FROM item;
SELECT 'lookup', id, value, grp FROM item WHERE name = 'name-4242';
EXPLAIN QUERY PLAN SELECT id FROM item WHERE name = 'name-4242';
SELECT 'group', grp, count(*), sum(value) FROM item WHERE grp IN (0, 42, 99) GROUP BY grp ORDER BY grp;
SELECT 'range', count(*) FROM item WHERE grp = 7 AND value BETWEEN 100 AND 2000;
SELECT 'blobs', count(*), sum(length(blob)), count(DISTINCT blob) FROM item;
SELECT 'like', count(*) FROM item WHERE name LIKE 'name-99%';
SELECT 'order', group_concat(id, ',') FROM (SELECT id FROM item ORDER BY value DESC LIMIT 3);
SELECT 'printf', printf('%.3f|%5d|%s', 2.0 / 3, 42, upper('keel'));

-- A transaction that changes every row and is rolled back (the
-- journal file is written and read back).
BEGIN;
UPDATE item SET value = -1;
DELETE FROM item WHERE id > 5000;
SELECT 'in-txn', count(*), sum(value) FROM item;
ROLLBACK;
SELECT 'rolled-back', count(*), sum(value) FROM item;

-- A committed change.
BEGIN;
DELETE FROM item WHERE grp = 13;
UPDATE item SET name = upper(name) WHERE id <= 10;
COMMIT;
SELECT 'committed', count(*), (SELECT name FROM item WHERE id = 3) FROM item;

-- Reopen the file: what was committed is there.
.open --readonly /rows.db
SELECT 'reopened', count(*), sum(id) FROM item;
SELECT 'pages', page_count * page_size > 10000 * 64, page_size FROM pragma_page_count, pragma_page_size;
PRAGMA integrity_check;
-- The file itself, through the shell's fileio functions.
SELECT 'file', name, length(readfile(name)) = (SELECT page_count * page_size FROM pragma_page_count, pragma_page_size)
	FROM fsdir('/rows.db');
SELECT 'root', group_concat(replace(name, '//', '/'), ' ') FROM (SELECT name FROM fsdir('/') WHERE name GLOB '*/rows.db*' ORDER BY name);
SELECT 'journal', * FROM pragma_journal_mode;
SELECT 'done';
