-- Failures of ($1 login, $2 address) within the last $3 minutes, and milliseconds since the last one.
select failures, (extract(epoch from (now() - last_failure_at)) * 1000)::float8 as since_ms
from http_login_failures
where login = $1 and address = $2 and last_failure_at >= now() - make_interval(mins => $3::int)
