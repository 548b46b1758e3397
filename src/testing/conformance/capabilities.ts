/** What a backend under the conformance suite can do by design, and the defaults that fill in what is not said. */

/** What a backend can do; a `false` turns the cases that need it into skipped ones, with the reason. */
export interface BackendCapabilities {
  /** `remove()` really ends a session: the id (or cookie) no longer loads its data. False for cookie backends. */
  revocable: boolean;
  /**
   * Ids are random keys of server-side records: `write()` without an id mints a fresh one each time, and
   * `write(data, id)` stores under `id`. False when the "id" is the data itself (a signed cookie).
   * @default the value of `revocable`
   */
  serverSideIds?: boolean;
  /**
   * `read()` hands out a copy, never the object given to `write()`. False for a naive backend that keeps the
   * object (a `Map` of the records as given); the middleware copes with such a backend.
   * @default true
   */
  copiesData?: boolean;
  /**
   * The backend expires records itself after `ctx.ttl` seconds, measured on `ctx.now`. False for backends that
   * ignore `ctx` or expire on a clock of their own (the middleware still ends sessions from their metadata).
   * @default true
   */
  honoursTtl?: boolean;
  /**
   * A new record (`ctx.isNew`) never replaces a stored one: under a taken id the backend creates under another one
   * from `generateId()`. False for a naive backend that ignores `ctx`.
   * @default the value of `serverSideIds`
   */
  createsOnlyIfAbsent?: boolean;
  /**
   * The backend locks sessions: it implements `acquireLock()` and `releaseLock()` (`SessionLocking`), for
   * `req.session.load({ lock: true })` and `@LockSession()`.
   * @default false
   */
  locks?: boolean;
}

/** {@link BackendCapabilities} with every default applied. */
export type ResolvedCapabilities = Required<BackendCapabilities>;

/** `capabilities` with the defaults their documentation states. */
export function resolveCapabilities(capabilities: BackendCapabilities): ResolvedCapabilities {
  const serverSideIds = capabilities.serverSideIds ?? capabilities.revocable;
  return {
    revocable: capabilities.revocable,
    serverSideIds,
    copiesData: capabilities.copiesData ?? true,
    honoursTtl: capabilities.honoursTtl ?? true,
    createsOnlyIfAbsent: capabilities.createsOnlyIfAbsent ?? serverSideIds,
    locks: capabilities.locks ?? false,
  };
}
