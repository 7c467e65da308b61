-- OEE report: one row per (asset, shift) whose shift date is in the range, with the downtime
-- events that started inside the shift (events are split at shift boundaries). Rows of rejected
-- batches are left out. Used by load/staging/historian-load.ts.
-- $1 first shift date, $2 last shift date
select s.asset, s.shift_date::text as shift_date, s.shift, s.start_at, s.end_at, s.good, s.scrap,
       s.running_minutes, s.down_minutes, s.idle_minutes, s.complete, s.batch_id,
       (select count(*)
          from historian_downtime d
         where d.asset = s.asset and d.start_at >= s.start_at and d.start_at < s.end_at)::int as downtime_events
from historian_shifts s
join batches b on b.id = s.batch_id
where s.shift_date between $1::date and $2::date
  and b.status <> 'rejected'
order by s.shift_date, s.start_at, s.asset;
