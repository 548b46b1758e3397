/**
 * Untyped modules the compat specs load. Shorthand declarations (everything `any`) instead of @types/express-session,
 * whose global `Express.Request.session` would clash with this library's own declaration of it.
 */
declare module 'express-session';
declare module 'connect-pg-simple';
