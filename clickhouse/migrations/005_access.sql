-- Access control: what a gateway key may do, and the accounts that sign in to the UI and API.
--
-- Gateway keys gain optional restrictions, set when a key is created. An empty
-- allowed_models allows every model; a NULL limit is no limit. The limits are enforced by
-- the proxy's limits engine as a rule matching only that key.
ALTER TABLE gateway_keys
    ADD COLUMN IF NOT EXISTS allowed_models   Array(String),
    ADD COLUMN IF NOT EXISTS rpm              Nullable(UInt32),
    ADD COLUMN IF NOT EXISTS tpm              Nullable(UInt64),
    ADD COLUMN IF NOT EXISTS concurrency      Nullable(UInt32),
    ADD COLUMN IF NOT EXISTS budget_day_usd   Nullable(Float64),
    ADD COLUMN IF NOT EXISTS budget_week_usd  Nullable(Float64),
    ADD COLUMN IF NOT EXISTS budget_month_usd Nullable(Float64);

-- Accounts (people who sign in with email and password), one version per change like
-- gateway_keys: reads take the newest with FINAL, and a deletion is a version with
-- deleted_at set, so an email can be used again by a new account. Only the scrypt hash of
-- a password is stored (see control-plane/src/api/passwords.ts for its format and parameters).
-- role: admin (every project), member (read, and write keys, alerts and reports in
-- project_ids) or viewer (read only in project_ids).
CREATE TABLE IF NOT EXISTS accounts
(
    account_id    String,
    email         String,
    name          String,
    role          LowCardinality(String),
    project_ids   Array(String),
    password_hash String,
    created_at    DateTime64(3, 'UTC'),
    updated_at    DateTime64(3, 'UTC'),
    deleted_at    Nullable(DateTime64(3, 'UTC')),
    version       UInt32
)
ENGINE = ReplacingMergeTree(version)
ORDER BY account_id;
