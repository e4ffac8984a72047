-- The case list at office scale (100,000 cases and more): keyset paging,
-- newest first by (created_at, id), with filters by state, path (申請区分),
-- application date, reference prefix and the cardholder's reading, and a
-- total for the filters. See crates/store/src/case_list.rs.

-- The cardholder's reading (フリガナ), copied out of `parties` whenever the
-- case is written, in the form the search compares: katakana without
-- spaces or middle dots (hiragana iteration marks as katakana). Personal
-- data: the purge empties it together with `parties`, so a purged case
-- (parties NULL) gets none here either.
ALTER TABLE cases ADD COLUMN cardholder_kana TEXT;

UPDATE cases
SET cardholder_kana = replace(replace(replace(replace(
        json_extract(parties, '$.cardholder.name.kana'),
        '　', ''), '・', ''), 'ゝ', 'ヽ'), 'ゞ', 'ヾ')
WHERE parties IS NOT NULL;

-- The list's order and cursor, `(created_at, id) < (?, ?)`, and the
-- application-date range walk `cases_list`; the state and path filters walk
-- their own index in the same order, so no filtered page needs a sort. Every
-- other column a filter reads rides along at the end of each index, so the
-- reference prefix, the reading and a second filter are checked on index
-- entries alone and only the rows of the page itself are read from the table
-- (a page of a search that matches little walks some megabytes of index, not
-- the whole table with its JSON). `cases_list_state` also carries the
-- deadline for the overdue and due-this-week filters, and makes the
-- one-column `cases_state` redundant.
CREATE INDEX cases_list ON cases (created_at, id, state, path, reference, cardholder_kana);
CREATE INDEX cases_list_state
    ON cases (state, created_at, id, path, reference, cardholder_kana, deadline);
CREATE INDEX cases_list_path ON cases (path, created_at, id, state, reference, cardholder_kana);
DROP INDEX cases_state;
