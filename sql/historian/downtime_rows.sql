-- historian-load: closed downtime events whose batch passed approval (an open event is still
-- going on at the window's end; the next extract closes it). Used by load/staging/historian-load.ts.
-- $1 batch statuses
select d.asset, d.start_at, d.end_at, d.tag, d.state_code, d.loss_reason, d.minutes,
       d.shift_date::text as shift_date, d.shift, d.batch_id
from historian_downtime d
join batches b on b.id = d.batch_id
where not d.open
  and b.kind = 'historian'
  and b.status = any ($1::text[])
order by d.asset, d.start_at;
