import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CdnOrigin } from './cdn';
import type { CdnFault } from './faults';
import type { RedirectPlan, Simulation } from './state';
import type { StoredImage } from './types';
import { brotliCompressSync, constants, deflateSync, gzipSync } from 'node:zlib';

/*
 * The CDN's own faults: redirects (to the object, in circles, or anywhere at all) and bodies
 * that are not what the headers promise (an HTML page, nothing, too little, too slow, or an
 * image cut in half). Redirect chains are remembered by a token in their URLs: hops are
 * `/redirect/<token>/<n>`, and the last link is the object's own path with `?sig=<token>`.
 */

/** A download that met a fault, with the object its link stands for. */
export interface Download {
  origin: CdnOrigin;
  req: IncomingMessage;
  res: ServerResponse;
  image: StoredImage;
  /** The object's path on the CDN. */
  path: string;
}

/** Whether a request is the last link of a redirect chain that a fault started. */
export function isChainEnd(sim: Simulation, query: URLSearchParams): boolean {
  const token = query.get('sig');
  const plan = token === null ? undefined : sim.redirects.get(token);
  return plan !== undefined && !plan.loop;
}

export function applyCdnFault(sim: Simulation, fault: CdnFault, download: Download): void {
  const { origin, req, res, image } = download;
  switch (fault.kind) {
    case 'redirect':
    case 'redirectLoop':
      startChain(sim, fault, download);
      return;
    case 'redirectTo':
      redirect(sim, origin, req, res, fault.status ?? 302, fault.location);
      return;
    case 'html':
      sendWhole(sim, download, 'image/png', Buffer.from(captivePage, 'utf8'));
      return;
    case 'emptyBody':
      sendWhole(sim, download, image.mime, Buffer.alloc(0));
      return;
    case 'truncatedImage':
      // The transfer is complete; the image in it is not.
      sendWhole(sim, download, image.mime, Buffer.from(image.bytes.subarray(0, Math.floor(image.bytes.length / 2))));
      return;
    case 'truncated':
      sendPart(sim, download, Math.floor(image.bytes.length * (fault.fraction ?? 0.5)), 'destroy');
      return;
    case 'stall':
      // At least one byte stays unsent, or the transfer would be complete.
      sendPart(sim, download, Math.min(fault.afterBytes ?? 1024, image.bytes.length - 1), 'stall');
      return;
    case 'slowBody':
      trickle(sim, download, fault.bytesPerSecond);
      return;
    case 'compressed':
      sendCompressed(sim, download, fault.coding, fault.fraction ?? 1);
      return;
    case 'converted': {
      const bytes = fault.format === 'avif' ? avifSample : heicSample();
      sendWhole(sim, download, `image/${fault.format}`, fault.cut ? bytes.subarray(0, Math.floor(bytes.length / 2)) : bytes);
      return;
    }
  }
}

/** A 64x64 AVIF (a colour ramp), as a converting CDN sends one. */
const avifSample = Buffer.from(
  'AAAAIGZ0eXBhdmlmAAAAAGF2aWZtaWYxbWlhZk1BMUIAAADybWV0YQAAAAAAAAAoaGRscgAAAAAAAAAAcGljdAAAAAAAAAAAAAAAAGxpYmF2aWYAAAAADnBpdG0AAAAAAAEAAAAeaWxvYwAAAABEAAABAAEAAAABAAABGgAAAJQAAAAoaWluZgAAAAAAAQAAABppbmZlAgAAAAABAABhdjAxQ29sb3IAAAAAamlwcnAAAABLaXBjbwAAABRpc3BlAAAAAAAAAEAAAABAAAAAEHBpeGkAAAAAAwgICAAAAAxhdjFDgQAMAAAAABNjb2xybmNseAACAAIABoAAAAAXaXBtYQAAAAAAAAABAAEEAQKDBAAAAJxtZGF0EgAKCRgVf/2CBAQNCDKEARmAEEEEBADdK4vgMYDYHOczdQQEHNlZRsjzkkWUOedArPegL6qGCRB57LatahxrlS1glrhctw5Dke8Feo61MdhY7z4uHafPiRF4tPt04kvfkBjskSNk1Ijqclp/GlJ2AWhcAjRaewc0VZcOe+9njOn4hEMHawvlMWxKsemX/T1rnA1qgA==',
  'base64',
);

/**
 * The boxes of a HEIC as a phone writes it (the brands, a grid of tiles with their sizes, the
 * media data), with random bytes for the coded picture: enough for a client that keeps the file
 * as it came, not for a decoder.
 */
function heicSample(): Buffer {
  const box = (type: string, payload: Buffer): Buffer => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(8 + payload.length);
    head.write(type, 4, 'latin1');
    return Buffer.concat([head, payload]);
  };
  const ispe = (width: number, height: number): Buffer => {
    const payload = Buffer.alloc(12);
    payload.writeUInt32BE(width, 4);
    payload.writeUInt32BE(height, 8);
    return box('ispe', payload);
  };
  return Buffer.concat([
    box('ftyp', Buffer.from('heic\0\0\0\0mif1heic', 'latin1')),
    box('meta', Buffer.concat([ispe(512, 512), ispe(1024, 768)])),
    box('mdat', randomBytes(4096)),
  ]);
}

const captivePage =
  '<!DOCTYPE html>\n<html><head><title>Access Denied</title></head>\n<body><h1>Access Denied</h1>\n' +
  '<p>You don\'t have permission to access this resource on this server. Reference #18.2f3c1602.1757156493.5b0e5a1</p>\n</body></html>\n';

function headersFor(contentType: string, length: number): Record<string, string | number> {
  return { 'content-type': contentType, 'content-length': length, 'cache-control': 'private, max-age=86400' };
}

function sendWhole(sim: Simulation, download: Download, contentType: string, body: Buffer): void {
  const { origin, req, res } = download;
  res.writeHead(200, headersFor(contentType, body.length));
  res.end(req.method === 'HEAD' ? undefined : body);
  sim.log(origin, req, 200);
}

/** Answers 200 with the whole object's headers; false when that was all (a HEAD request). */
function startBody(sim: Simulation, download: Download): boolean {
  const { origin, req, res, image } = download;
  res.writeHead(200, headersFor(image.mime, image.bytes.length));
  sim.log(origin, req, 200);
  if (req.method !== 'HEAD') return true;
  res.end();
  return false;
}

/**
 * Sends the headers of the whole object and its first `count` bytes, then either destroys the
 * connection or leaves it open and silent (it ends when the client closes it or the simulator
 * stops, which closes every connection).
 */
function sendPart(sim: Simulation, download: Download, count: number, then: 'destroy' | 'stall'): void {
  const { res, image } = download;
  if (!startBody(sim, download)) return;
  const part = image.bytes.subarray(0, Math.max(0, Math.min(image.bytes.length, count)));
  res.write(part, () => {
    if (then === 'destroy') res.socket?.destroy();
  });
}

const packs = {
  gzip: (bytes: Uint8Array) => gzipSync(bytes),
  deflate: (bytes: Uint8Array) => deflateSync(bytes),
  br: (bytes: Uint8Array) => brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } }),
};

/** Sends the object compressed with `coding`, whatever the request accepts; only `fraction` of it, then destroys the connection, below 1. */
function sendCompressed(sim: Simulation, download: Download, coding: keyof typeof packs, fraction: number): void {
  const { origin, req, res, image } = download;
  const packed = packs[coding](image.bytes);
  res.writeHead(200, { ...headersFor(image.mime, packed.length), 'content-encoding': coding });
  sim.log(origin, req, 200);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  if (fraction >= 1) {
    res.end(packed);
    return;
  }
  res.write(packed.subarray(0, Math.floor(packed.length * fraction)), () => res.socket?.destroy());
}

/** Sends the whole object at a fixed rate, in ten slices a second. */
function trickle(sim: Simulation, download: Download, bytesPerSecond: number): void {
  const { res, image } = download;
  if (!startBody(sim, download)) return;
  const slice = Math.max(1, Math.round(bytesPerSecond / 10));
  let sent = 0;
  const timer = setInterval(() => {
    const next = image.bytes.subarray(sent, sent + slice);
    sent += next.length;
    if (sent >= image.bytes.length) {
      clearInterval(timer);
      res.end(next);
    } else {
      res.write(next);
    }
  }, 100);
  res.on('close', () => clearInterval(timer));
}

function redirect(sim: Simulation, origin: CdnOrigin, req: IncomingMessage, res: ServerResponse, status: number, location: string): void {
  const body = `<html><head><title>${status}</title></head><body>Redirecting to <a href="${location.replace(/[<>"&]/g, '')}">the object</a>.</body></html>\n`;
  res.writeHead(status, { location, 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : body);
  sim.log(origin, req, status);
}

function startChain(sim: Simulation, fault: Extract<CdnFault, { kind: 'redirect' | 'redirectLoop' }>, download: Download): void {
  const token = randomBytes(8).toString('hex');
  const plan: RedirectPlan =
    fault.kind === 'redirect'
      ? { objectPath: download.path, status: fault.status ?? 302, hops: fault.hops ?? 1, via: fault.via ?? 'same', location: fault.location ?? 'alternate', loop: false }
      : { objectPath: download.path, status: fault.status ?? 302, hops: Infinity, via: 'same', location: 'alternate', loop: true };
  sim.redirects.set(token, plan);
  redirect(sim, download.origin, download.req, download.res, plan.status, locationOf(sim, plan, token, 1, download.origin));
}

/**
 * Where redirect number `step` of a chain points. Hops to another origin are absolute; on the same
 * origin they alternate (odd steps absolute, even steps relative) unless the plan says otherwise.
 */
function locationOf(sim: Simulation, plan: RedirectPlan, token: string, step: number, from: CdnOrigin): string {
  const to: CdnOrigin = plan.via === 'other' ? 'mirror' : 'cdn';
  const path = plan.loop || step < plan.hops ? `/redirect/${token}/${step}` : `${plan.objectPath}?sig=${token}`;
  const absolute = to !== from || plan.location === 'absolute' || (plan.location === 'alternate' && step % 2 === 1);
  return absolute ? `${sim.urls[to]}${path}` : path;
}

/** Answers hop `n` of a chain with the next redirect; answers false for a hop no chain has. */
export function answerHop(sim: Simulation, origin: CdnOrigin, req: IncomingMessage, res: ServerResponse, token: string, n: number): boolean {
  const plan = sim.redirects.get(token);
  if (!plan || n < 1 || (!plan.loop && n >= plan.hops)) {
    return false;
  }
  redirect(sim, origin, req, res, plan.status, locationOf(sim, plan, token, n + 1, origin));
  return true;
}
