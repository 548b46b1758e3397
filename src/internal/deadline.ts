/**
 * Deadlines for backend calls, kept by one shared ticker instead of a timer per call.
 *
 * Every session read and write runs under `backendTimeout`. A `setTimeout`/`clearTimeout` pair per call cost about
 * 80 000 instructions (callgrind; a whole bare routing-controllers request takes about 1.4 million), so calls
 * register here instead, and one unref'd interval, running only while calls are pending (and briefly after),
 * rejects those past their deadline. A call therefore fails between its deadline and one tick later.
 */

/** How often pending calls are checked, in milliseconds: the most a timeout fires late. */
export const TICK_MS = 25;
/** Ticks without pending calls before the ticker stops. */
const IDLE_TICKS = 40;

interface Pending {
  readonly deadline: number;
  expire(): void;
}

const pending = new Set<Pending>();
let ticker: NodeJS.Timeout | undefined;
let idleTicks = 0;

/**
 * `promise`, or a rejection with `timedOut()` once `ms` milliseconds have passed without it settling. The promise
 * itself is not cancelled (it cannot be); its later outcome is ignored.
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, timedOut: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const entry: Pending = { deadline: performance.now() + ms, expire: () => reject(timedOut()) };
    pending.add(entry);
    ticker ??= setInterval(tick, TICK_MS).unref();
    promise.then(
      value => {
        pending.delete(entry);
        resolve(value);
      },
      (error: unknown) => {
        pending.delete(entry);
        reject(error);
      },
    );
  });
}

function tick(): void {
  if (pending.size === 0) {
    if (++idleTicks >= IDLE_TICKS) {
      clearInterval(ticker);
      ticker = undefined;
      idleTicks = 0;
    }
    return;
  }
  idleTicks = 0;
  const now = performance.now();
  for (const entry of pending) {
    if (entry.deadline <= now) {
      pending.delete(entry);
      entry.expire();
    }
  }
}
