import type { Browser } from 'playwright-core';
import type { ChildProcess } from 'node:child_process';

export declare const repoRoot: string;
export declare const hosts: Record<string, { node: string }>;
export declare const quietSettings: Record<string, unknown>;
export declare function hostPaths(version: string): { serverMain: string; node: string };
export declare function freePort(): Promise<number>;
export interface StartedServer {
  url: string;
  port: number;
  child: ChildProcess;
  stop(): void;
  userDataDir: string;
  extensionsDir: string;
  serverDataDir: string;
}
export declare function startServer(options: {
  version: string;
  dataDir: string;
  userDataDir?: string;
  extensionsDir?: string;
  settings?: Record<string, unknown>;
  env?: Record<string, string>;
  log?: (line: string) => void;
  extraArgs?: string[];
}): Promise<StartedServer>;
export declare function installVsix(options: { version: string; dataDir: string; vsix: string }): Promise<void>;
export declare function launchBrowser(): Promise<Browser>;
export declare function workbenchUrl(serverUrl: string, folder: string, payload?: [string, string][]): string;
