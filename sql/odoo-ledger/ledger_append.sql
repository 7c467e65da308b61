-- Appends ledger rows in one statement (array parameters through unnest): what one `load` call
-- wrote. Used by load/odoo-ledger/ledger.ts.
-- $1 batch id (or null), $2 model, $3 run id (or null), $4 keys, $5 odoo ids, $6 external ids,
-- $7 operations, $8 payload hashes, $9 source batch ids, $10 source lines (one int[] literal
-- per row, e.g. '{12,13}', or null)
insert into load_ledger (batch_id, business_key, odoo_model, odoo_id, external_id, operation, payload_hash, run_id,
                         source_batch_id, source_lines)
select $1::bigint, r.business_key, $2::text, r.odoo_id, r.external_id, r.operation, r.payload_hash, $3::bigint,
       r.source_batch_id, r.source_lines::integer[]
from unnest($4::text[], $5::bigint[], $6::text[], $7::text[], $8::text[], $9::bigint[], $10::text[])
       as r(business_key, odoo_id, external_id, operation, payload_hash, source_batch_id, source_lines);
