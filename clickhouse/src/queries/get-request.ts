import type { Driver } from '../driver/driver.ts';
import type { RequestDetail } from '../request-rows.ts';
import { DETAIL_SELECT, toRequestDetail, type RawRequestDetail } from './request-row.ts';

/**
 * One request with its bodies, only from the caller's projects. No FINAL: duplicates of a
 * redelivered event are identical, so LIMIT 1 already shows one; when two visible projects
 * used the same client-chosen request id, the newest wins.
 */
export async function getRequest(driver: Driver, projectIds: string[], requestId: string): Promise<RequestDetail | null> {
  if (projectIds.length === 0) return null;
  const [raw] = await driver.query<RawRequestDetail>(
    `SELECT ${DETAIL_SELECT}
     FROM requests
     WHERE project_id IN {projectIds:Array(String)} AND request_id = {requestId:String}
     ORDER BY created_at DESC, project_id DESC
     LIMIT 1`,
    { projectIds, requestId },
  );
  return raw ? toRequestDetail(raw) : null;
}
