-- OEE report: scrap rows of the shift dates in the range. Rows of rejected batches are left out.
-- Used by load/staging/historian-load.ts.
-- $1 first shift date, $2 last shift date
select s.asset, s.product, s.shift_date::text as shift_date, s.shift, s.start_at, s.end_at, s.quantity, s.complete, s.batch_id
from historian_scrap s
join batches b on b.id = s.batch_id
where s.shift_date between $1::date and $2::date
  and b.status <> 'rejected'
order by s.shift_date, s.start_at, s.asset, s.product;
