-- Checkpoint results that did not pass, by checkpoint name and severity.
select name, severity, count(*) as count
from checkpoint_results
where not passed
group by name, severity
