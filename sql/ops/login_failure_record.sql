-- One more failed login for ($1 login, $2 address); the count starts again after $3 minutes
-- without a failure. Answers the new count.
insert into http_login_failures as f (login, address, failures, last_failure_at)
values ($1, $2, 1, now())
on conflict (login, address) do update
   set failures = case when f.last_failure_at < now() - make_interval(mins => $3::int) then 1 else f.failures + 1 end,
       last_failure_at = now()
returning failures
