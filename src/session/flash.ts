/**
 * Flash messages: kept with the record under {@link FLASH_KEY}, one list per key, taken (read and removed) once.
 * They are part of what the session stores, so a flash set before a redirect is committed before its status line
 * like any change, and taking none changes nothing, so costs no write.
 */
import { FLASH_KEY, type FlashMessageLists, type SessionRecord } from '../record';
import { isPlainObject } from '../serializers/json';
import { invalidArgument } from './refusals';

/** Removes the flash messages from a stored record and returns them; what is not a list of messages is dropped. */
export function takeStoredFlashes(stored: SessionRecord): FlashMessageLists | undefined {
  const value = stored[FLASH_KEY];
  if (value === undefined) return undefined;
  delete stored[FLASH_KEY];
  if (!isPlainObject(value)) return undefined;
  const lists: FlashMessageLists = {};
  for (const [key, messages] of Object.entries(value)) if (Array.isArray(messages)) lists[key] = messages;
  // parseSession() has already removed `__proto__` keys.
  return Object.keys(lists).length > 0 ? lists : undefined;
}

/** `data` with `flashes` under {@link FLASH_KEY}, as it is stored. */
export function withFlashes(data: object, flashes: FlashMessageLists | undefined): object {
  return flashes === undefined ? data : { ...data, [FLASH_KEY]: flashes };
}

/** `lists` with `message` added under `key`. */
export function addFlashMessage(
  lists: FlashMessageLists | undefined,
  key: string,
  message: unknown,
): FlashMessageLists {
  if (typeof key !== 'string' || key === '' || key === '__proto__')
    throw invalidArgument('addFlash', 'expected a key: a non-empty string other than "__proto__"');
  if (message === undefined) throw invalidArgument('addFlash', 'expected a message (JSON data), got undefined');
  const next = lists ?? {};
  // Own keys only: `constructor` is a key like any other.
  if (Object.hasOwn(next, key)) next[key].push(message);
  else next[key] = [message];
  return next;
}
