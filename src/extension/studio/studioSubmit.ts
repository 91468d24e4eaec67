import * as vscode from 'vscode';
import { EvoLinkError, isEvoLinkError } from '../../common/errors';
import type { HostMessage, WebviewMessage } from '../../common/protocol';
import type { RequestOptions } from '../../common/requestOptions';
import { DisposableBase } from '../base/disposable';
import { describeMessage } from '../commands/errorPresenter';
import { inspectLocalImage, type LocalImage } from '../submit/localImages';
import { planIssues } from '../submit/submit';
import { localizeIssue } from '../ui/issues';
import { chooseTargetFolder } from '../ui/target';
import { insideWorkspace } from '../ui/workspaceFiles';
import { keepBytes, type ReferenceSet } from './references';
import type { StudioDeps } from './studioPanel';

/** What submitting needs from the window. */
type SubmitDeps = Pick<StudioDeps, 'submit' | 'retry' | 'followers' | 'hasApiKey' | 'settings' | 'log' | 'referencesDir'>;

/**
 * Submits from the Studio: the webview's request with the references it names and its painted
 * mask, through the window's one submit path. Tasks submitted here are followed by the Studio
 * while it is open, so it shows how they end instead of a notification.
 */
export class StudioSubmitter extends DisposableBase {
  private sending = false;

  constructor(
    private readonly deps: SubmitDeps,
    private readonly references: ReferenceSet,
    private readonly post: (message: HostMessage) => void,
    /** Whether the Studio is in view: a task's end is announced in a message when it is not. */
    private readonly shown: () => boolean = () => true,
  ) {
    super();
  }

  /** Submits the Studio's request; whatever fails on the way (the mask cannot be kept, say) is told in the Studio, and Generate is offered again. */
  async submit(message: Extract<WebviewMessage, { type: 'submit' }>): Promise<void> {
    // One request at a time: a second Generate before the first is answered (a double click the
    // page let through) would be paid twice.
    if (this.sending) {
      this.deps.log.warn('Studio: dropped a submit that came while another was on its way');
      return;
    }
    this.sending = true;
    try {
      await this.send(message);
    } catch (error) {
      if (isEvoLinkError(error, 'auth') && !(await this.deps.hasApiKey())) this.post({ type: 'apiKey', hasApiKey: false });
      this.postProblem(error);
    } finally {
      this.sending = false;
    }
  }

  private async send(message: Extract<WebviewMessage, { type: 'submit' }>): Promise<void> {
    const options: RequestOptions = message.request;
    const references: LocalImage[] = [];
    for (const uri of message.references ?? []) {
      const image = this.references.find(uri);
      if (!image) {
        this.deps.log.warn('Studio: dropped a submit that names a reference it does not hold');
        this.post({ type: 'problem', message: vscode.l10n.t('A reference image is no longer available; add it again.') });
        return;
      }
      references.push(await this.references.refresh(image));
    }
    const mask = message.mask !== undefined ? await inspectLocalImage(await keepBytes(this.deps.referencesDir, 'masks', Buffer.from(message.mask, 'base64'), 'mask.png')) : undefined;
    const issues = planIssues({ options, references, ...(mask ? { mask } : {}) });
    if (issues.length > 0) {
      this.post({ type: 'problem', message: issues.map(localizeIssue).join(' ') });
      return;
    }
    const original = references[0];
    // Beside the one reference as its edits when asked and it is in the workspace (really: not
    // through a symbolic link out of it); else where the user says.
    const beside = message.destination === 'beside' && original && (await insideWorkspace(original.uri)) ? original.uri : undefined;
    const target = beside ? vscode.Uri.joinPath(beside, '..') : await chooseTargetFolder();
    if (!target) {
      // The folder picker was dismissed: nothing to say, but Generate is offered again.
      this.post({ type: 'problem', message: '' });
      return;
    }
    const entry = await this.deps.submit({ options, references, target, ...(mask ? { mask } : {}), ...(beside ? { editOf: beside } : {}) });
    this.submitted(entry.localId);
  }

  /**
   * Submits a task again with its original parameters and inputs. One request at a time, as for
   * Generate: a second click on Retry while the first is on its way would pay twice.
   */
  async retry(localId: string): Promise<void> {
    if (this.sending) {
      this.deps.log.warn('Studio: dropped a retry that came while another request was on its way');
      return;
    }
    this.sending = true;
    try {
      const entry = await this.deps.retry(localId);
      if (entry) this.submitted(entry.localId);
      // Nothing was sent (the task is gone, or the user declined): Generate and Retry are offered again.
      else this.post({ type: 'problem', message: '' });
    } catch (error) {
      this.postProblem(error);
    } finally {
      this.sending = false;
    }
  }

  private submitted(localId: string): void {
    this._register(this.deps.followers.follow(localId, { by: 'studio', shown: this.shown }));
    this.post({ type: 'submitted', localId });
  }

  private postProblem(error: unknown): void {
    // Cancelled by the user (the budget question): nothing to say, but Generate is offered again.
    if (isEvoLinkError(error, 'cancelled')) {
      this.post({ type: 'problem', message: '' });
      return;
    }
    // An unexpected failure's text may name paths of this machine: it goes to the log, its kind to the Studio.
    if (!(error instanceof EvoLinkError)) this.deps.log.error(`Studio: the request failed: ${error instanceof Error ? error.message : String(error)}`);
    const problem = error instanceof EvoLinkError ? error : new EvoLinkError('unexpected', error instanceof Error ? error.name : typeof error);
    this.post({ type: 'problem', message: describeMessage(problem) });
  }
}
