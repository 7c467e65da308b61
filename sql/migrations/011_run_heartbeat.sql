-- Runs send a heartbeat while they run (job_runs.heartbeat_at, every MFG_ETL_HEARTBEAT_SECONDS):
-- a run whose heartbeat stopped (its worker was killed) is taken over after four missed beats
-- instead of blocking its job until the queue's expiry. A run the operator interrupts with
-- Ctrl-C is `cancelled`: it is not retried.
alter table job_runs add column heartbeat_at timestamptz;
alter table job_runs drop constraint job_runs_status_check;
alter table job_runs add constraint job_runs_status_check
  check (status in ('queued', 'running', 'succeeded', 'failed', 'dead', 'cancelled'));
