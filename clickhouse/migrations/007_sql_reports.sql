-- SQL reports: the views a user's SQL reads, saved reports, and the runs of scheduled ones.
--
-- A user's query never names these views: the sandbox (clickhouse/src/sql/) maps the names
-- users write (requests, requests_1m, requests_1h) onto them and binds periscope_projects to
-- the projects of the caller's session. They are parameterized views, so a call that leaves
-- the parameter out is an error, never every project. Bodies are not exposed: they are large,
-- may hold personal data, and stay behind GET /api/requests/:id.
CREATE VIEW IF NOT EXISTS periscope_sql_requests AS
SELECT
    request_id, created_at, project_id, key_id, provider, model, model_served, endpoint, status,
    error_type, error_message, streamed, latency_ms, ttft_ms, prompt_tokens, completion_tokens,
    cache_read_tokens, cache_write_tokens, reasoning_tokens, cost_usd, cost_known, cache_status,
    attempts, user_id, session_id, session_path, session_name, properties, request_truncated,
    response_truncated, user_agent, upstream_request_id, attempt_log, fallback_model,
    cache_source_request_id, cost_saved_usd, prompt_cache_expected, prompt_cache_hit,
    prompt_cache_diverged_at, prompt_cache_miss_reason
FROM requests FINAL
WHERE project_id IN {periscope_projects:Array(String)};

-- The rollups hold partial aggregates: sum() the counters, quantilesTDigestMerge the digests.
CREATE VIEW IF NOT EXISTS periscope_sql_requests_1m AS
SELECT
    project_id, bucket, model, provider, key_id, status, cache_status, requests, errors, cost_usd,
    prompt_tokens, completion_tokens, cache_read_tokens, cost_saved_usd, latency_digest, ttft_digest
FROM requests_rollup_1m
WHERE project_id IN {periscope_projects:Array(String)};

CREATE VIEW IF NOT EXISTS periscope_sql_requests_1h AS
SELECT
    project_id, bucket, model, provider, key_id, status, cache_status, requests, errors, cost_usd,
    prompt_tokens, completion_tokens, cache_read_tokens, cost_saved_usd, latency_digest, ttft_digest
FROM requests_rollup_1h
WHERE project_id IN {periscope_projects:Array(String)};

-- Saved reports, shared within their project. A change or a deletion is a newer row;
-- FINAL reads the newest by updated_at.
CREATE TABLE IF NOT EXISTS reports
(
    report_id   String,
    project_id  String,
    name        String,
    description String,
    sql         String,
    -- JSON object: the default value of each named parameter ({from:DateTime} -> "from").
    params      String,
    -- Five-field cron expression, UTC; '' when the report is not scheduled.
    schedule    String,
    -- JSON written by the ingest: where a scheduled run goes and in which format.
    delivery    String,
    created_by  String,
    created_at  DateTime64(3, 'UTC'),
    updated_at  DateTime64(3, 'UTC'),
    deleted     Bool
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY report_id;

-- One row per scheduled run (keyed by the minute it was due, so a run recorded twice is one).
CREATE TABLE IF NOT EXISTS report_runs
(
    report_id     String,
    project_id    String,
    scheduled_for DateTime64(3, 'UTC'),
    started_at    DateTime64(3, 'UTC'),
    finished_at   DateTime64(3, 'UTC'),
    ok            Bool,
    rows          UInt64,
    bytes         UInt64,
    error         String,
    -- JSON written by the ingest: the delivery outcome.
    delivery      String
)
ENGINE = ReplacingMergeTree(finished_at)
ORDER BY (report_id, scheduled_for);
