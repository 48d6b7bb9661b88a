-- paused-queues: names of paused queues.
SELECT name FROM fila_queues WHERE paused = 1
