/**
 * The path of each subagent in its session (`/<agent>/<subagent>/...`), rebuilt from calls
 * that name only an agent and its parent: a subagent's first call comes after its parent's,
 * so the parent's path is known by then. Bounded (least recently used forgotten first); a
 * parent this process never saw (forgotten, or served by another gateway) roots the path at
 * the parent.
 */
export class AgentPaths {
  readonly #paths = new Map<string, string>();
  readonly #max: number;

  constructor(maxAgents: number) {
    this.#max = maxAgents;
  }

  pathOf(projectId: string, sessionId: string, agentId: string, parentId: string | undefined): string {
    const key = `${projectId}\u0000${sessionId}\u0000${agentId}`;
    const known = this.#paths.get(key);
    if (known !== undefined) {
      this.#paths.delete(key);
      this.#paths.set(key, known);
      return known;
    }
    const parentPath = parentId === undefined ? '' : (this.#paths.get(`${projectId}\u0000${sessionId}\u0000${parentId}`) ?? `/${parentId}`);
    const path = `${parentPath}/${agentId}`.slice(0, 1024);
    this.#paths.set(key, path);
    if (this.#paths.size > this.#max) this.#paths.delete(this.#paths.keys().next().value!);
    return path;
  }
}
