-- A successful login forgets its pair's failures; failures older than $3 minutes go on the way.
delete from http_login_failures
where (login = $1 and address = $2) or last_failure_at < now() - make_interval(mins => $3::int)
