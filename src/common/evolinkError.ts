/*
 * The typed failure of the client, on its own: code that only makes or tells one (the key store,
 * loaded at activation) does not bring the wire schemas along.
 */

/**
 * Why a call to EvoLink did not give what was asked. Every failure the extension can meet maps
 * to exactly one reason; the host turns a reason into a localized sentence and its actions.
 */
export type ErrorReason =
  | 'auth'
  | 'credits'
  | 'permission'
  | 'invalidRequest'
  | 'notFound'
  | 'rateLimited'
  | 'server'
  | 'network'
  /**
   * The server's certificate was not trusted (`details.code` holds the TLS code, e.g.
   * `SELF_SIGNED_CERT_IN_CHAIN`): typically a network that inspects HTTPS with its own CA that
   * is not among the certificates VS Code uses. Nothing was sent.
   */
  | 'certificate'
  /** The proxy refused the tunnel (`details.status`, e.g. 407 when its credentials are missing or wrong). Nothing was sent. */
  | 'proxy'
  | 'timeout'
  | 'invalidResponse'
  | 'taskFailed'
  | 'cancelled'
  | 'configuration'
  /** A result link the CDN no longer serves (older than its 24 h, or gone). */
  | 'expired'
  /** A download over the size cap. */
  | 'tooLarge'
  /** The files API refused an upload (possibly with HTTP 200 and `success: false`). */
  | 'uploadFailed'
  /** A local file could not be read or written. */
  | 'fileSystem'
  /** A failure the extension did not foresee (a defect): details go to the log only. */
  | 'unexpected';

/** Whose credits ran out on a 402: the account's balance, or this key's own limit. */
export type CreditsScope = 'account' | 'key';

/** The fields of an {@link EvoLinkError} besides its reason and message. */
export interface EvoLinkErrorDetails {
  /** The HTTP status, when the failure came from an HTTP answer. */
  status?: number;
  /** The service's error code (a number or a string on the wire, kept as a string). */
  code?: string;
  /** The request parameter the service blamed, e.g. `prompt`. */
  param?: string;
  /** A request id to quote to support. */
  requestId?: string;
  /** The service's suggestion of what to do instead. */
  suggestion?: string;
  /** How long the service asked us to wait before trying again. */
  retryAfterMs?: number;
  /** For `credits`: whether the account or the key ran out. */
  creditsScope?: CreditsScope;
  /** For a paid POST: the request may or may not have been taken. */
  outcomeUnknown?: boolean;
  /** No connection to the service was made (refused, a name not found, no route, a port fetch blocks, a proxy's or a certificate's refusal): nothing was sent. */
  notSent?: boolean;
  /** For a redirect of an API call: where it led, origin and path only (never a query). */
  location?: string;
  /** For `fileSystem`: the file or folder, relative to the workspace (never a path of the machine). */
  path?: string;
  /** The underlying error, for the log. */
  cause?: unknown;
}

/**
 * A typed failure of the EvoLink client. Its `message` is the service's own text (or a short
 * technical description), never a user-facing sentence and never anything secret.
 */
export class EvoLinkError extends Error {
  readonly reason: ErrorReason;
  readonly details: EvoLinkErrorDetails;

  constructor(reason: ErrorReason, message: string, details: EvoLinkErrorDetails = {}) {
    super(message);
    this.name = 'EvoLinkError';
    this.reason = reason;
    this.details = details;
  }
}

/** True when `error` is an {@link EvoLinkError} with one of the given reasons. */
export function isEvoLinkError(error: unknown, ...reasons: ErrorReason[]): error is EvoLinkError {
  return error instanceof EvoLinkError && (reasons.length === 0 || reasons.includes(error.reason));
}
