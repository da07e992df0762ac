import { withStore } from '../one-off.ts';
import { env, loadConfig, option, UsageError } from '../options.ts';
import { ReportRunError, runReportOnStore, runReportViaApi } from '../report-command.ts';

export async function reportRun(values: Record<string, unknown>, name: string | undefined): Promise<void> {
  if (!name) throw new UsageError('report run needs the report name: pnpm periscope report run NAME');
  const o = { name, project: option(values, 'project'), format: option(values, 'format') ?? 'csv', params: (values.param as string[] | undefined) ?? [], out: process.stdout };
  const url = option(values, 'url');
  try {
    if (url) {
      const token = env.PERISCOPE_ADMIN_TOKEN;
      if (!token) throw new UsageError('report run --url needs PERISCOPE_ADMIN_TOKEN (the admin token printed at first start)');
      return await runReportViaApi(url, token, o);
    }
    const config = loadConfig(values, false);
    return await withStore(values, (store) => runReportOnStore(store, config, o));
  } catch (err) {
    if (err instanceof ReportRunError) throw new UsageError(err.message);
    throw err;
  }
}
