/** connect-pg-simple ships no types; the bench uses only its default export. */
declare module 'connect-pg-simple';
