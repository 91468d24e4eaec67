import * as vscode from 'vscode';
import { type EvoLinkError } from '../../common/errors';
import { usesVsCodeNetwork } from '../net/vscodeNetwork';

/** A button on an error message and what it does. */
export interface ErrorAction {
  title: string;
  run(): unknown;
}

/** What the host does for the actions it offers; supplied by the services. */
export interface ErrorActionHandlers {
  setApiKey(): unknown;
  showLog(): unknown;
}

/** Where a user tops up or manages keys. */
export const dashboardUrls = {
  credits: 'https://evolink.ai/dashboard/credits',
  keys: 'https://evolink.ai/dashboard/keys',
} as const;

/** Appends the request id that users quote to support, when there is one. */
export function withRequestId(sentence: string, error: EvoLinkError): string {
  const id = error.details.requestId;
  return id ? `${sentence} ${vscode.l10n.t('Request id: {0}.', id)}` : sentence;
}

/**
 * Turns a failure into one localized sentence that says what happened and what to do, with at
 * most two actions. `retry`, when given, is offered for failures that may pass on a second try.
 */
export function describeError(
  error: EvoLinkError,
  handlers: ErrorActionHandlers,
  retry?: () => unknown,
): Described {
  const setKey: ErrorAction = { title: vscode.l10n.t('Set API Key'), run: () => handlers.setApiKey() };
  const openOutput: ErrorAction = { title: vscode.l10n.t('Open Output'), run: () => handlers.showLog() };
  const retryAction: ErrorAction[] = retry ? [{ title: vscode.l10n.t('Retry'), run: retry }] : [];
  const open = (url: string): ErrorAction => ({
    title: vscode.l10n.t('Top Up'),
    run: () => vscode.env.openExternal(vscode.Uri.parse(url)),
  });
  const serverText = error.message;
  const a: Actions = { setKey, openOutput, retryAction, open };
  const described = describeServiceError(error, serverText, a) ?? describeOtherError(error, serverText, a);
  // What EvoLink suggests instead (its `fallback_suggestion`, another model when one is busy), in its words.
  const suggestion = error.details.suggestion;
  return suggestion ? { ...described, message: `${described.message} ${vscode.l10n.t('EvoLink suggests: {0}', suggestion)}` } : described;
}

/** The sentence alone, where no action can be offered (a status line, a webview, a sentence of its own). */
export function describeMessage(error: EvoLinkError): string {
  return describeError(error, { setApiKey: () => undefined, showLog: () => undefined }).message;
}

/** The actions a sentence may offer. */
interface Actions {
  setKey: ErrorAction;
  openOutput: ErrorAction;
  retryAction: ErrorAction[];
  open: (url: string) => ErrorAction;
}

/** A sentence and its actions. */
type Described = { message: string; actions: ErrorAction[] };

/** Failures the service answered: the key, credits, permissions, the request, limits, outages. */
function describeServiceError(error: EvoLinkError, serverText: string, a: Actions): Described | undefined {
  const { setKey, openOutput, retryAction, open } = a;
  // A proxy's, a firewall's or a sign-in page in the way (refusing the key, an upload, or
  // answering 511): neither the key nor EvoLink is the matter.
  if (error.details.code === 'webPage') return describeUnreadable(error, a);
  switch (error.reason) {
    case 'auth':
      // Cleared (in this window or another) since the request was made: nothing was sent.
      if (error.details.code === 'noKey') return { message: vscode.l10n.t('No EvoLink API key is set, so nothing was sent. Set your key, then try again.'), actions: [setKey] };
      return {
        message: withRequestId(vscode.l10n.t('EvoLink did not accept the API key ({0}). Set a valid key.', serverText), error),
        actions: [setKey],
      };
    case 'credits':
      return error.details.creditsScope === 'key'
        ? {
            message: withRequestId(vscode.l10n.t("This API key has reached its own credit limit ({0}). Raise the key's limit in the EvoLink dashboard or use another key.", serverText), error),
            actions: [{ ...open(dashboardUrls.keys), title: vscode.l10n.t('Manage Keys') }, setKey],
          }
        : {
            message: withRequestId(vscode.l10n.t('Your EvoLink balance is too low for this request ({0}). Top up your credits and try again.', serverText), error),
            actions: [open(dashboardUrls.credits)],
          };
    case 'permission':
      return {
        message: withRequestId(vscode.l10n.t('This API key is not allowed to do this ({0}). Check the key in the EvoLink dashboard or use another key.', serverText), error),
        actions: [setKey],
      };
    case 'invalidRequest':
      if (error.details.code === 'refusedBeforeSending') {
        return { message: vscode.l10n.t('This request cannot be sent as it is: {0} Nothing was sent, nothing is charged.', serverText), actions: [] };
      }
      return {
        message: withRequestId(
          error.details.param
            ? vscode.l10n.t('EvoLink refused the request: {0} (parameter: {1}).', serverText, error.details.param)
            : vscode.l10n.t('EvoLink refused the request: {0}', serverText),
          error,
        ),
        actions: [openOutput],
      };
    case 'notFound':
      return { message: withRequestId(vscode.l10n.t('EvoLink does not know this resource: {0}', serverText), error), actions: [openOutput] };
    case 'rateLimited':
      return {
        message: withRequestId(vscode.l10n.t('EvoLink is rate limiting requests. Wait a moment and try again.'), error),
        actions: [...retryAction, openOutput].slice(0, 2),
      };
    case 'server':
      return {
        message: withRequestId(vscode.l10n.t('EvoLink had a problem ({0}). Try again in a minute.', serverText), error),
        actions: [...retryAction, openOutput].slice(0, 2),
      };
    default:
      return undefined;
  }
}

/** What went wrong with a file, and what to do: the path named is the workspace's. */
function fileProblem(error: EvoLinkError): string {
  const path = error.details.path;
  switch (error.details.code) {
    case 'readFailed':
      return vscode.l10n.t('{0} cannot be read. Check that it still exists and that you may open it, then try again.', path ?? '?');
    case 'diskFull':
      return vscode.l10n.t('{0} cannot be written: the disk is full. Free some space, then try again.', path ?? '?');
    case 'readOnly':
      return vscode.l10n.t('{0} cannot be written (read-only, or no permission). Choose another folder in the setting "evolink.outputFolder", or make it writable.', path ?? '?');
    case 'sentUnrecorded':
      return vscode.l10n.t('The request may have reached EvoLink, but its record on this machine could not be written (a full disk, or no permission). Once it can be written, the extension finishes the task on its own; it is listed in "EvoLink: Show Tasks". Do not submit it again: that may charge twice.');
    default:
      return path ? vscode.l10n.t('{0} could not be written. The details are in the output.', path) : vscode.l10n.t('A file could not be read or written. The details are in the output.');
  }
}

/** Opens the Settings editor on one setting. */
function openSettings(setting: string): ErrorAction {
  return { title: vscode.l10n.t('Open Settings'), run: () => vscode.commands.executeCommand('workbench.action.openSettings', setting) };
}

/** An answer the extension cannot read: a web page where EvoLink's JSON belongs says more than "unreadable". */
function describeUnreadable(error: EvoLinkError, { openOutput, retryAction }: Actions): Described {
  if (error.details.code === 'webPage') {
    return { message: vscode.l10n.t('A web page came back instead of EvoLink\'s answer: a network that wants a sign-in first, or a proxy, may be in the way. Open any website in a browser to check, then try again.'), actions: [...retryAction, openOutput].slice(0, 2) };
  }
  if (error.details.code === 'apiRedirect') {
    // The address the setting names is an old or a wrong one of the service; a redirect is never followed with the key.
    // An upload's redirect names the setting of the files address (client.ts); any other, the API's.
    const setting = error.details.param === 'evolink.filesApiBaseUrl' ? error.details.param : 'evolink.apiBaseUrl';
    return {
      message: vscode.l10n.t('EvoLink answered with a redirect to {0}, which the extension does not follow. Check the setting "{1}", then try again.', error.details.location ?? '?', setting),
      actions: [openSettings(setting), openOutput],
    };
  }
  return {
    // The extension's own description of the answer is for the log, not for the sentence.
    message: withRequestId(vscode.l10n.t('EvoLink sent an answer the extension cannot read. The details are in the output.'), error),
    actions: [...retryAction, openOutput].slice(0, 2),
  };
}

/** What a network failure's code says, in words, with the code for support; `undefined` for a code it does not know. */
function networkWords(code: string | undefined): string | undefined {
  const words: Record<string, () => string> = {
    ENOTFOUND: () => vscode.l10n.t('the server name was not found'),
    EAI_AGAIN: () => vscode.l10n.t('the server name was not found'),
    ECONNREFUSED: () => vscode.l10n.t('the connection was refused'),
    ECONNRESET: () => vscode.l10n.t('the connection broke off'),
    EPIPE: () => vscode.l10n.t('the connection broke off'),
    UND_ERR_SOCKET: () => vscode.l10n.t('the connection broke off'),
    EHOSTUNREACH: () => vscode.l10n.t('the network cannot reach the server'),
    ENETUNREACH: () => vscode.l10n.t('the network cannot reach the server'),
  };
  const said = code !== undefined ? words[code]?.() : undefined;
  return said === undefined ? undefined : `${said}, ${code}`;
}

/** OpenSSL's own words (`…:error:0A00010B:SSL routines:…`): for the log, never for a sentence. */
const openSslText = /SSL routines|:error:[0-9A-F]{6,8}:|^ERR_SSL_|^EPROTO\b/i;

/**
 * A TLS failure in words: a handshake's (the failure says nothing was sent, failures.ts) is
 * usually an https address on a server or a proxy that speaks plain http; any other broke off.
 */
function secureConnectionWords(error: EvoLinkError): string | undefined {
  const code = error.details.code;
  const tls = (code !== undefined && /^(ERR_SSL_|EPROTO$)/.test(code)) || openSslText.test(error.message);
  if (!tls) return undefined;
  const said = error.details.notSent
    ? vscode.l10n.t('the secure connection could not be set up (is the address https on a server that speaks https? is the proxy address right?)')
    : vscode.l10n.t('the secure connection broke off');
  return code === undefined ? said : `${said}, ${code}`;
}

/** A setting the extension cannot use, or the secret storage that did not give the key. */
function describeConfiguration(error: EvoLinkError, serverText: string, { openOutput, retryAction, setKey }: Actions): Described {
  if (error.details.code === 'keyElsewhere') {
    const setting = error.details.param ?? 'evolink.apiBaseUrl';
    return {
      message: vscode.l10n.t(
        "Nothing was sent: the setting {0} sends requests to {1}, which is not EvoLink's own address, and your API key was not set for it. If you chose that address, choose Set API Key to use your key there too; if not, remove the setting (a workspace or a dev container may have set it).",
        setting,
        serverText,
      ),
      actions: [setKey, openSettings(setting)],
    };
  }
  if (error.details.code === 'keyringTimeout') {
    return {
      message: vscode.l10n.t("VS Code's secret storage (the system keyring) did not give the API key within a minute. If the keyring asks to be unlocked, unlock it, then try again. Nothing was sent."),
      actions: [...retryAction, openOutput].slice(0, 2),
    };
  }
  return {
    message: serverText,
    actions: [
      {
        title: vscode.l10n.t('Open Settings'),
        run: () => vscode.commands.executeCommand('workbench.action.openSettings', error.details.param ?? 'evolink'),
      },
    ],
  };
}

/** Failures on the way or on this machine: the network, answers, files, links, defects. */
function describeOtherError(error: EvoLinkError, serverText: string, a: Actions): Described {
  const { openOutput, retryAction } = a;
  switch (error.reason) {
    case 'network': {
      const why = networkWords(error.details.code) ?? secureConnectionWords(error) ?? serverText;
      return {
        message: error.details.notSent
          ? vscode.l10n.t('Could not reach EvoLink ({0}). Nothing was sent, nothing is charged. Check your connection, the proxy settings and the API address, then try again.', why)
          : vscode.l10n.t('Could not reach EvoLink ({0}). Check your connection and proxy settings, then try again.', why),
        actions: [...retryAction, openOutput].slice(0, 2),
      };
    }
    case 'certificate':
      // On undici's own connections VS Code's certificates play no part.
      if (!usesVsCodeNetwork()) {
        return {
          message: vscode.l10n.t(
            'The connection to EvoLink was stopped because its certificate is not trusted ({0}). With "http.fetchAdditionalSupport" or "http.proxySupport" off, the extension makes its own connections, which trust only the certificate authorities built into Node: turn both back on so that VS Code\'s system certificates are used. Nothing was sent.',
            error.details.code ?? serverText,
          ),
          actions: [openSettings('http.fetchAdditionalSupport'), openOutput],
        };
      }
      return {
        message: vscode.l10n.t(
          'The connection to EvoLink was stopped because its certificate is not trusted ({0}). If your network inspects HTTPS traffic, install its certificate authority as a system certificate and keep the setting "http.systemCertificates" on. Nothing was sent.',
          error.details.code ?? serverText,
        ),
        actions: [openSettings('http.systemCertificates'), openOutput],
      };
    case 'proxy':
      return {
        message:
          error.details.status === 407
            ? vscode.l10n.t('The proxy asks for credentials it did not get or did not accept (HTTP 407). Check the proxy settings ("http.proxy") or sign in to the proxy, then try again. Nothing was sent.')
            : vscode.l10n.t('The proxy refused the connection to EvoLink (HTTP {0}). Check the proxy settings ("http.proxy"), then try again. Nothing was sent.', error.details.status ?? '?'),
        actions: [openSettings('http.proxy'), openOutput],
      };
    case 'timeout':
      return {
        message: vscode.l10n.t('EvoLink did not answer in time. Check your connection, then try again.'),
        actions: [...retryAction, openOutput].slice(0, 2),
      };
    case 'invalidResponse':
      return describeUnreadable(error, a);
    case 'taskFailed':
      return { message: withRequestId(vscode.l10n.t('The image task failed: {0}', serverText), error), actions: [...retryAction, openOutput].slice(0, 2) };
    case 'configuration':
      return describeConfiguration(error, serverText, a);
    case 'expired':
      return {
        message: vscode.l10n.t('The result link has expired (EvoLink keeps results for 24 hours), so this image can no longer be downloaded.'),
        actions: [openOutput],
      };
    case 'tooLarge':
      return { message: vscode.l10n.t('The result is larger than the extension accepts.'), actions: [openOutput] };
    case 'uploadFailed':
      return {
        message: withRequestId(vscode.l10n.t('EvoLink did not accept the upload: {0}', serverText), error),
        actions: [...retryAction, openOutput].slice(0, 2),
      };
    case 'fileSystem':
      return { message: fileProblem(error), actions: [openOutput] };
    case 'unexpected':
      return { message: vscode.l10n.t('Something went wrong ({0}). The details are in the output.', serverText), actions: [openOutput] };
    case 'cancelled':
      return { message: '', actions: [] };
    default:
      return { message: serverText, actions: [openOutput] };
  }
}
