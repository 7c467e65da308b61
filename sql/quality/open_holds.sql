-- Open holds: applied or waiting hold events with no release or scrap applied, with their lots,
-- the quantity in quarantine, the value at the product's cost, and what they unreserved.
-- Used by load/quality/staging.ts (mfg-etl holds, the status page, the daily report).
-- $1 now
select e.id,
       e.nonconformance,
       e.status,
       e.event ->> 'product'   as product,
       e.event ->> 'warehouse' as warehouse,
       e.event ->> 'reason'    as reason,
       e.event -> 'lots'       as lots,
       e.received_at,
       e.applied_at,
       extract(epoch from ($1::timestamptz - e.received_at))::float8 as age_seconds,
       extract(epoch from (e.applied_at - e.received_at))::float8 * 1000 as latency_ms,
       coalesce(e.result -> 'unreserved', '[]'::jsonb) as blocked,
       coalesce(sum(l.quantity) filter (where l.closed_at is null), 0)::float8 as quantity,
       coalesce(sum(l.quantity * l.unit_cost) filter (where l.closed_at is null), 0)::float8 as value,
       e.error
from quality_events e
left join quality_hold_lines l on l.event_id = e.id
where e.action = 'hold'
  and not exists (
    select 1 from quality_events d
    where d.nonconformance = e.nonconformance and d.action in ('release', 'scrap') and d.status = 'applied'
  )
group by e.id
order by e.received_at, e.id;
