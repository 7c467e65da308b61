-- Rows of an md_ table that Odoo no longer has (see md_mark_missing in 003_masterdata_mrp.sql):
-- $1 table name, $2 ids seen in the complete read, $3 parent column and $4 parent ids to limit
-- it to the children of those parents (null, null: the whole table), $5 false to only count.
select md_mark_missing($1::text::regclass, $2::bigint[], $3::text, $4::bigint[], $5::boolean) as n;
