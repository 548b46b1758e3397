/** `npm start`: serves the demo on http://localhost:3000 (or $PORT). */
import { createDemoApp } from './app';

const port = Number(process.env.PORT ?? 3000);
if (!process.env.SESSION_SECRET) {
  console.warn('SESSION_SECRET is not set: using a random secret, so sessions end when the demo restarts.');
}
createDemoApp().listen(port, '127.0.0.1', () => {
  console.log(`Demo running at http://localhost:${port}/`);
});
