/**
 * The user index (`userKey`): how a user id is named in index keys and matched against what sessions store, and the
 * batching that keeps "log out everywhere" within `maxPending`.
 */

/**
 * A user id as the index names it, for strings and finite numbers only (an object under `userKey` is not a user
 * id): `7` and `'7'` are one user, since ids often arrive as strings (route parameters) but are stored as numbers.
 */
export function userName(userId: unknown): string | undefined {
  if (typeof userId === 'string') return userId;
  return typeof userId === 'number' && Number.isFinite(userId) ? String(userId) : undefined;
}

/** The user named by the JSON text a session holds under `userKey`. */
export function userOfStored(json: unknown): string | undefined {
  if (typeof json !== 'string') return undefined;
  try {
    return userName(JSON.parse(json));
  } catch {
    return undefined;
  }
}

/** The JSON texts under which a session may hold the user `name`: as a string, and as a number when it reads as one. */
export function storedForms(name: string): string[] {
  return name !== '' && String(Number(name)) === name ? [JSON.stringify(name), name] : [JSON.stringify(name)];
}

/** Runs `task` over `items`, `size` at a time: a user with thousands of sessions must not exhaust `maxPending`. */
export async function inBatches<T, R>(items: readonly T[], size: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += size) {
    results.push(...(await Promise.all(items.slice(start, start + size).map(task))));
  }
  return results;
}
