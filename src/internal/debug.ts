/**
 * Debug lines (`NODE_DEBUG=routing-controllers-sessions`), one at each decision that ends or refuses a session: the
 * reason only, never a cookie value, an id or data.
 */
import { debuglog } from 'node:util';

export const debug = debuglog('routing-controllers-sessions');
