import type { FastifyRequest } from 'fastify';
import type { AccountRole } from '@periscope/clickhouse';
import { ApiError } from '../errors.ts';

/**
 * Who is calling the API and what they may touch. The admin token (bearer, or a session
 * it started) is an admin over every project; an account has its role and, unless it is an
 * admin, the projects it belongs to.
 */
export interface Principal {
  role: AccountRole;
  /** null = every project (admins). */
  projects: readonly string[] | null;
  /** null for the admin token. */
  account_id: string | null;
  email: string | null;
  /** How the credential came: cookie requests must pass the CSRF check when they change state. */
  via: 'bearer' | 'cookie';
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the API's auth hook before any non-public route runs. */
    principal: Principal | null;
  }
}

/** Project names: also what `?project=`, keys and accounts accept. */
export const PROJECT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new ApiError('unauthorized', 'Sign in first.');
  return request.principal;
}

export const canRead = (p: Principal, project: string): boolean => p.projects === null || p.projects.includes(project);

/** Admins anywhere; members in their projects; viewers never. */
export const canWrite = (p: Principal, project: string): boolean => p.role === 'admin' || (p.role === 'member' && canRead(p, project));

/**
 * For routes that create or change something in a project (keys, alerts, reports). A caller
 * who cannot even read the project is told it does not exist, as for an id in another project.
 */
export function requireWrite(request: FastifyRequest, project: string): void {
  const p = principalOf(request);
  if (!canRead(p, project)) throw new ApiError('not_found', `No project ${project}`);
  if (!canWrite(p, project)) throw new ApiError('forbidden', `Your role (${p.role}) may not change anything in project ${project}.`);
}

/** Account management and the key snapshot for proxies. */
export function requireAdmin(request: FastifyRequest): void {
  const p = principalOf(request);
  if (p.role !== 'admin') throw new ApiError('forbidden', 'Only an admin may do this.');
}

/**
 * The projects a read may cover: `?project=` narrows to one (refused when it is not the
 * caller's), otherwise every project of the caller. Admins' "every project" is every
 * project that has a gateway key (`allProjects`).
 */
export async function readableProjects(p: Principal, requested: string | undefined, allProjects: () => Promise<string[]>): Promise<string[]> {
  if (requested !== undefined) {
    if (!canRead(p, requested)) throw new ApiError('forbidden', `You have no access to project ${requested}.`);
    return [requested];
  }
  return p.projects === null ? allProjects() : [...p.projects];
}
