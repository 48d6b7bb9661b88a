-- queue-names: every known queue with its paused flag.
SELECT name, paused FROM {schema}.queues
