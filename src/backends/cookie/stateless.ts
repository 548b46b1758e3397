/**
 * What the two cookie backends (signed and encrypted) share: the session is the cookie value itself, carrying its
 * JSON text and the time it was made; a value that does not open, is too old or dated in the future is no session.
 * The variants differ only in how a value is made and opened ({@link StatelessCookieBackend.seal},
 * {@link StatelessCookieBackend.unseal}).
 */
import { MAX_COOKIE_BYTES } from '../../http/cookie-octets';
import { debug } from '../../internal/debug';
import { type OpenedValue, OpenedValueCache } from './opened-values';
import { isFresh } from './freshness';
import { parseSession, stringifySession } from '../../serializers/json';
import type { SessionRecord } from '../../record';
import { BackendContext, SessionBackend, contextNow, markForRewrite } from '../backend';

/** A backend whose "session id" is the data itself, protected by a key; nothing is kept on the server. */
export abstract class StatelessCookieBackend extends SessionBackend {
  /** A copy of the cookie stays valid until it expires: `remove()` cannot reach it. */
  override readonly revocable = false;
  /** Values made or opened lately: a value sent back unchanged skips the cryptography (its age is still checked). */
  private readonly recent = new OpenedValueCache();

  /** `maxAge`: the oldest value accepted, in seconds; by default the middleware's server-side lifetime. */
  protected constructor(private readonly maxAge: number | undefined) {
    super();
  }

  /** The cookie value carrying `text`, made at `timestamp` (unix seconds) with the newest key. */
  protected abstract seal(text: string, timestamp: number): string;

  /** What `value` carries, if it is exactly this backend's format and opens under one of its keys. */
  protected abstract unseal(value: string): OpenedValue | undefined;

  async read(value: string, ctx?: BackendContext): Promise<SessionRecord | undefined> {
    const opened = this.open(value, ctx);
    if (opened === undefined) return undefined;
    // Opened by an older key: have the middleware make it again with the newest.
    return opened.keyIndex > 0 ? markForRewrite(opened.data) : opened.data;
  }

  async write(data: SessionRecord, _sessionId?: string, ctx?: BackendContext): Promise<string> {
    const text = stringifySession(data);
    const timestamp = contextNow(ctx);
    const value = this.seal(text, timestamp);
    this.recent.remember(value, { text, timestamp, keyIndex: 0 });
    return value;
  }

  /** Nothing to remove: the data lives in the client's cookie. */
  async remove(): Promise<void> {}

  override async exists(value: string, ctx?: BackendContext): Promise<boolean> {
    return this.open(value, ctx) !== undefined;
  }

  private open(value: string, ctx: BackendContext | undefined): { data: SessionRecord; keyIndex: number } | undefined {
    if (typeof value !== 'string') return undefined;
    if (value.length > MAX_COOKIE_BYTES) return rejected('is too long');
    let opened = this.recent.get(value);
    if (opened === undefined) {
      opened = this.unseal(value);
      if (opened !== undefined) this.recent.remember(value, opened);
    }
    if (opened === undefined)
      return rejected('does not open under any key of this cookie (tampered, or another key or purpose)');
    if (!isFresh(opened.timestamp, ctx, this.maxAge)) return rejected('is too old, or dated in the future');
    const data = parseSession(opened.text);
    return data === undefined ? rejected('does not hold a JSON object') : { data, keyIndex: opened.keyIndex };
  }
}

/** No session: says why in a debug line. */
function rejected(reason: string): undefined {
  debug('session cookie rejected: it %s', reason);
  return undefined;
}
