/** The admin credential the API accepts; the server resolves it from the data directory or the environment. */
export interface AdminAuth {
  check(presented: string): boolean;
  /** The admin token, only when it was generated just now (to be printed once). */
  generatedToken: string | undefined;
}
