/**
 * Raw HTTP for specs that need what supertest hides: the moment the status line arrives, the exact Set-Cookie
 * lines, and keep-alive sockets. Servers listen on an ephemeral port and are closed by the helper.
 */
import http, { type IncomingHttpHeaders, type OutgoingHttpHeaders, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';

let sequence = 0;

/**
 * A process-wide counter: orders events (a backend write finished, a status line arrived) without clocks.
 * Every call returns a larger number than the one before.
 */
export function nextSequence(): number {
  return ++sequence;
}

/** What a {@link RawClient} request sends. */
export interface RawRequest {
  method?: string;
  path: string;
  headers?: OutgoingHttpHeaders;
  /** Runs synchronously when the status line and headers arrive, before any body is read. */
  onHeaders?: (response: http.IncomingMessage) => void;
}

/** A complete response, as the client saw it. */
export interface RawResponse {
  status: number;
  statusMessage: string;
  headers: IncomingHttpHeaders;
  /** Header lines as received: names and values alternate, repeated lines stay separate. */
  rawHeaders: string[];
  body: Buffer;
  text: string;
  /** {@link nextSequence} taken when the status line and headers arrived. */
  headersAt: number;
  /** The request went over a socket that an earlier request had used (keep-alive). */
  reusedSocket: boolean;
}

/** Requests against a listening server. */
export interface RawClient {
  readonly port: number;
  /** How many TCP connections the server has accepted so far. */
  readonly connections: number;
  request(request: RawRequest, agent?: http.Agent): Promise<RawResponse>;
}

/** Serves `app` on an ephemeral port for the duration of `run`, then closes the server and its sockets. */
export async function withServer<T>(app: RequestListener, run: (client: RawClient) => Promise<T>): Promise<T> {
  const server = http.createServer(app);
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const client: RawClient = {
    port,
    get connections() {
      return connections;
    },
    request: (request, agent) => send(port, request, agent),
  };
  try {
    return await run(client);
  } finally {
    server.closeAllConnections();
    await new Promise<void>(resolve => server.close(() => resolve()));
  }
}

function send(port: number, request: RawRequest, agent: http.Agent | undefined): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: request.method ?? 'GET',
        path: request.path,
        headers: request.headers,
        agent: agent ?? false,
      },
      res => {
        const headersAt = nextSequence();
        request.onHeaders?.(res);
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            statusMessage: res.statusMessage ?? '',
            headers: res.headers,
            rawHeaders: res.rawHeaders,
            body,
            text: body.toString('utf8'),
            headersAt,
            reusedSocket: req.reusedSocket,
          });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** The values of every `name` header line, case-insensitively, in the order received. */
export function headerLines(response: RawResponse, name: string): string[] {
  const lines: string[] = [];
  for (let i = 0; i < response.rawHeaders.length; i += 2) {
    if (response.rawHeaders[i].toLowerCase() === name.toLowerCase()) lines.push(response.rawHeaders[i + 1]);
  }
  return lines;
}

/** The Set-Cookie line for cookie `name`, if the response sets it; throws if it is set more than once. */
export function setCookieLine(response: RawResponse, name: string): string | undefined {
  const found = headerLines(response, 'set-cookie').filter(line => line.startsWith(`${name}=`));
  if (found.length > 1) throw new Error(`the response sets ${found.length} "${name}" cookies`);
  return found[0];
}

/** The value of cookie `name` as set by the response, or undefined. */
export function setCookieValue(response: RawResponse, name: string): string | undefined {
  const line = setCookieLine(response, name);
  return line === undefined ? undefined : line.slice(name.length + 1).split(';')[0];
}

/** A Cookie request header that sends back cookie `name` as set by `response`. */
export function cookieFrom(response: RawResponse, name = 'session'): string {
  const value = setCookieValue(response, name);
  if (value === undefined) throw new Error(`the response sets no "${name}" cookie`);
  return `${name}=${value}`;
}
