import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';

/*
 * A small forward proxy on loopback, for tests: CONNECT tunnels and absolute-form requests.
 * Optionally it asks for Basic credentials (407), resolves names that only it knows (so that an
 * address is reachable through the proxy only), and intercepts TLS as inspecting corporate
 * proxies do: it answers the tunnel's TLS itself with a certificate of a test CA and sends the
 * plain HTTP on to the target.
 */

/** One request the proxy was asked for. */
export interface ProxyLogEntry {
  method: string;
  /** host:port as asked for. */
  target: string;
  /** What the proxy answered: 200 (tunnel up or forwarded), 407, 502. */
  status: number;
}

export interface TestProxyOptions {
  /** Asks for these credentials (Basic) and refuses anything else with 407. */
  credentials?: { username: string; password: string };
  /** Names only the proxy resolves, each to a port on 127.0.0.1 (whatever port was asked). */
  hosts?: Record<string, number>;
  /** Ends each tunnel's TLS here with this certificate, and forwards the plain HTTP. */
  intercept?: { cert: string; key: string };
}

/** A minimal forward proxy on loopback (CONNECT tunnels and absolute-form requests), for tests. */
export interface TestProxy {
  url: string;
  /** The proxy's address with the credentials in it, when it asks for some. */
  urlWithCredentials: string;
  /** The targets it forwarded or tunnelled, as host:port. */
  seen: string[];
  /** Every request it was asked for, refused ones too. */
  log: ProxyLogEntry[];
  close(): Promise<void>;
}

/** Where the proxy sends a target, or `undefined` when it cannot (a name it does not know). */
function resolveTarget(host: string, port: number, options: TestProxyOptions): { host: string; port: number } | undefined {
  const mapped = options.hosts?.[host.toLowerCase()];
  if (mapped !== undefined) return { host: '127.0.0.1', port: mapped };
  // Nothing leaves the machine: only loopback addresses are reached as they are.
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]' ? { host, port } : undefined;
}

function authorized(req: IncomingMessage, options: TestProxyOptions): boolean {
  const wanted = options.credentials;
  if (!wanted) return true;
  const expected = `Basic ${Buffer.from(`${wanted.username}:${wanted.password}`).toString('base64')}`;
  return req.headers['proxy-authorization'] === expected;
}

const refusal = 'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="evolink-test"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n';

export async function startTestProxy(options: TestProxyOptions = {}): Promise<TestProxy> {
  const seen: string[] = [];
  const log: ProxyLogEntry[] = [];
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  const server: Server = createServer((req, res) => {
    const target = new URL(req.url ?? '');
    const port = Number(target.port || 80);
    const entry: ProxyLogEntry = { method: req.method ?? 'GET', target: `${target.hostname}:${port}`, status: 200 };
    log.push(entry);
    const to = resolveTarget(target.hostname, port, options);
    if (!authorized(req, options) || !to) {
      entry.status = to ? 407 : 502;
      res.writeHead(entry.status, to ? { 'proxy-authenticate': 'Basic realm="evolink-test"' } : {}).end();
      return;
    }
    seen.push(target.host);
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    const upstream = httpRequest({ host: to.host, port: to.port, path: `${target.pathname}${target.search}`, method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    track(client);
    const [host = '', port = '443'] = (req.url ?? '').split(/:(?=\d+$)/);
    const entry: ProxyLogEntry = { method: 'CONNECT', target: req.url ?? '', status: 200 };
    log.push(entry);
    const to = resolveTarget(host, Number(port), options);
    if (!authorized(req, options) || !to) {
      entry.status = to ? 407 : 502;
      client.end(to ? refusal : 'HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    seen.push(req.url ?? '');
    const upstream = connect(to.port, to.host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) client.unshift(head);
      const inner: Socket = options.intercept ? new TLSSocket(client, { isServer: true, cert: options.intercept.cert, key: options.intercept.key, ALPNProtocols: ['http/1.1'] }) : client;
      if (inner !== client) track(inner);
      inner.pipe(upstream);
      upstream.pipe(inner);
      inner.on('error', () => upstream.destroy());
    });
    track(upstream);
    const end = (): void => {
      upstream.destroy();
      client.destroy();
    };
    upstream.on('error', end);
    client.on('error', end);
    upstream.on('close', end);
  });
  server.on('connection', track);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const credentials = options.credentials ? `${encodeURIComponent(options.credentials.username)}:${encodeURIComponent(options.credentials.password)}@` : '';
  return {
    url: `http://127.0.0.1:${port}`,
    urlWithCredentials: `http://${credentials}127.0.0.1:${port}`,
    seen,
    log,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
