-- The status page's OEE picture: per asset and week (Monday of the shift date) since $1,
-- availability = running / (running + down) and quality = good / (good + scrap), summed over the
-- week's shifts (null when the denominator is zero). Performance and OEE need the ideal rates of
-- the config: the caller computes them from the sums.
select asset,
       to_char(date_trunc('week', shift_date), 'YYYY-MM-DD') as week,
       sum(good)::float8 as good, sum(scrap)::float8 as scrap,
       sum(running_minutes)::float8 as running_minutes, sum(down_minutes)::float8 as down_minutes,
       sum(idle_minutes)::float8 as idle_minutes
from historian_shifts
where shift_date >= $1::date
group by asset, 2
order by asset, 2
