import { openChdbDriver } from './driver/chdb.ts';
import type { Driver } from './driver/driver.ts';
import { openServerDriver } from './driver/server.ts';
import { migrate } from './migrate.ts';
import { evaluateAlert } from './queries/alert-evaluation.ts';
import { getAlertRule, listAlertRules, listAlertRuleVersions, saveAlertRule } from './queries/alert-rules.ts';
import { insertAlertEvents, listAlertEvents, listAlertStates, saveAlertStates } from './queries/alert-state.ts';
import { getBodyTtlDays, setBodyTtlDays } from './queries/body-ttl.ts';
import { getRequest } from './queries/get-request.ts';
import { claimLease, readLease } from './queries/leases.ts';
import { insertRequestRows, insertRequests } from './queries/insert-requests.ts';
import { storedEvents } from './queries/stored-events.ts';
import { recentlyResent, recordResent } from './queries/resent-events.ts';
import { findKeyByHash, insertKey, keysLastUsed, listKeys, revokeKey } from './queries/keys.ts';
import { deleteAccount, findAccountByEmail, getAccount, insertAccount, listAccounts, updateAccount } from './queries/accounts.ts';
import { filterValues } from './queries/filter-values.ts';
import { getSession } from './queries/get-session.ts';
import { agentTurnExtras, listAgentSessions, modelsSeen } from './queries/agent-sessions.ts';
import { listProperties } from './queries/list-properties.ts';
import { listRequests } from './queries/list-requests.ts';
import { listSessions } from './queries/list-sessions.ts';
import { listUsers } from './queries/list-users.ts';
import { metricsSummary } from './queries/metrics-summary.ts';
import { metricsTimeseries } from './queries/metrics-timeseries.ts';
import { getReport, listReportRuns, listReports, recordReportRun, saveReport } from './queries/reports.ts';
import { exportSql, runSql } from './sql/sandbox.ts';
import type { Store, StoreLocation } from './store.ts';

/**
 * Opens the embedded store for `{ dataDir }` or a ClickHouse server for `{ url }`, and
 * checks that it answers. Migrations are left to the caller (`store.migrate()`).
 */
export async function openStore(location: StoreLocation): Promise<Store> {
  const driver = 'dataDir' in location ? await openChdbDriver(location.dataDir) : await openServerDriver(location.url);
  let reports: Driver | undefined;
  try {
    reports = 'reportsUrl' in location && location.reportsUrl ? await openServerDriver(location.reportsUrl, { reportReader: true }) : undefined;
    await driver.ping();
    await reports?.ping();
  } catch (err) {
    await driver.close();
    await reports?.close();
    throw err;
  }
  return createStore(driver, reports);
}

/**
 * `reportsDriver`: a connection as the report reader of a ClickHouse server, whose row
 * policies scope users' SQL by a per-query setting (the engine's half of the sandbox there).
 */
export function createStore(driver: Driver, reportsDriver?: Driver): Store {
  const sqlDriver = reportsDriver ?? driver;
  // The wrapper of users' SQL names the report views of this database (sql/scope.ts).
  const sandbox = { database: sqlDriver.database };
  return {
    kind: driver.kind,
    migrate: () => migrate(driver),
    setBodyTtlDays: (days) => setBodyTtlDays(driver, days),
    getBodyTtlDays: () => getBodyTtlDays(driver),
    insertRequests: (events, opts) => insertRequests(driver, events, opts),
    insertRequestRows: (rows, opts) => insertRequestRows(driver, rows, opts),
    storedEvents: (events) => storedEvents(driver, events),
    recordResent: (requestIds) => recordResent(driver, requestIds),
    recentlyResent: (limit) => recentlyResent(driver, limit),
    listRequests: (q) => listRequests(driver, q),
    getRequest: (projectIds, requestId) => getRequest(driver, projectIds, requestId),
    metricsSummary: (q) => metricsSummary(driver, q),
    metricsTimeseries: (q) => metricsTimeseries(driver, q),
    listSessions: (q) => listSessions(driver, q),
    getSession: (q) => getSession(driver, q),
    listAgentSessions: (q) => listAgentSessions(driver, q),
    agentTurnExtras: (q) => agentTurnExtras(driver, q),
    modelsSeen: (q) => modelsSeen(driver, q),
    listUsers: (q) => listUsers(driver, q),
    listProperties: (q) => listProperties(driver, q),
    filterValues: (q) => filterValues(driver, q),
    insertKey: (key) => insertKey(driver, key),
    findKeyByHash: (keyHash) => findKeyByHash(driver, keyHash),
    listKeys: (projectIds) => listKeys(driver, projectIds),
    revokeKey: (keyId, at) => revokeKey(driver, keyId, at),
    keysLastUsed: (projectIds) => keysLastUsed(driver, projectIds),
    insertAccount: (account) => insertAccount(driver, account),
    updateAccount: (account) => updateAccount(driver, account),
    deleteAccount: (accountId, at) => deleteAccount(driver, accountId, at),
    getAccount: (accountId) => getAccount(driver, accountId),
    findAccountByEmail: (email) => findAccountByEmail(driver, email),
    listAccounts: () => listAccounts(driver),
    saveAlertRule: (rule) => saveAlertRule(driver, rule),
    getAlertRule: (ruleId) => getAlertRule(driver, ruleId),
    listAlertRules: (projectIds) => listAlertRules(driver, projectIds),
    listAlertRuleVersions: (ruleId) => listAlertRuleVersions(driver, ruleId),
    saveAlertStates: (states) => saveAlertStates(driver, states),
    listAlertStates: (ruleIds) => listAlertStates(driver, ruleIds),
    insertAlertEvents: (events) => insertAlertEvents(driver, events),
    listAlertEvents: (q) => listAlertEvents(driver, q),
    evaluateAlert: (q) => evaluateAlert(driver, q),
    claimLease: (name, term, holder, ttlMs) => claimLease(driver, name, term, holder, ttlMs),
    readLease: (name) => readLease(driver, name),
    runSql: (req, limits) => runSql(sqlDriver, sandbox, req, limits),
    exportSql: (req, format, limits) => exportSql(sqlDriver, sandbox, req, format, limits),
    saveReport: (report) => saveReport(driver, report),
    getReport: (reportId) => getReport(driver, reportId),
    listReports: (projectIds) => listReports(driver, projectIds),
    recordReportRun: (run) => recordReportRun(driver, run),
    listReportRuns: (reportId, limit) => listReportRuns(driver, reportId, limit),
    ping: () => driver.ping(),
    close: async () => {
      await reportsDriver?.close();
      await driver.close();
    },
  };
}
