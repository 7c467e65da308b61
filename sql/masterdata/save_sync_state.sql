-- Records what masterdata-sync staged for one Odoo model, in the transaction that staged it.
-- The watermark never moves back; last_full_at only moves on a complete read.
insert into md_sync_state as s (model, watermark, last_full_at, last_sync_at, last_run_id, last_stats)
values ($1::text, $2::timestamptz, case when $3::boolean then now() end, now(), $4::bigint, $5::jsonb)
on conflict (model) do update set
  watermark = greatest(s.watermark, excluded.watermark),
  last_full_at = coalesce(excluded.last_full_at, s.last_full_at),
  last_sync_at = excluded.last_sync_at,
  last_run_id = excluded.last_run_id,
  last_stats = excluded.last_stats;
