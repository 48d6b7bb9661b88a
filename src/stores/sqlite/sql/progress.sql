-- progress: stores the progress of an active job.
-- Params: :seq :token :percent :message
-- Guarantee: a stale lease changes nothing.
UPDATE fila_jobs SET progress = json_object('percent', :percent, 'message', :message)
WHERE seq = :seq AND lease_token = :token AND state = 'active'
