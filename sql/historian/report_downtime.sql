-- OEE report: downtime events of the shift dates in the range (events without a shift: by their
-- start's date in the plant time zone). Rows of rejected batches are left out.
-- Used by load/staging/historian-load.ts.
-- $1 first date, $2 last date, $3 plant time zone
select d.asset, d.start_at, d.end_at, d.open, d.tag, d.state_code, d.loss_reason, d.minutes,
       d.shift_date::text as shift_date, d.shift, d.batch_id
from historian_downtime d
join batches b on b.id = d.batch_id
where coalesce(d.shift_date, (d.start_at at time zone $3::text)::date) between $1::date and $2::date
  and b.status <> 'rejected'
order by d.start_at, d.asset;
