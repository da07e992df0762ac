-- Per-minute and per-hour rollups of requests for the overview (summary and time series).
-- Keyed by every low-cardinality dimension the overview filters or groups by; user_id,
-- session_id and properties are left out on purpose (high cardinality: a rollup keyed by
-- them would be as large as the raw table), so those filters read the raw table instead.
--
-- Each table is created from the rows already stored (CREATE ... AS SELECT backfills an
-- upgraded database once), then a materialized view keeps it current on every insert.
-- Migrations run before the writer starts, so no insert falls between the two statements;
-- an ingest of an older version still running during a rolling upgrade could lose its
-- rows from the rollups (never from the log).
--
-- A batch retried with the same insert_deduplication_token reaches the rollups once, like
-- the raw table. But rollups cannot collapse duplicates by request id as FINAL does: an
-- event redelivered in a batch with other boundaries (after a Kafka rebalance) is counted
-- twice here while the request log shows it once. Such redeliveries are rare and counted
-- in periscope_ingest_deduplicated_total.
--
-- Percentiles are t-digest states: small to store and cheap to merge across thousands of
-- buckets (a reservoir sample of up to 8,192 values per state would not be).
CREATE TABLE IF NOT EXISTS requests_rollup_1m
(
    project_id        String,
    bucket            DateTime('UTC'),
    model             LowCardinality(String),
    provider          LowCardinality(String),
    key_id            String,
    status            UInt16,
    cache_status      LowCardinality(String),
    requests          SimpleAggregateFunction(sum, UInt64),
    errors            SimpleAggregateFunction(sum, UInt64),
    cost_usd          SimpleAggregateFunction(sum, Float64),
    prompt_tokens     SimpleAggregateFunction(sum, UInt64),
    completion_tokens SimpleAggregateFunction(sum, UInt64),
    cache_read_tokens SimpleAggregateFunction(sum, UInt64),
    cost_saved_usd    SimpleAggregateFunction(sum, Float64),
    latency_digest    AggregateFunction(quantilesTDigest(0.5, 0.95), UInt32),
    ttft_digest       AggregateFunction(quantilesTDigest(0.5, 0.95), Nullable(UInt32))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (project_id, bucket, model, provider, key_id, status, cache_status)
-- A block whose source insert was deduplicated (same insert_deduplication_token) is skipped
-- here too, which needs the window on this table as well.
SETTINGS non_replicated_deduplication_window = 1000
AS SELECT
    project_id,
    toStartOfMinute(created_at) AS bucket,
    model, provider, key_id, status, cache_status,
    count() AS requests,
    countIf(status >= 400 OR status = 0 OR error_type != '') AS errors,
    sum(cost_usd) AS cost_usd,
    sum(prompt_tokens) AS prompt_tokens,
    sum(completion_tokens) AS completion_tokens,
    sum(cache_read_tokens) AS cache_read_tokens,
    sum(cost_saved_usd) AS cost_saved_usd,
    quantilesTDigestState(0.5, 0.95)(latency_ms) AS latency_digest,
    quantilesTDigestState(0.5, 0.95)(ttft_ms) AS ttft_digest
FROM requests
GROUP BY project_id, bucket, model, provider, key_id, status, cache_status;

CREATE MATERIALIZED VIEW IF NOT EXISTS requests_rollup_1m_mv TO requests_rollup_1m AS
SELECT
    project_id,
    toStartOfMinute(created_at) AS bucket,
    model, provider, key_id, status, cache_status,
    count() AS requests,
    countIf(status >= 400 OR status = 0 OR error_type != '') AS errors,
    sum(cost_usd) AS cost_usd,
    sum(prompt_tokens) AS prompt_tokens,
    sum(completion_tokens) AS completion_tokens,
    sum(cache_read_tokens) AS cache_read_tokens,
    sum(cost_saved_usd) AS cost_saved_usd,
    quantilesTDigestState(0.5, 0.95)(latency_ms) AS latency_digest,
    quantilesTDigestState(0.5, 0.95)(ttft_ms) AS ttft_digest
FROM requests
GROUP BY project_id, bucket, model, provider, key_id, status, cache_status;

-- The hourly rollup is fed from the minute rollup (already aggregated, so far fewer rows
-- to fold per insert than the raw block) and holds exactly the merge of its minutes.
CREATE TABLE IF NOT EXISTS requests_rollup_1h
(
    project_id        String,
    bucket            DateTime('UTC'),
    model             LowCardinality(String),
    provider          LowCardinality(String),
    key_id            String,
    status            UInt16,
    cache_status      LowCardinality(String),
    requests          SimpleAggregateFunction(sum, UInt64),
    errors            SimpleAggregateFunction(sum, UInt64),
    cost_usd          SimpleAggregateFunction(sum, Float64),
    prompt_tokens     SimpleAggregateFunction(sum, UInt64),
    completion_tokens SimpleAggregateFunction(sum, UInt64),
    cache_read_tokens SimpleAggregateFunction(sum, UInt64),
    cost_saved_usd    SimpleAggregateFunction(sum, Float64),
    latency_digest    AggregateFunction(quantilesTDigest(0.5, 0.95), UInt32),
    ttft_digest       AggregateFunction(quantilesTDigest(0.5, 0.95), Nullable(UInt32))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (project_id, bucket, model, provider, key_id, status, cache_status)
-- A block whose source insert was deduplicated (same insert_deduplication_token) is skipped
-- here too, which needs the window on this table as well.
SETTINGS non_replicated_deduplication_window = 1000
AS SELECT
    project_id,
    toStartOfHour(bucket) AS bucket,
    model, provider, key_id, status, cache_status,
    sum(requests) AS requests,
    sum(errors) AS errors,
    sum(cost_usd) AS cost_usd,
    sum(prompt_tokens) AS prompt_tokens,
    sum(completion_tokens) AS completion_tokens,
    sum(cache_read_tokens) AS cache_read_tokens,
    sum(cost_saved_usd) AS cost_saved_usd,
    quantilesTDigestMergeState(0.5, 0.95)(latency_digest) AS latency_digest,
    quantilesTDigestMergeState(0.5, 0.95)(ttft_digest) AS ttft_digest
FROM requests_rollup_1m
GROUP BY project_id, bucket, model, provider, key_id, status, cache_status;

CREATE MATERIALIZED VIEW IF NOT EXISTS requests_rollup_1h_mv TO requests_rollup_1h AS
SELECT
    project_id,
    toStartOfHour(bucket) AS bucket,
    model, provider, key_id, status, cache_status,
    sum(requests) AS requests,
    sum(errors) AS errors,
    sum(cost_usd) AS cost_usd,
    sum(prompt_tokens) AS prompt_tokens,
    sum(completion_tokens) AS completion_tokens,
    sum(cache_read_tokens) AS cache_read_tokens,
    sum(cost_saved_usd) AS cost_saved_usd,
    quantilesTDigestMergeState(0.5, 0.95)(latency_digest) AS latency_digest,
    quantilesTDigestMergeState(0.5, 0.95)(ttft_digest) AS ttft_digest
FROM requests_rollup_1m
GROUP BY project_id, bucket, model, provider, key_id, status, cache_status;
