-- What earlier reports (staged, posted or held) produced per request: the base of over_production.
-- Lines posted on an earlier order of the request (before a backorder continued it) are not counted:
-- the check measures against what the current order has left. $1 text[] MO names (request IDs)
select l.mo_name, sum(l.produced_qty)::float8 as produced
from mes_report_lines l
left join mes_releases r on r.mo_name = l.mo_name
where l.mo_name = any($1::text[])
  and (l.mo_id is null or r.mo_id is null or l.mo_id = r.mo_id)
group by l.mo_name;
