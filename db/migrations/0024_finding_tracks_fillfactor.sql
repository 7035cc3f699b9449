-- Every upload marks the track row of each finding it lists as seen again (last_seen_at, last_scan_id: no indexed
-- column). With room left on each page, PostgreSQL writes those new row versions on the same page without touching
-- the indexes (HOT updates): 100,000 of them took 0.30 s instead of 1.54 s (docs/performance.md, twelfth session).
-- Pages written from here on keep half their space free; existing pages get it as they are rewritten (VACUUM FULL
-- applies it at once).
ALTER TABLE "finding_tracks" SET (fillfactor = 50);
