-- Alert incidents open now, by kind.
select kind, count(*) as count
from alert_incidents
where resolved_at is null
group by kind
