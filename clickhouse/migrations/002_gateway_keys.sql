-- Gateway keys, one version per change: revoking a key inserts its next version, and
-- reads take the newest with FINAL. Only the HMAC of a key is stored, never the key.
CREATE TABLE IF NOT EXISTS gateway_keys
(
    key_id     String,
    project_id String,
    name       String,
    prefix     String,
    key_hash   String,
    created_at DateTime64(3, 'UTC'),
    expires_at Nullable(DateTime64(3, 'UTC')),
    revoked_at Nullable(DateTime64(3, 'UTC')),
    version    UInt32
)
ENGINE = ReplacingMergeTree(version)
ORDER BY key_id;
