-- worker-list: live workers.
SELECT info, last_seen_at FROM {schema}.workers WHERE expires_at > {schema}.now_ms() ORDER BY id
