-- Stages one chunk of good samples read from the historian; a sample already staged at the same
-- (tag, ts) takes the value read now (late corrections) and the batch that read it.
-- $1 tag numbers (1-based into $5), $2 times as epoch ms, $3 values, $4 batch id, $5 tag names.
-- No (tag, ts) twice in one chunk. Arrays unnested in the select list, as in insert_samples.sql.
insert into historian_samples (tag, ts, value, batch_id)
select ($5::text[])[s.tag_no], to_timestamp(s.ms / 1000), s.value, $4::bigint
from (select unnest($1::int[]) as tag_no, unnest($2::float8[]) as ms, unnest($3::float8[]) as value) as s
on conflict (tag, ts) do update set value = excluded.value, batch_id = excluded.batch_id
