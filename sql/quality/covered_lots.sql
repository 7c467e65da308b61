-- Lots (by name, of one product and warehouse) that open holds of other nonconformances cover:
-- a release leaves them in quarantine. Used by load/quality/staging.ts.
-- $1 nonconformance being released, $2 product code, $3 warehouse code
select distinct lot.value as lot
from quality_events e
cross join lateral jsonb_array_elements_text(e.event -> 'lots') as lot(value)
where e.action = 'hold'
  and e.nonconformance <> $1::text
  and e.event ->> 'product' = $2::text
  and e.event ->> 'warehouse' = $3::text
  and not exists (
    select 1 from quality_events d
    where d.nonconformance = e.nonconformance and d.action in ('release', 'scrap')
  );
