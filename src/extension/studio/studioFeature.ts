import * as vscode from 'vscode';
import type { LedgerEntry } from '../../common/ledgerEntry';
import type { AppContext } from '../context';
import { imagesFrom, pickImages } from '../edit/editCommand';
import { submitPlan } from '../submit/submit';
import type { ImageHistory } from './history';
import { StudioPanel, type StudioDeps, type StudioPreload } from './studioPanel';

/** The Image Studio of a window: opening it, with images or without, and restoring it after a reload. */
export class StudioFeature {
  constructor(
    private readonly ctx: AppContext,
    private readonly retry: (localId: string) => Promise<LedgerEntry | undefined>,
    private readonly history: ImageHistory,
  ) {}

  private deps(): StudioDeps {
    const { ctx } = this;
    return {
      extensionUri: ctx.extension.uri,
      tasks: ctx.tasks,
      log: ctx.log,
      hasApiKey: () => ctx.apiKeys.has(),
      spendable: async () => {
        const apiKey = await ctx.apiKeys.get();
        return apiKey ? (await ctx.clients.get().getBalance({ apiKey })).spendable : undefined;
      },
      spend: async () => {
        const { spent, limit } = await ctx.budget.summary();
        return { today: spent, limit };
      },
      onDidChangeSpend: ctx.budget.onDidChange,
      onDidChangeApiKey: ctx.apiKeys.onDidChange,
      settings: () => ctx.settings.current,
      submit: (plan) => submitPlan(ctx, plan),
      followers: ctx.followers,
      notifier: ctx.notifier,
      openImage: (uri) => ctx.results.requested(uri),
      retry: this.retry,
      referencesDir: vscode.Uri.joinPath(ctx.storage, 'references'),
      state: ctx.workspaceState,
      previews: ctx.previews,
      thumbnails: ctx.thumbnails,
      history: this.history,
    };
  }

  /** The open Studio, if any (the tests post to it). */
  get panel(): StudioPanel | undefined {
    return StudioPanel.open;
  }

  /** `EvoLink: Open Image Studio`, optionally with images to start from. */
  async show(preload?: StudioPreload): Promise<void> {
    await StudioPanel.show(this.deps(), preload);
  }

  /** `EvoLink: Open in Image Studio` on images: they become the Studio's references. */
  async openWith(clicked?: unknown, selected?: unknown): Promise<void> {
    let images = imagesFrom(clicked, selected);
    if (images.length === 0) images = await pickImages(vscode.l10n.t('Open in Image Studio: choose images'));
    if (images.length > 0) await this.show({ references: images });
  }

  /** Restores the Studio after a reload (the serializer calls it). */
  restore(panel: vscode.WebviewPanel): void {
    StudioPanel.restore(panel, this.deps());
  }
}
