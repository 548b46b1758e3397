/**
 * `req.session` is a Proxy over the data, with a {@link SessionProxy} as its handler: data are plain properties
 * (`req.session.userId = 7`; `Object.keys` and `JSON.stringify` see data only), guarded until the session is loaded,
 * and the member names (`load`, `save`, `id`...) are reserved. The state behind it is a {@link SessionState}.
 */
import { SessionError, SessionNotLoadedError } from '../errors';
import type { SessionRecord } from '../record';
import type { SessionState } from './state';
import {
  MEMBER_NAMES,
  RESERVED_KEYS,
  type LoadOptions,
  type RegenerateOptions,
  type SessionCallback,
  type SessionMembers,
} from './types';

/** How {@link sessionStateOf} finds the state behind a session proxy. */
const STATE = Symbol('routing-controllers-sessions state');

/** Members readable before the session is loaded. */
const MEMBERS: ReadonlySet<string> = new Set(MEMBER_NAMES);

type MemberFunctions = Pick<
  SessionMembers,
  'load' | 'regenerate' | 'destroy' | 'save' | 'reload' | 'touch' | 'setLifetime' | 'addFlash' | 'takeFlash'
>;

/** The state behind `session` when it is one of ours (of any configuration), otherwise undefined. */
export function sessionStateOf(session: unknown): SessionState | undefined {
  return typeof session === 'object' && session !== null
    ? ((session as Record<symbol, unknown>)[STATE] as SessionState | undefined)
    : undefined;
}

/** The Proxy handler behind `req.session`. */
export class SessionProxy implements ProxyHandler<SessionRecord> {
  /** Bound once, on first use: handlers compare and pass them around (`req.session.save` as a callback). */
  private functions: MemberFunctions | undefined;

  constructor(private readonly state: SessionState) {}

  get(target: SessionRecord, key: string | symbol): unknown {
    if (typeof key === 'symbol') return key === STATE ? this.state : Reflect.get(target, key);
    if (MEMBERS.has(key)) return this.memberValue(key);
    if (!this.state.isLoaded) throw new SessionNotLoadedError(key);
    return target[key];
  }

  set(target: SessionRecord, key: string | symbol, value: unknown): boolean {
    this.assertWritable(key);
    target[key as string] = value;
    return true;
  }

  deleteProperty(target: SessionRecord, key: string | symbol): boolean {
    this.assertWritable(key);
    return delete target[key as string];
  }

  defineProperty(target: SessionRecord, key: string | symbol, descriptor: PropertyDescriptor): boolean {
    this.assertWritable(key);
    return Reflect.defineProperty(target, key, descriptor);
  }

  has(target: SessionRecord, key: string | symbol): boolean {
    if (typeof key === 'string' && MEMBERS.has(key)) return true;
    if (typeof key === 'string' && !this.state.isLoaded) throw new SessionNotLoadedError(key);
    return Reflect.has(target, key);
  }

  ownKeys(target: SessionRecord): ArrayLike<string | symbol> {
    if (!this.state.isLoaded) throw new SessionNotLoadedError();
    return Reflect.ownKeys(target);
  }

  getOwnPropertyDescriptor(target: SessionRecord, key: string | symbol): PropertyDescriptor | undefined {
    if (typeof key === 'string' && !this.state.isLoaded) throw new SessionNotLoadedError(key);
    return Reflect.getOwnPropertyDescriptor(target, key);
  }

  private assertWritable(key: string | symbol): void {
    if (typeof key === 'symbol' || RESERVED_KEYS.has(key)) {
      throw new SessionError('RESERVED_KEY', `"${String(key)}" is reserved by the session and cannot hold data`);
    }
    if (!this.state.isLoaded) throw new SessionNotLoadedError(key);
  }

  private memberValue(key: string): unknown {
    const state = this.state;
    switch (key) {
      case 'isLoaded':
        return state.isLoaded;
      case 'id':
        return state.id;
      case 'meta':
        return state.meta();
      case 'then':
        return undefined; // not a thenable: `await req.session` and returning it from a handler stay harmless
      default:
        this.functions ??= {
          load: (options?: LoadOptions) => state.load(options),
          regenerate: (options?: RegenerateOptions | SessionCallback, callback?: SessionCallback) =>
            typeof options === 'function'
              ? withCallback(state.regenerate(), options)
              : withCallback(state.regenerate(options), callback),
          destroy: (callback?: SessionCallback) => withCallback(state.destroy(), callback),
          save: (callback?: SessionCallback) => withCallback(state.save(), callback),
          reload: (callback?: SessionCallback) => withCallback(state.reload(), callback),
          touch: () => state.touch(),
          setLifetime: (seconds: number) => state.setLifetime(seconds),
          addFlash: (key: string, message: unknown) => state.addFlash(key, message),
          takeFlash: ((key?: string) => state.takeFlash(key)) as MemberFunctions['takeFlash'],
        };
        return this.functions[key as keyof MemberFunctions];
    }
  }
}

/** With a callback, errors go to it (as express-session does) and the promise resolves after it ran. */
function withCallback(running: Promise<void>, callback: SessionCallback | undefined): Promise<void> {
  return typeof callback === 'function' ? running.then(() => callback(), callback) : running;
}
