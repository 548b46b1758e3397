/** connect-pg-simple ships no types; the specs use it as `any`. */
declare module 'connect-pg-simple';
