-- Alert rules, one row per version. A plain MergeTree keeps every version (who changed
-- what, when); reads take the highest version of each rule. The definition is the ingest's
-- JSON in `spec` (channel secrets in it are encrypted by the ingest before they get here).
CREATE TABLE IF NOT EXISTS alert_rules
(
    rule_id    String,
    version    UInt32,
    project_id String,
    name       String,
    enabled    Bool,
    deleted    Bool,
    spec       String CODEC(ZSTD(3)),
    created_at DateTime64(3, 'UTC'),
    created_by String,
    updated_at DateTime64(3, 'UTC'),
    updated_by String
)
ENGINE = MergeTree
ORDER BY (rule_id, version);

-- Where each rule stands per group. Written only when something changes (a transition, a
-- notification, the start of a resolve cooldown), not on every evaluation.
CREATE TABLE IF NOT EXISTS alert_states
(
    rule_id          String,
    group_key        String,
    state            LowCardinality(String),
    value            Nullable(Float64),
    since            DateTime64(3, 'UTC'),
    clear_since      Nullable(DateTime64(3, 'UTC')),
    last_notified_at Nullable(DateTime64(3, 'UTC')),
    seq              UInt64,
    rule_version     UInt32,
    updated_at       DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (rule_id, group_key);

-- Every transition (and re-notification, and test send) with the observed value. Keyed by
-- event id so a transition written twice, or its delivery outcome written later, is one row.
CREATE TABLE IF NOT EXISTS alert_events
(
    event_id     String,
    rule_id      String,
    rule_version UInt32,
    at           DateTime64(3, 'UTC'),
    group_key    String,
    kind         LowCardinality(String),
    value        Nullable(Float64),
    threshold    Float64,
    deliveries   String,
    written_at   DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(written_at)
ORDER BY (rule_id, event_id);

-- Leases among ingest workers (the alert evaluator; any singleton job). Each term collects
-- the claims of its candidates; the earliest claim by the server's clock holds it, and its
-- holder renews by adding rows. Old claims expire after a day.
CREATE TABLE IF NOT EXISTS leases
(
    name       String,
    term       UInt64,
    holder     String,
    claimed_at DateTime64(3, 'UTC') DEFAULT now64(3),
    ttl_ms     UInt32
)
ENGINE = MergeTree
ORDER BY (name, term, claimed_at)
TTL toDateTime(claimed_at) + INTERVAL 1 DAY;
