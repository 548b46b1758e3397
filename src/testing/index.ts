/**
 * routing-controllers-sessions/testing: helpers for the tests of apps that use sessions, and the conformance suite
 * for authors of backends. Nothing here is loaded by the package's main entry.
 */

// Sessions in app tests
export { createSessionCookie } from './session-cookie';
export { readSessionFromCookie, readSessionFromResponse } from './read-session';
export type { SessionSource, SessionSourceOptions } from './session-source';
export type { SetCookieSource } from './set-cookie-source';

// The backend conformance suite
export { backendConformanceCases } from './conformance/cases';
export type { BackendConformanceHooks, BackendFactory, ConformanceCase } from './conformance/cases';
export type { BackendCapabilities } from './conformance/capabilities';
export { describeBackendConformance } from './conformance/describe';
