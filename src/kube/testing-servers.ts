/**
 * Test support: small real API servers (plain HTTP, or HTTPS with a CA and
 * client certificates made by openssl) so auth and probes are exercised
 * through the official client end to end, with no mocks.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface TestServer {
  url: string;
  close: () => Promise<void>;
}

function listen(server: net.Server, scheme: string): Promise<TestServer> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      resolve({
        url: `${scheme}://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((r) => {
            (server as http.Server).closeAllConnections?.();
            server.close(() => r());
          }),
      });
    });
  });
}

export const startHttpServer = (h: Handler) => listen(http.createServer(h), 'http');

/** Accepts connections and never answers: a hung API server. */
export function startBlackhole(): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  const s = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('error', () => undefined);
  });
  return listen(s, 'https').then((t) => ({
    url: t.url,
    close: async () => {
      for (const sock of sockets) sock.destroy();
      await t.close();
    },
  }));
}

/** A port that was free a moment ago: nothing listens there. */
export async function closedPortUrl(): Promise<string> {
  const t = await listen(net.createServer(), 'https');
  await t.close();
  return t.url;
}

export interface Pki {
  caFile: string;
  caData: string;
  clientCertData: string;
  clientKeyData: string;
  serverCert: Buffer;
  serverKey: Buffer;
  ca: Buffer;
}

export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A CA, a server certificate for 127.0.0.1 and a client certificate, all from openssl. */
export function makePki(dir: string, san = 'IP:127.0.0.1'): Pki {
  const o = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  o('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=paddock-test-ca');
  fs.writeFileSync(path.join(dir, 'san.ext'), `subjectAltName=${san}\n`);
  o('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  o('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'san.ext');
  o('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=paddock-user/O=system:masters');
  o('x509', '-req', '-in', 'client.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.crt', '-days', '2');
  const read = (f: string) => fs.readFileSync(path.join(dir, f));
  return {
    caFile: path.join(dir, 'ca.crt'),
    caData: read('ca.crt').toString('base64'),
    clientCertData: read('client.crt').toString('base64'),
    clientKeyData: read('client.key').toString('base64'),
    serverCert: read('server.crt'),
    serverKey: read('server.key'),
    ca: read('ca.crt'),
  };
}

/** HTTPS that asks for a client certificate; the handler sees whether it was valid. */
export function startHttpsServer(pki: Pki, h: (req: http.IncomingMessage, res: http.ServerResponse, clientCN?: string) => void): Promise<TestServer> {
  const s = https.createServer({ cert: pki.serverCert, key: pki.serverKey, ca: pki.ca, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const sock = req.socket as import('node:tls').TLSSocket;
    const cn = sock.authorized ? (sock.getPeerCertificate().subject?.CN as string | undefined) : undefined;
    h(req, res, cn);
  });
  return listen(s, 'https');
}

export function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** An HTTP CONNECT proxy (what proxy-url: http://… means); counts the tunnels it opened. */
export async function startConnectProxy(): Promise<TestServer & { tunnels: () => number }> {
  let tunnels = 0;
  const sockets = new Set<net.Socket>();
  const server = http.createServer((_req, res) => {
    res.writeHead(405);
    res.end();
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const [host, port] = (req.url ?? '').split(':');
    sockets.add(client);
    const upstream = net.connect(Number(port), host ?? '127.0.0.1', () => {
      tunnels++;
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  const t = await listen(server, 'http');
  return {
    url: t.url,
    tunnels: () => tunnels,
    close: async () => {
      for (const sock of sockets) sock.destroy();
      await t.close();
    },
  };
}
