/**
 * RedisBackend's user index (`userKey`): how the user a session holds is matched in its scripts, which compare the
 * JSON text stored in the session's hash.
 */
/** The JSON texts under which a session may hold the user `name`: as a string, and as a number when it reads as one. */
export function storedForms(name: string): string[] {
  return name !== '' && String(Number(name)) === name ? [JSON.stringify(name), name] : [JSON.stringify(name)];
}
