-- Stages one chunk of samples newer than anything staged for their tags (see last_staged.sql):
-- a plain insert, without stage_samples.sql's conflict handling (about twice as fast). On
-- PostgreSQL such chunks go in by COPY instead (load/staging/historian.ts sampleStager); this is
-- the way on embedded PGlite, and for a sample COPY text cannot carry.
-- $1 tag numbers (1-based into $5), $2 times as epoch ms, $3 values, $4 batch id, $5 tag names.
-- The arrays are unnested in the select list (zipped, streamed) rather than in FROM, which would
-- materialise each of them first.
insert into historian_samples (tag, ts, value, batch_id)
select ($5::text[])[s.tag_no], to_timestamp(s.ms / 1000), s.value, $4::bigint
from (select unnest($1::int[]) as tag_no, unnest($2::float8[]) as ms, unnest($3::float8[]) as value) as s
