-- A message written for one order (load/mes/releases.ts recordRelease): the order's release row
-- takes the new content, verb and message id; Process / Change wait for an answer again
-- (state released), Cancel closes it. The last acknowledgment time is kept (it tells whether the
-- MES ever took the order, for `release --again`); answer and alert start over for the new message.
-- $1 mo_name, $2 mo_id, $3 product_code, $4 state, $5 content_hash, $6 content, $7 verb,
-- $8 message_id, $9 released_at, $10 run_id
insert into mes_releases as r (mo_name, mo_id, product_code, state, content_hash, content, last_verb, last_message_id,
                               released_at, run_id, updated_at)
values ($1::text, $2::bigint, $3::text, $4::text, $5::text, $6::jsonb, $7::text, $8::text, $9::timestamptz, $10::bigint, now())
on conflict (mo_name) do update set
  mo_id = excluded.mo_id,
  product_code = excluded.product_code,
  state = excluded.state,
  content_hash = excluded.content_hash,
  content = excluded.content,
  last_verb = excluded.last_verb,
  last_message_id = excluded.last_message_id,
  released_at = excluded.released_at,
  answer = null,
  alerted_at = null,
  run_id = excluded.run_id,
  updated_at = now();
