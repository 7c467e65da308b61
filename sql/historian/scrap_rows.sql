-- historian-load: scrap per (asset, product, shift) of complete shifts whose batch passed
-- approval. Used by load/staging/historian-load.ts.
-- $1 batch statuses
select s.asset, s.product, s.shift_date::text as shift_date, s.shift, s.start_at, s.end_at, s.quantity, s.batch_id
from historian_scrap s
join batches b on b.id = s.batch_id
where s.complete
  and b.kind = 'historian'
  and b.status = any ($1::text[])
order by s.shift_date, s.start_at, s.asset, s.product;
