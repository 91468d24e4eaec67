import type * as vscode from 'vscode';
import type { ClientProvider } from './api/clientProvider';
import type { ApiKeyStore } from './auth/apiKeyStore';
import type { Budget } from './budget/budget';
import type { SettingsService } from './config/settings';
import type { ProvenanceStore } from './provenance/store';
import type { PngConverter } from './submit/pngConverter';
import type { BrowserPreviews } from './ui/browserPreviews';
import type { ThumbnailCache } from './ui/thumbnails';
import type { Uploads } from './submit/uploads';
import type { Followers } from './tasks/followers';
import type { TaskService } from './tasks/taskService';
import type { Notifier } from './ui/notifier';
import type { ResultOpener } from './ui/openResult';

/**
 * What every feature of a window shares, built once by the composition root (`services.ts`)
 * and handed to each feature: plain data and services, no feature logic.
 */
export interface AppContext {
  readonly extension: {
    readonly id: string;
    readonly version: string;
    readonly uri: vscode.Uri;
  };
  /** The extension's storage for this workspace (global storage without a folder). */
  readonly storage: vscode.Uri;
  readonly workspaceState: vscode.Memento;
  /** State kept across workspaces (the wizards' last choices). */
  readonly globalState: vscode.Memento;
  readonly log: vscode.LogOutputChannel;
  readonly settings: SettingsService;
  readonly apiKeys: ApiKeyStore;
  readonly clients: ClientProvider;
  readonly tasks: TaskService;
  readonly uploads: Uploads;
  /** Converts a reference image to PNG where a model wants one (a mask's reference). */
  readonly images: PngConverter;
  /** PNGs of images a webview cannot draw (TIFF), for the Studio and the compare view. */
  readonly previews: BrowserPreviews;
  /** Thumbnails of the history's images, which the History gallery and the Studio share. */
  readonly thumbnails: ThumbnailCache;
  /** The provenance of the workspace's images: the index, and old sidecars. */
  readonly provenance: ProvenanceStore;
  readonly notifier: Notifier;
  readonly followers: Followers;
  /** Opens results, as `evolink.openResults` says. */
  readonly results: ResultOpener;
  /** Today's spend and the daily credit limit; the guard of the submit path. */
  readonly budget: Budget;
  /** Whether commands take their questions' answers as arguments (`confirmed`, `onExisting`): under the tests only, never from another extension or a link. */
  readonly answersInAdvance: boolean;
}
