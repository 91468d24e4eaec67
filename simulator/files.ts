import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import busboy from 'busboy';
import { applyFault, loggedStatus } from './faults';
import { HttpError, mimeOf, readBody, sendJson } from './http';
import { inspectImage } from './images';
import { uploadRules } from './rules';
import type { Simulation } from './state';
import type { KeyRecord, StoredFile } from './types';

/*
 * The files API origin: uploads that turn a local file into a link on the CDN. Its refusals
 * come in its own body, `{success: false, code, msg}`, and some of them with HTTP 200.
 */

type Upload = { bytes: Buffer; name: string };

export async function handleFiles(sim: Simulation, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', sim.urls.files);
  const mode = req.method === 'POST' ? /^\/api\/v1\/files\/upload\/(stream|base64|url)$/.exec(url.pathname)?.[1] : undefined;
  const fault = mode ? sim.takeFault('upload') : undefined;
  const fail = (status: number, httpStatus: number, msg: string, headers: Record<string, string | string[]> = {}): void => {
    sendJson(res, httpStatus, { success: false, code: status, msg, data: null }, headers);
    sim.log('files', req, httpStatus);
  };
  // The files API answers its refusals in its own envelope, whatever the status (a rate limit with its Retry-After).
  if (fault?.kind === 'status' && (fault.body ?? 'json') === 'json' && fault.status >= 400) {
    fail(fault.status, fault.asStatus ?? fault.status, fault.message ?? `simulated ${fault.status}`, fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter });
    return;
  }
  if (fault && (await applyFault(sim, fault, res))) {
    sim.log('files', req, loggedStatus(fault));
    return;
  }
  if (!mode) {
    fail(404, 404, `No route for ${req.method} ${url.pathname}`);
    return;
  }
  let key: KeyRecord;
  let upload: Upload | undefined;
  try {
    key = sim.authenticate(req);
    upload = await readUpload(sim, mode, req);
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    fail(error.status, error.status, error.message);
    return;
  }
  if (!upload) {
    // The service answers some refusals with HTTP 200 and success: false.
    fail(400, 200, 'No file was provided');
    return;
  }
  const info = await inspectImage(upload.bytes);
  if (!info || !uploadRules.formats.includes(info.format)) {
    fail(400, 200, `Unsupported file type${info ? ` (${info.format})` : ''}; only image/jpeg, image/png, image/gif and image/webp are supported`);
    return;
  }
  const now = sim.clock.now();
  const live = [...sim.files.values()].filter((file) => file.accountId === key.account.id && file.expiresAtSim > now);
  if (live.length >= uploadRules.maxFilesPerAccount) {
    fail(403, 200, `File quota exceeded: an account holds at most ${uploadRules.maxFilesPerAccount} files`);
    return;
  }
  const file = store(sim, key, upload, info);
  sendJson(res, 200, {
    success: true,
    code: 200,
    msg: 'upload success',
    data: {
      file_id: file.id,
      file_name: file.name,
      original_name: upload.name,
      file_size: upload.bytes.length,
      mime_type: file.mime,
      file_url: file.url,
      download_url: `${file.url}?download=1`,
      upload_time: new Date(now).toISOString(),
      expires_at: new Date(file.expiresAtSim).toISOString(),
    },
  });
  sim.log('files', req, 200, upload.bytes);
}

function store(sim: Simulation, key: KeyRecord, upload: Upload, info: NonNullable<Awaited<ReturnType<typeof inspectImage>>>): StoredFile {
  const id = `file_${randomBytes(9).toString('base64url').replace(/[^a-z0-9]/gi, 'x')}`;
  const safeName = upload.name.replace(/[^\w.-]+/g, '_') || `upload.${info.format}`;
  const fileUrl = `${sim.urls.cdn}/files/${id}/${safeName}`;
  const file: StoredFile = {
    id,
    name: safeName,
    mime: mimeOf[info.format] as string,
    accountId: key.account.id,
    url: fileUrl,
    expiresAtSim: sim.clock.now() + uploadRules.lifetimeMs,
    bytes: upload.bytes,
    format: info.format,
    width: info.width,
    height: info.height,
  };
  sim.files.set(id, file);
  sim.images.set(fileUrl, { ...file });
  return file;
}

const tooLarge = (): HttpError => new HttpError(413, 'request_too_large_error', 413, `File is larger than ${uploadRules.maxBytes / (1024 * 1024)}MB`);

function readMultipart(req: IncomingMessage): Promise<Upload | undefined> {
  if (!/^multipart\/form-data/i.test(req.headers['content-type'] ?? '')) {
    throw new HttpError(400, 'invalid_request_error', 400, 'Content-Type must be multipart/form-data');
  }
  return new Promise((resolve, reject) => {
    let found: Upload | undefined;
    let overLimit = false;
    const parser = busboy({ headers: req.headers, limits: { fileSize: uploadRules.maxBytes, files: 1 } });
    parser.on('file', (field, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => {
        overLimit = true;
      });
      stream.on('end', () => {
        if (field === 'file') found = { bytes: Buffer.concat(chunks), name: info.filename || 'upload' };
      });
    });
    parser.on('error', () => reject(new HttpError(400, 'invalid_request_error', 400, 'Malformed multipart body')));
    parser.on('close', () => {
      if (overLimit) reject(tooLarge());
      else resolve(found);
    });
    req.pipe(parser);
  });
}

async function readUpload(sim: Simulation, mode: string, req: IncomingMessage): Promise<Upload | undefined> {
  if (mode === 'stream') {
    return readMultipart(req);
  }
  const body = await readBody(req, Math.ceil(uploadRules.maxBytes * 1.4));
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new HttpError(400, 'invalid_request_error', 400, 'request body is not valid JSON');
  }
  const name = typeof json.file_name === 'string' ? json.file_name : 'upload';
  if (mode === 'base64') {
    if (typeof json.base64_data !== 'string') return undefined;
    const data = json.base64_data.replace(/^data:[^;,]+;base64,/, '');
    const bytes = Buffer.from(data, 'base64');
    if (bytes.length > uploadRules.maxBytes) {
      throw tooLarge();
    }
    return { bytes, name };
  }
  if (typeof json.file_url !== 'string') return undefined;
  const known = sim.lookupImage(json.file_url);
  return known ? { bytes: Buffer.from(known.bytes), name: name === 'upload' ? (json.file_url.split('/').pop() ?? name) : name } : undefined;
}
