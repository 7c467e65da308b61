-- Stages a quality event once per (nonconformance, action): answers the new row's id, or nothing
-- when the key exists (the caller then compares content hashes). Used by load/quality/staging.ts.
-- $1 nonconformance, $2 action, $3 content hash, $4 event json, $5 source, $6 batch id, $7 received at,
-- $8 file line numbers (lineage; null over HTTP), $9 their places in the file ("12", "Sheet1!12")
insert into quality_events (nonconformance, action, content_hash, event, source, batch_id, received_at, source_lines, source_refs)
values ($1::text, $2::text, $3::text, $4::jsonb, $5::text, $6::bigint, $7::timestamptz, $8::integer[], $9::text[])
on conflict (nonconformance, action) do nothing
returning id;
