-- One row per proxied call: the RequestEvent contract, column for column.
-- ReplacingMergeTree over the sorting key makes a redelivered event (same project, start
-- time and request id; events are immutable) collapse to one row; reads use FINAL.
-- The key leads with project_id because every read is project-scoped, then created_at so
-- that newest-first pages are a range read, then request_id to break ties.
CREATE TABLE IF NOT EXISTS requests
(
    request_id          String,
    created_at          DateTime64(3, 'UTC'),
    project_id          String,
    key_id              String,
    provider            LowCardinality(String),
    model               LowCardinality(String),
    model_served        LowCardinality(String),
    endpoint            LowCardinality(String),
    status              UInt16,
    error_type          LowCardinality(String),
    error_message       String,
    streamed            Bool,
    latency_ms          UInt32,
    ttft_ms             Nullable(UInt32),
    prompt_tokens       UInt32,
    completion_tokens   UInt32,
    cache_read_tokens   UInt32,
    cache_write_tokens  UInt32,
    reasoning_tokens    UInt32,
    cost_usd            Float64,
    cost_known          Bool,
    cache_status        LowCardinality(String),
    attempts            UInt16,
    user_id             String,
    session_id          String,
    session_path        String,
    session_name        String,
    properties          Map(LowCardinality(String), String),
    request_body        String CODEC(ZSTD(3)),
    response_body       String CODEC(ZSTD(3)),
    request_truncated   Bool,
    response_truncated  Bool,
    user_agent          String,
    upstream_request_id String,
    event_version       UInt8,
    inserted_at         DateTime64(3, 'UTC') DEFAULT now64(3),

    INDEX idx_property_keys   mapKeys(properties)   TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_property_values mapValues(properties) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_user_id         user_id               TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_session_id      session_id            TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_request_id      request_id            TYPE bloom_filter(0.01) GRANULARITY 1
)
ENGINE = ReplacingMergeTree(inserted_at)
PARTITION BY toYYYYMM(created_at)
ORDER BY (project_id, created_at, request_id)
-- Keeps insert_deduplication_token working without replication (chDB, single servers):
-- a retried batch with the same token is stored once.
SETTINGS non_replicated_deduplication_window = 1000;
