-- The confirmed date of each purchase order line from its newest supplier file that was not
-- rejected (validated, approved, loading, loaded): material-shortages plans incoming supply at it,
-- before supplier-load has written it to Odoo. Used by load/suppliers/staging.ts.
select distinct on (l.po_line_id) l.po_line_id, l.confirmed_date
from supplier_confirmation_lines l
join batches b on b.id = l.batch_id
where b.kind = 'supplier_confirmation'
  and b.status in ('validated', 'approved', 'loading', 'loaded', 'load_failed')
  and l.po_line_id is not null
  and l.confirmed_date is not null
order by l.po_line_id, b.id desc, l.line_no desc;
