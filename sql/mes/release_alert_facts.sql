-- Releases that are exceptions or may become one: refused, overdue, and released ones (overdue when
-- older than the acknowledgment timeout at evaluation time). Read by the alert evaluator.
select mo_name, mo_id, product_code, state, last_verb, last_message_id, released_at, answer
from mes_releases
where state in ('released', 'refused', 'overdue')
order by released_at, mo_name;
