import * as vscode from 'vscode';
import { createVsCodeTransport } from './vscodeTransport';
import { createUndiciTransport, type Transport } from './transport';

/*
 * Which transport the extension uses inside VS Code, from VS Code's own `http.*` settings.
 * VS Code's network support wraps the extension host's global fetch (since 1.96, on by default):
 * it applies the proxy settings, the system proxy and PAC, proxy authentication and system
 * certificates in the order VS Code itself uses. The extension does not repeat that logic.
 */

/** How the extension reaches the network, and why. */
export interface NetworkChoice {
  transport: Transport;
  /** For the log: which path and which settings chose it. */
  description: string;
}

/** The settings that choose the path; any change under `http` makes a new transport. */
export const networkSection = 'http';

/** Whether requests go through VS Code's network support (see {@link chooseTransport}), or undici's own connections. */
export function usesVsCodeNetwork(): boolean {
  const http = vscode.workspace.getConfiguration(networkSection);
  return http.get<boolean>('fetchAdditionalSupport', true) && http.get<string>('proxySupport', 'override') !== 'off';
}

/**
 * Builds the transport for the current settings:
 * - VS Code's fetch (the default): `http.fetchAdditionalSupport` on and `http.proxySupport`
 *   not `off`. VS Code then follows `http.proxy`, `http.noProxy`, the proxy environment
 *   variables, the system proxy or PAC, `http.proxyAuthorization` and 407 prompts, and
 *   `http.systemCertificates`.
 * - undici, as before VS Code had fetch support: when one of those is off. It follows
 *   `http.proxy`, `http.noProxy`, `http.proxyStrictSSL` and the proxy environment variables.
 */
export function chooseTransport(): NetworkChoice {
  const http = vscode.workspace.getConfiguration(networkSection);
  const fetchSupport = http.get<boolean>('fetchAdditionalSupport', true);
  const proxySupport = http.get<string>('proxySupport', 'override');
  if (usesVsCodeNetwork()) {
    return {
      transport: createVsCodeTransport((input, init) => globalThis.fetch(input, init)),
      description: `VS Code's network support (fetch, and the https module for results; http.proxySupport: ${proxySupport})`,
    };
  }
  const settings = {
    proxy: http.get<string>('proxy', ''),
    strictSSL: http.get<boolean>('proxyStrictSSL', true),
    noProxy: http.get<string[]>('noProxy', []),
  };
  return {
    transport: createUndiciTransport(settings),
    description: `its own connections (undici; http.fetchAdditionalSupport: ${String(fetchSupport)}, http.proxySupport: ${proxySupport}, proxy ${settings.proxy ? 'from http.proxy' : 'from the environment, if any'})`,
  };
}

