-- Totals of one file batch's lineage: staged lines, lines that reached Odoo (from this batch's
-- file, whichever batch wrote them), and the file's row errors (lines never staged; capped per
-- batch as the import keeps them). Used by load/odoo-ledger/lineage.ts.
-- $1 batch id
select (select count(*) from lineage_staged_lines s where s.batch_id = $1::bigint)::int as staged,
       (select count(distinct x.line_no)
        from load_ledger l cross join lateral unnest(l.source_lines) as x(line_no)
        where l.source_batch_id = $1::bigint)::int as written,
       (select count(*) from load_ledger l where l.source_batch_id = $1::bigint)::int as writes,
       (select coalesce(json_agg(json_build_object('ref', e.ref, 'column', e.col, 'message', e.message) order by e.seq), '[]'::json)
        from batch_row_errors e where e.batch_id = $1::bigint) as row_errors;
