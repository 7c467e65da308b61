-- Releases the MES did not answer within mes.ackTimeoutMinutes become overdue.
-- $1 now, $2 timeout in minutes
update mes_releases
set state = 'overdue', updated_at = now()
where state = 'released'
  and released_at < $1::timestamptz - make_interval(mins => $2::int)
returning mo_name;
