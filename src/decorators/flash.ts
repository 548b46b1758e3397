/** `@Flash(key)`: injects the flash messages waiting under a key, taken (removed) from the session. */
import { createParamDecorator } from 'routing-controllers';
import type { FlashKey } from '../session/types';
import { loadedSession } from './session-of';

/**
 * Injects the flash messages under `key` (an array, oldest first, `[]` when none), or all of them by key without
 * one, loading the session first; they are removed, as `req.session.takeFlash()` does.
 *
 * @example
 * @Get('/') page(@Flash('notice') notices: string[]) { return { notices }; }
 */
export function Flash(key?: FlashKey): ParameterDecorator {
  return createParamDecorator({
    value: async action => {
      const session = await loadedSession(action.request);
      return key === undefined ? session.takeFlash() : session.takeFlash(key);
    },
  }) as ParameterDecorator;
}
