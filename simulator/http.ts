import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/*
 * Helpers every listener uses: the documented error, JSON answers, bodies read with a limit.
 */

/** An answer in the documented error body: `{"error": {code, message, type, param?}}`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly code: number | string,
    message: string,
    readonly param?: string,
    /** The documented `fallback_suggestion`: what to do instead (another model while one is busy). */
    readonly suggestion?: string,
  ) {
    super(message);
  }
}

/** The largest JSON body the API reads. */
export const maxJsonBody = 1024 * 1024;

export const mimeOf: Record<string, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  bmp: 'image/bmp',
  tiff: 'image/tiff',
};

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Rounds credits to four decimals, so that sums of prices stay exact in answers. */
export function round(value: number): number {
  return Math.round(value * 10000) / 10000;
}

/** Reads a whole body, refusing it with 413 once it passes `limit` bytes. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      throw new HttpError(413, 'request_too_large_error', 'request_too_large', `request body is larger than ${limit} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string | string[]> = {}): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/**
 * Answers the documented error body. 4xx answers carry the request id at the end of the
 * message; 5xx answers carry it in `x-oneapi-request-id`. Both forms occur in the wild.
 */
export function sendError(res: ServerResponse, error: HttpError, requestId: string, extraHeaders: Record<string, string | string[]> = {}, httpStatus = error.status): void {
  const body: Record<string, unknown> = {
    code: error.code,
    message: error.status < 500 ? `${error.message} (request id: ${requestId})` : error.message,
    type: error.type,
  };
  if (error.param) body.param = error.param;
  if (error.suggestion) body.fallback_suggestion = error.suggestion;
  const headers: Record<string, string | string[]> = { ...extraHeaders };
  if (error.status >= 500) headers['x-oneapi-request-id'] = requestId;
  // A body that was too large was not read to its end: the connection cannot be reused.
  if (error.status === 413) headers.connection = 'close';
  sendJson(res, httpStatus, { error: body }, headers);
}

/** The JSON body of a request that must say `application/json`; a 400 like the service's otherwise. */
export function parseJsonBody(req: IncomingMessage, body: Buffer): unknown {
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
    throw new HttpError(400, 'invalid_request_error', 400, 'Content-Type must be application/json');
  }
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'invalid_request_error', 400, 'request body is not valid JSON');
  }
}
