/**
 * Hold and replay: keeps a response off the wire until the session is committed.
 *
 * From the first call that would put the status line on the wire (`writeHead`, `flushHeaders`, `write`, `end`),
 * the status and every later call are queued and the commit runs. When it succeeds, the status is restored, the
 * session cookie added, and the queue replayed through the original methods; when it fails, the queue is dropped
 * and an error response is sent instead. So the client never sees a success for data that was not saved.
 *
 * Why each detail exists (see the project notes on the commit point):
 * - Header changes after the first wire call are ignored: in plain Node they would throw, and express's final
 *   handler (reached through routing-controllers' `next(err)`) would write its own page over an error response.
 * - An ended error response reports `headersSent` false, held or sent: the final handler destroys the keep-alive
 *   socket of a response it finds sent, and its own page is ignored anyway. So the response goes out as soon as the
 *   commit is done, without waiting for that handler, which the router may reach turns later.
 * - `end()` and `write()` call `this.writeHead()` internally: during replay every wrapper passes straight through.
 *
 * The wrappers live on `http.ServerResponse.prototype`, installed once, and act only on responses that carry a hold
 * (one symbol property): a response that never loads its session is untouched. Own-property wrappers on every
 * response were measured at about 5 µs of CPU per method per request; this costs one property lookup.
 * They are installed when sessions are configured, before any request: middlewares such as compression keep their
 * own reference to `res.write` / `res.end`, and one taken before the wrappers existed would bypass the hold.
 *
 * One machine (held, replaying, released, failed) in one file, about 250 lines: its states and the wrappers
 * that consult them read best side by side.
 */
import { ServerResponse } from 'node:http';
import { errorResponse } from './error-response';
import { addCookieToWriteHead, preventCaching, toList } from './outgoing-cookie';
import type { OutgoingId } from './outgoing-id';

/** Runs when the response starts; returns the header that carries the session id to add, if any. */
export type CommitFunction = (statusCode: number) => Promise<OutgoingId | undefined>;
/** Answers a failed commit. */
export type FailureHandler = (error: unknown) => void;

type WireMethod = 'writeHead' | 'flushHeaders' | 'write' | 'end';
type HeaderMethod = 'setHeader' | 'removeHeader' | 'appendHeader';
type AnyFunction = (this: ServerResponse, ...args: unknown[]) => unknown;
interface QueuedCall {
  method: WireMethod;
  args: unknown[];
}

const HOLD = Symbol('routing-controllers-sessions hold');
type HeldResponse = ServerResponse & { [HOLD]?: ResponseHold; _header?: string | null };

/** The methods as they were before the wrappers, for replay and for responses without a hold. */
const native = {} as Record<WireMethod | HeaderMethod, AnyFunction>;

/**
 * True once the response has started from the application's point of view, even while this library still holds
 * it. Use it in error handlers and catch-all routes after the controllers, rather than `headersSent`.
 *
 * @example
 * app.use((err, req, res, next) => { if (responseStarted(res)) return; res.status(500).json({ message: 'oops' }); });
 */
export function responseStarted(res: ServerResponse): boolean {
  return res.headersSent || (res as HeldResponse)[HOLD]?.started === true;
}

/** Installs the hold on `res`; `commit` runs once, when the response starts. */
export function holdResponse(res: ServerResponse, commit: CommitFunction, onFailure: FailureHandler): void {
  installResponseHold();
  const held = res as HeldResponse;
  held[HOLD] ??= new ResponseHold(held, commit, onFailure);
}

/** Puts the wrappers on `ServerResponse.prototype`, once; they do nothing for responses without a hold. */
export function installResponseHold(): void {
  if (native.end !== undefined) return;
  const proto = ServerResponse.prototype as unknown as Record<string, AnyFunction>;
  // Responses without a hold find `undefined` here instead of walking the whole prototype chain on every call.
  Object.defineProperty(proto, HOLD, { value: undefined, writable: true, configurable: true });
  for (const method of ['writeHead', 'flushHeaders', 'write', 'end'] as const) {
    const original = (native[method] = proto[method]);
    proto[method] = function (this: HeldResponse, ...args: unknown[]) {
      const hold = this[HOLD];
      return hold === undefined ? original.apply(this, args) : hold.wire(method, args);
    };
  }
  // Header changes after the first wire call would throw in plain Node; under a hold they are ignored (see above).
  for (const method of ['setHeader', 'removeHeader', 'appendHeader'] as const) {
    const original = (native[method] = proto[method]);
    if (typeof original !== 'function') continue;
    proto[method] = function (this: HeldResponse, ...args: unknown[]) {
      const hold = this[HOLD];
      return hold === undefined || hold.acceptsHeaders()
        ? original.apply(this, args)
        : method === 'removeHeader'
          ? undefined
          : this;
    };
  }
  const headersSent = findGetter(ServerResponse.prototype, 'headersSent');
  Object.defineProperty(ServerResponse.prototype, 'headersSent', {
    configurable: true,
    get(this: HeldResponse) {
      const hold = this[HOLD];
      return hold === undefined ? headersSent.call(this) : hold.headersSent();
    },
  });
}

function findGetter(object: object, property: string): (this: ServerResponse) => boolean {
  let proto = object;
  while (Object.getOwnPropertyDescriptor(proto, property)?.get === undefined)
    proto = Object.getPrototypeOf(proto) as object;
  return Object.getOwnPropertyDescriptor(proto, property)!.get as (this: ServerResponse) => boolean;
}

class ResponseHold {
  /** The first wire call happened. */
  started = false;
  /** Replaying the queue or sending the error response: every call goes straight to the original methods. */
  private replaying = false;
  /** The queue was replayed: a stream that has not ended writes straight through from now on. */
  private released = false;
  /** The application's `end()` has been called: later calls are ignored. */
  private ended = false;
  private readonly queue: QueuedCall[] = [];
  private queuedBytes = 0;
  private needsDrain = false;
  private statusCode = 200;
  private statusMessage: string | undefined;

  constructor(
    private readonly res: HeldResponse,
    private readonly commit: CommitFunction,
    private readonly onFailure: FailureHandler,
  ) {}

  acceptsHeaders(): boolean {
    return !this.started || this.replaying;
  }

  /**
   * What `headersSent` tells express's final handler (reached through routing-controllers' `next()`): for a stream
   * in progress or a successful response, what it would see without the hold, so it leaves them alone. An error
   * response reports false, even once sent: routing-controllers follows it with `next(err)`, and the final handler
   * destroys the keep-alive socket of a response it finds sent. Its own page is ignored, as every call after `end()`.
   */
  headersSent(): boolean {
    if (this.ended) return this.res.statusCode < 400;
    return this.started || this.res._header != null;
  }

  wire(method: WireMethod, args: unknown[]): unknown {
    if (this.replaying) return native[method].apply(this.res, args);
    if (this.ended) return this.ignore(method, args);
    if (method === 'end') this.ended = true;
    if (this.released) return native[method].apply(this.res, args);
    this.queue.push({ method, args });
    if (!this.started) this.start(method, args);
    if (method !== 'write') return method === 'flushHeaders' ? undefined : this.res;
    this.queuedBytes += byteLength(args[0]);
    if (this.queuedBytes < this.res.writableHighWaterMark) return true;
    this.needsDrain = true;
    return false;
  }

  private start(method: WireMethod, args: unknown[]): void {
    this.started = true;
    this.statusCode = method === 'writeHead' ? Number(args[0]) : this.res.statusCode;
    this.statusMessage = this.res.statusMessage;
    this.commit(this.statusCode)
      .then(
        outgoing => this.replay(outgoing),
        error => this.fail(error),
      )
      .catch(error => this.res.destroy(error as Error));
  }

  private replay(outgoing: OutgoingId | undefined): void {
    try {
      this.replayQueue(outgoing);
    } catch (error) {
      // Node rejects bad arguments (a status of 99, a number as body) only now, not when the app made the call.
      this.replaying = false;
      if (this.res._header == null) this.fail(error);
      else this.res.destroy(error as Error);
    }
  }

  private replayQueue(outgoing: OutgoingId | undefined): void {
    const res = this.res;
    this.replaying = true;
    // Whatever ran during the hold (express's final handler) may have changed the status: restore it.
    res.statusCode = this.statusCode;
    res.statusMessage = this.statusMessage as string;
    if (outgoing !== undefined) {
      const { name, value } = outgoing;
      if (name !== 'Set-Cookie') native.setHeader.call(res, name, value);
      else if (!addCookieToWriteHead(this.queue, value)) {
        native.setHeader.call(res, name, [...toList(res.getHeader('set-cookie')), value]);
      }
      preventCaching(res, outgoing.vary, (header, text) => native.setHeader.call(res, header, text));
    }
    for (const { method, args } of this.queue.splice(0)) native[method].apply(res, args);
    this.replaying = false;
    this.released = true;
    this.drain();
  }

  private fail(error: unknown): void {
    const res = this.res;
    for (const { method, args } of this.queue.splice(0)) this.ignore(method, args);
    this.replaying = true;
    this.ended = true;
    for (const name of res.getHeaderNames()) native.removeHeader.call(res, name);
    const { status, headers, body } = errorResponse(error);
    res.statusCode = status;
    res.statusMessage = undefined as unknown as string;
    for (const [name, value] of headers) native.setHeader.call(res, name, value);
    native.end.call(res, body);
    this.replaying = false;
    this.released = true;
    this.drain();
    try {
      this.onFailure(error);
    } catch {
      // A failing error callback must not take the process down; the client already has its answer.
    }
  }

  /** Drops a call the response can no longer honour; its callback still runs, as Node would run it. */
  private ignore(method: WireMethod, args: unknown[]): unknown {
    const callback = args.findLast(arg => typeof arg === 'function') as ((error?: Error) => void) | undefined;
    const dropsData =
      (method === 'write' || method === 'end') && args[0] !== undefined && typeof args[0] !== 'function';
    if (callback) {
      process.nextTick(
        callback,
        dropsData ? new Error('The response has already ended; this data was not sent.') : undefined,
      );
    }
    return method === 'write' ? false : method === 'flushHeaders' ? undefined : this.res;
  }

  private drain(): void {
    if (this.needsDrain) {
      this.needsDrain = false;
      this.res.emit('drain');
    }
  }
}

function byteLength(chunk: unknown): number {
  if (typeof chunk === 'string') return Buffer.byteLength(chunk);
  return chunk instanceof Uint8Array ? chunk.byteLength : 0;
}
