-- Lineage of one Odoo record: every ledger row that wrote it, newest first, with the batch that
-- wrote it and its approval, the file (the source batch: the written one, or the cost update
-- batch a rollup price came from) with the line(s) and their place in the file, and the run.
-- Used by load/odoo-ledger/lineage.ts.
-- $1 odoo model, $2 odoo record id, $3 most lines listed per write
select l.id as ledger_id, l.odoo_model, l.odoo_id, l.business_key, l.external_id, l.operation, l.loaded_at,
       l.source_lines, cardinality(l.source_lines) as line_count,
       b.id as batch_id, b.kind as batch_kind, b.scope as batch_scope, b.version as batch_version,
       b.status as batch_status, b.source as batch_source, b.source_sha256 as batch_sha256,
       b.approved_at, b.approved_by, b.approval_comment, b.stats->>'fileName' as batch_file_name,
       sb.id as source_batch_id, sb.kind as source_kind, sb.source as source_path, sb.source_sha256 as source_sha256,
       sb.approved_at as source_approved_at, sb.approved_by as source_approved_by,
       sb.approval_comment as source_approval_comment, sb.stats->>'fileName' as source_file_name,
       r.id as run_id, r.job as run_job, r.trigger as run_trigger, r.status as run_status,
       r.started_at as run_started_at, r.finished_at as run_finished_at, r.host as run_host, r.attempt as run_attempt,
       (select coalesce(json_agg(json_build_object('line', s.line_no, 'ref', s.source_ref) order by s.line_no), '[]'::json)
        from lineage_staged_lines s
        where s.batch_id = l.source_batch_id
          and s.line_no = any (l.source_lines[1:$3::int])) as refs
from load_ledger l
left join batches b on b.id = l.batch_id
left join batches sb on sb.id = l.source_batch_id
left join job_runs r on r.id = l.run_id
where l.odoo_model = $1::text
  and l.odoo_id = $2::bigint
order by l.id desc;
