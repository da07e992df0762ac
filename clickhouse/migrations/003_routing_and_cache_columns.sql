-- Columns for routing (attempts, fallbacks) and caching (response cache, provider prompt
-- cache analysis). Rows written before keep the defaults, which mean "not applicable".
ALTER TABLE requests ADD COLUMN IF NOT EXISTS attempt_log String DEFAULT '' CODEC(ZSTD(1)) AFTER upstream_request_id;
ALTER TABLE requests ADD COLUMN IF NOT EXISTS fallback_model LowCardinality(String) DEFAULT '' AFTER attempt_log;
ALTER TABLE requests ADD COLUMN IF NOT EXISTS cache_source_request_id String DEFAULT '' AFTER fallback_model;
ALTER TABLE requests ADD COLUMN IF NOT EXISTS cost_saved_usd Float64 DEFAULT 0 AFTER cache_source_request_id;
ALTER TABLE requests ADD COLUMN IF NOT EXISTS prompt_cache_expected Bool DEFAULT false AFTER cost_saved_usd;
ALTER TABLE requests ADD COLUMN IF NOT EXISTS prompt_cache_hit Bool DEFAULT false AFTER prompt_cache_expected;
ALTER TABLE requests ADD COLUMN IF NOT EXISTS prompt_cache_diverged_at Int32 DEFAULT -1 AFTER prompt_cache_hit;
ALTER TABLE requests ADD COLUMN IF NOT EXISTS prompt_cache_miss_reason String DEFAULT '' AFTER prompt_cache_diverged_at;
