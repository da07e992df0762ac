import { withQuery } from '../lib/router.tsx';
import { timeParams } from '../lib/time-range.ts';

/** A page link that keeps the time range the user is looking at. */
export const hrefKeepingTime = (path: string, search: string = window.location.search): string =>
  withQuery(path, timeParams(new URLSearchParams(search)));
