-- Records a line's progress: status, the steps done so far (merged), the error in words.
-- $1 line id, $2 status, $3 result json (merged over the stored one), $4 error
update mes_report_lines
set status = $2::text,
    result = result || $3::jsonb,
    error = $4::text,
    posted_at = case when $2::text = 'posted' then now() else posted_at end,
    updated_at = now()
where id = $1::bigint;
