-- event-head: the newest batch of events and how many events it holds.
SELECT seq, json_array_length(events) AS n FROM {schema}.events ORDER BY seq DESC LIMIT 1
