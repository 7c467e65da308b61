-- The read position of each of the tags $1 that has one (epoch ms).
select tag, (extract(epoch from watermark) * 1000)::float8 as ms
from historian_watermarks
where tag = any($1::text[])
