-- Staged samples of each tag inside its own [lo, hi), ascending per tag: the parts of a
-- recomputation the read does not bring. $1 tags, $2 lo, $3 hi (epoch ms, one per tag).
select s.tag, (extract(epoch from s.ts) * 1000)::float8 as ms, s.value
from unnest($1::text[], $2::float8[], $3::float8[]) as t(tag, lo, hi)
join historian_samples s
  on s.tag = t.tag and s.ts >= to_timestamp(t.lo / 1000) and s.ts < to_timestamp(t.hi / 1000)
order by s.tag, s.ts
