import type { SqlLimits } from '@periscope/clickhouse';
import type { PeriscopeConfig } from '@periscope/contract';

type ReportsConfig = PeriscopeConfig['reports'];

/** The SQL console's grid. */
export const consoleLimits = (c: ReportsConfig): SqlLimits => ({
  maxExecutionSeconds: c.max_execution_seconds,
  maxMemoryBytes: c.max_memory_bytes,
  maxRowsToRead: c.max_rows_to_read,
  maxResultRows: c.max_result_rows,
});

/** Downloads, scheduled deliveries and the CLI. */
export const exportLimits = (c: ReportsConfig): SqlLimits => ({
  ...consoleLimits(c),
  maxExecutionSeconds: c.export_max_execution_seconds,
  maxResultRows: c.export_max_rows,
  maxResultBytes: c.export_max_bytes,
  minFreeDiskBytes: c.export_min_free_disk_bytes,
});
