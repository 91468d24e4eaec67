import * as vscode from 'vscode';
import { demoKey, EvoLinkSimulator, type SimulatorOptions } from '../../simulator/server';
import type { Provenance } from '../../src/common/provenance';
import { parseIndex } from '../../src/common/provenanceIndex';
import type { EvoLinkExtensionApi } from '../../src/extension/main';
import type { Notice, Notifier } from '../../src/extension/ui/notifier';

/** The extension under test, activated. */
export async function activateExtension(): Promise<EvoLinkExtensionApi> {
  const extension = vscode.extensions.getExtension<EvoLinkExtensionApi>('evolink.evolink-image-studio');
  if (!extension) {
    throw new Error('The extension is not installed in the test host.');
  }
  return extension.activate();
}

/** Starts a simulator and points the extension's settings at it. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<EvoLinkSimulator> {
  const simulator = new EvoLinkSimulator(options);
  const urls = await simulator.start();
  const config = vscode.workspace.getConfiguration('evolink');
  await config.update('apiBaseUrl', urls.api, vscode.ConfigurationTarget.Global);
  await config.update('filesApiBaseUrl', urls.files, vscode.ConfigurationTarget.Global);
  return simulator;
}

/** Restores the settings a test changed. */
export async function resetSettings(): Promise<void> {
  const config = vscode.workspace.getConfiguration('evolink');
  for (const key of ['apiBaseUrl', 'filesApiBaseUrl', 'requestTimeoutSeconds', 'provenance']) {
    await config.update(key, undefined, vscode.ConfigurationTarget.Global);
  }
}

/** The provenance index of the first workspace folder (`.evolink/history.jsonl`): its text and live records by path. */
export async function provenanceIndex(): Promise<{ text: string; records: Map<string, Provenance> }> {
  const uri = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0]!.uri, '.evolink', 'history.jsonl');
  const text = await Promise.resolve(vscode.workspace.fs.readFile(uri)).then((bytes) => new TextDecoder().decode(bytes), () => '');
  return { text, records: parseIndex(text).records };
}

export { demoKey };

/**
 * What a request under test sends that costs or may cost: uploads and submits. Tasks an earlier
 * test left are read and downloaded meanwhile, so "nothing was sent" counts only these.
 */
export function paidRequests(simulator: EvoLinkSimulator): EvoLinkSimulator['requests'] {
  return simulator.requests.filter((request) => request.origin === 'files' || request.path === '/v1/images/generations');
}

/**
 * The newest "Exported …" notice, each time a new one: what the export under test told. Another
 * notice may come after it (a task an earlier test left, read meanwhile), so the last is not it.
 */
export function exportNotices(notifier: () => Notifier): () => Notice {
  const seen = new Set<Notice>();
  return () => {
    const notice = notifier().notices().filter((candidate) => /^Exported /.test(candidate.message)).at(-1);
    if (!notice || seen.has(notice)) throw new Error('The export told nothing of what it wrote.');
    seen.add(notice);
    return notice;
  };
}
