-- The content hash of transactions staged before (any batch whose lines were kept).
-- $1 text[] transaction ids
select transaction_id, content_hash, batch_id, status
from mes_report_lines
where transaction_id = any($1::text[]);
