-- Each tag's latest staged sample time (epoch ms): a sample read after it cannot conflict with a
-- staged one, so it is inserted without the upsert's conflict check. $1 tags.
select t.tag, (extract(epoch from l.ts) * 1000)::float8 as ms
from unnest($1::text[]) as t(tag)
cross join lateral (select s.ts from historian_samples s where s.tag = t.tag order by s.ts desc limit 1) l
