import * as vscode from 'vscode';
import { isLoopbackHost } from '../../common/endpoints';
import { endpointsFrom, type SettingsService } from '../config/settings';
import type { Transport } from '../net/transport';
import { chooseTransport, networkSection } from '../net/vscodeNetwork';
import { EvoLinkClient } from './client';

/**
 * The window's one EvoLink client, made on first use. Its endpoints and timeout are read from the
 * settings at every call; its transport is made anew when VS Code's network settings change.
 */
export class ClientProvider implements vscode.Disposable {
  private transport: Transport | undefined;
  private client: EvoLinkClient | undefined;
  private readonly listener: vscode.Disposable;

  constructor(
    private readonly settings: SettingsService,
    private readonly userAgent: string,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.listener = vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration(networkSection)) this.reset();
    });
  }

  /** The client. */
  get(): EvoLinkClient {
    if (!this.client) {
      const choice = chooseTransport();
      this.log.info(`Network: ${choice.description}.`);
      this.transport = choice.transport;
      this.client = new EvoLinkClient({
        transport: this.transport,
        endpoints: () => endpointsFrom(this.settings.current),
        userAgent: this.userAgent,
        timeoutMs: () => this.settings.current.requestTimeoutSeconds * 1000,
        log: (level, message) => this.log[level](message),
      });
    }
    return this.client;
  }

  /** True when the API is on this machine (a simulator or a local gateway). */
  apiIsLocal(): boolean {
    try {
      return isLoopbackHost(new URL(endpointsFrom(this.settings.current).api).hostname);
    } catch {
      return false;
    }
  }

  private reset(): void {
    const old = this.transport;
    this.transport = undefined;
    this.client = undefined;
    void old?.dispose();
  }

  dispose(): void {
    this.listener.dispose();
    this.reset();
  }
}
