-- The batches made from one file, found by its sha256 (64 hex digits) or by its path as the
-- inbox recorded it (batches.source: the full path, or the file name), newest first.
-- Used by load/odoo-ledger/lineage.ts.
-- $1 sha256 (lower case) or null, $2 path or null, $3 file name (last part of the path) or null
select b.id, b.kind, b.scope, b.version, b.status, b.source, b.source_sha256, b.created_at, b.created_by,
       b.approved_at, b.approved_by, b.approval_comment, b.rejected_at, b.rejected_by, b.reject_reason,
       b.stats->>'fileName' as file_name
from batches b
where ($1::text is not null and b.source_sha256 = $1::text)
   or ($2::text is not null and b.source = $2::text)
   or ($3::text is not null and (b.stats->>'fileName' = $3::text or b.source = $3::text or right(b.source, length($3::text) + 1) = '/' || $3::text))
order by b.id desc;
