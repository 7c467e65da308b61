-- When the staging schema was installed: freshness of a job that never succeeded counts from here.
select min(applied_at) as installed_at from migrations
