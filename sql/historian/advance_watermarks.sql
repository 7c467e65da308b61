-- Moves each tag's watermark forward to what this batch staged; never backwards (a backfill of an
-- older window leaves it where it is). $1 tags, $2 new watermarks (epoch ms), $3 batch id.
insert into historian_watermarks as w (tag, watermark, batch_id, updated_at)
select t.tag, to_timestamp(t.ms / 1000), $3::bigint, now()
from unnest($1::text[], $2::float8[]) as t(tag, ms)
on conflict (tag) do update set watermark = excluded.watermark, batch_id = excluded.batch_id, updated_at = now()
where w.watermark < excluded.watermark
