-- Each tag's last staged sample before $2 (epoch ms): a state holds from it, a counter counts from it.
-- $1 tags.
select t.tag, (extract(epoch from b.ts) * 1000)::float8 as ms, b.value
from unnest($1::text[]) as t(tag)
cross join lateral (
  select s.ts, s.value from historian_samples s
  where s.tag = t.tag and s.ts < to_timestamp($2::float8 / 1000)
  order by s.ts desc limit 1
) b
