-- Releases per state (every state listed, zero included) and the oldest waiting one: /metrics and the status page.
select s.state,
       count(r.mo_name)::int as count,
       min(r.released_at) as oldest
from unnest(array['released', 'acknowledged', 'refused', 'overdue', 'cancelled']) as s(state)
left join mes_releases r on r.state = s.state
group by s.state
order by s.state;
