/** The `autoload` option, compiled once into the test each request runs. */
import type { Request } from 'express';
import { isUnderPath, requestPath } from '../http/paths';
import { invalid } from './checks';

/** Whether a request loads its session before the handler: always, never, or under the listed paths. */
export function resolveAutoload(autoload: unknown): (request: Request) => boolean {
  if (autoload === true) return () => true;
  if (autoload === false) return () => false;
  if (!Array.isArray(autoload))
    throw invalid('autoload', 'expected true, false, or a list of path prefixes and RegExps');
  const prefixes: string[] = [];
  const patterns: RegExp[] = [];
  for (const entry of autoload as unknown[]) {
    if (entry instanceof RegExp) patterns.push(entry);
    else if (typeof entry === 'string' && entry.startsWith('/')) prefixes.push(entry);
    else throw invalid('autoload', 'every entry must be a RegExp or a path prefix starting with "/"');
  }
  // express routes ignore case unless 'case sensitive routing' is on; prefixes follow the app's setting.
  const folded = prefixes.map(prefix => prefix.toLowerCase());
  return request => {
    const path = requestPath(request);
    const caseSensitive = request.app?.enabled('case sensitive routing') === true;
    const candidates = caseSensitive ? prefixes : folded;
    const subject = caseSensitive ? path : path.toLowerCase();
    return (
      candidates.some(prefix => isUnderPath(subject, prefix)) || patterns.some(pattern => testPattern(pattern, path))
    );
  };
}

/** A global or sticky RegExp keeps state between calls; reset it so every request is judged alike. */
function testPattern(pattern: RegExp, path: string): boolean {
  pattern.lastIndex = 0;
  return pattern.test(path);
}
