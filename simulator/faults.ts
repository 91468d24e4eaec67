import type { ServerResponse } from 'node:http';
import { HttpError, sendError, sendJson, sleep } from './http';
import type { Simulation } from './state';

/** A fault of the HTTP exchange. */
export type HttpFault =
  | { kind: 'status'; status: number; retryAfter?: string; body?: 'json' | 'html' | 'empty'; code?: string | number; message?: string }
  | { kind: 'reset' }
  | { kind: 'delay'; ms: number }
  | { kind: 'malformedJson' }
  /** The files API's refusal in the body of an HTTP 200: `success: false`. */
  | { kind: 'refusedWith200'; code: number; msg: string };

const statusTypes: Record<number, string> = {
  429: 'rate_limit_error',
  500: 'internal_server_error',
  502: 'upstream_error',
  503: 'service_unavailable_error',
};

/** The status a fault answers, for the request log; 0 when no answer was sent. */
export function loggedStatus(fault: HttpFault): number {
  if (fault.kind === 'status') return fault.status;
  if (fault.kind === 'refusedWith200') return 200;
  return 0;
}

/** Applies an HTTP fault; answers true when the exchange is over. */
export async function applyFault(sim: Simulation, fault: HttpFault, res: ServerResponse): Promise<boolean> {
  switch (fault.kind) {
    case 'delay':
      await sleep(fault.ms);
      return false;
    case 'reset':
      res.socket?.destroy();
      return true;
    case 'malformedJson':
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id": "task-unified-17571564');
      return true;
    case 'refusedWith200':
      sendJson(res, 200, { success: false, code: fault.code, msg: fault.msg, data: null });
      return true;
    case 'status':
      sendStatusFault(sim, fault, res);
      return true;
  }
}

function sendStatusFault(sim: Simulation, fault: Extract<HttpFault, { kind: 'status' }>, res: ServerResponse): void {
  const headers: Record<string, string> = {};
  if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
  if (fault.body === 'html') {
    const html = `<html>\r\n<head><title>${fault.status} Bad Gateway</title></head>\r\n<body>\r\n<center><h1>${fault.status} Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
    res.writeHead(fault.status, { 'content-type': 'text/html', ...headers });
    res.end(html);
  } else if (fault.body === 'empty') {
    res.writeHead(fault.status, headers);
    res.end();
  } else {
    const error = new HttpError(fault.status, statusTypes[fault.status] ?? 'api_error', fault.code ?? fault.status, fault.message ?? `simulated ${fault.status}`);
    sendError(res, error, sim.nextRequestId(), headers);
  }
}
