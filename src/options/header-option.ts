/** The `header` option: the session id in a request and response header, for clients that keep no cookies. */
import { isCookieName } from '../http/cookie-octets';
import type { ResolvedIdHeader } from '../http/id-header';
import { invalid } from './checks';

/** Options of the header transport. */
export interface SessionHeaderOptions {
  /**
   * The request header that carries the id: `'authorization'` reads `Authorization: Bearer <id>`; any other name,
   * such as `'x-session-id'`, carries the bare id.
   */
  name: string;
  /**
   * The response header a new or changed id goes out in; an empty value tells the client to forget its id (the
   * session ended). With CORS, list it in `Access-Control-Expose-Headers`.
   * @default `name`, or `'x-session-id'` when `name` is `'authorization'`
   */
  responseName?: string;
}

/** Headers that mean something else to HTTP. */
const TAKEN = new Set(['cookie', 'set-cookie', 'host', 'content-length', 'content-type', 'transfer-encoding']);

/** Checks the `header` option; `undefined` when there is none. */
export function resolveHeaderOption(option: string | SessionHeaderOptions | undefined): ResolvedIdHeader | undefined {
  if (option === undefined) return undefined;
  const { name, responseName, ...unknown } = typeof option === 'string' ? { name: option } : (option ?? {});
  if (typeof option !== 'string' && (typeof option !== 'object' || option === null))
    throw invalid('header', "expected a header name such as 'x-session-id', or { name, responseName }");
  const extra = Object.keys(unknown);
  if (extra.length > 0) throw invalid(`header.${extra[0]}`, 'unknown option; the options are name, responseName');
  const requestName = checkHeaderName('header.name', name);
  const bearer = requestName === 'authorization';
  const response = checkHeaderName('header.responseName', responseName ?? (bearer ? 'x-session-id' : requestName));
  if (response === 'authorization') throw invalid('header.responseName', 'a response carries no Authorization header');
  return Object.freeze({ requestName, bearer, responseName: response });
}

function checkHeaderName(option: string, name: unknown): string {
  // Header names are tokens, the same characters as cookie names (RFC 9110 §5.1).
  if (typeof name !== 'string' || !isCookieName(name))
    throw invalid(option, "expected a header name such as 'x-session-id'");
  const lower = name.toLowerCase();
  if (TAKEN.has(lower)) throw invalid(option, `"${lower}" is a header HTTP itself uses`);
  return lower;
}
