import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { EvoLinkError, isEvoLinkError } from '../../common/errors';
import { readImageSize, sniffImageFormat } from '../../common/imageType';
import { nextPollDelay, pollDeadlineMs } from '../../common/polling';
import type { CheckedRequest, GenerationRequest } from '../../common/request';
import type { TaskSnapshot } from '../../common/wire';
import type { EvoLinkClient } from '../api/client';
import { DisposableBase } from '../base/disposable';
import { FileSink, readHead } from './fileSink';
import { newLocalId, type LedgerEntry, type TaskLedger } from './ledger';
import { saveImage } from './writer';

/** How long result links live. */
export const resultLifetimeMs = 24 * 3600 * 1000;

/** What the task service needs from the window. */
export interface TaskServiceDeps {
  ledger: TaskLedger;
  client: () => EvoLinkClient;
  apiKey: () => Promise<string | undefined>;
  /** A local folder for downloads on their way into the workspace. */
  downloadsDir: string;
  log: vscode.LogOutputChannel;
  /** `<extension-id>/<version>`, written into provenance. */
  generator: string;
  /** Multiplies every poll delay; below 1 only in tests against a sped-up simulator. */
  timeScale: number;
  maxDownloadBytes: number;
}

interface Watch {
  timer: ReturnType<typeof setTimeout> | undefined;
  controller: AbortController;
}

/**
 * The one task service of a window: submits (once, recorded first), polls every running task on
 * one schedule, and saves results exactly once. Every entry point uses it.
 */
export class TaskService extends DisposableBase {
  private readonly changed = this._register(new vscode.EventEmitter<LedgerEntry>());
  /** Fires whenever a task of this window changes. */
  readonly onDidChange = this.changed.event;
  private readonly watches = new Map<string, Watch>();
  private readonly owner = newLocalId();

  constructor(private readonly deps: TaskServiceDeps) {
    super();
    this._register({ dispose: () => this.stopAll() });
  }

  /** Tasks this window is watching now. */
  get watching(): number {
    return this.watches.size;
  }

  /** Every task of the ledger, newest first. */
  list(): Promise<LedgerEntry[]> {
    return this.deps.ledger.list();
  }

  get(localId: string): Promise<LedgerEntry | undefined> {
    return this.deps.ledger.get(localId);
  }

  /**
   * Records a request, then submits it. Answers the entry once the service has taken the task.
   * A refused request leaves nothing behind; a request whose outcome is unknown stays in the
   * ledger and is looked up again with the same Idempotency-Key.
   */
  async submit(
    checked: CheckedRequest,
    request: GenerationRequest,
    targetFolder: vscode.Uri,
    lineage: Pick<LedgerEntry, 'sources' | 'maskSource' | 'editOf'> = {},
  ): Promise<LedgerEntry> {
    const apiKey = await this.requireKey();
    const localId = newLocalId();
    const entry: LedgerEntry = {
      localId,
      idempotencyKey: localId,
      createdAt: Date.now(),
      state: 'submitting',
      request,
      body: checked.body,
      targetFolder: targetFolder.toString(),
      estimatedSeconds: checked.model.estimatedSeconds,
      progress: 0,
      polls: 0,
      creditsReserved: checked.reservedCredits,
      updatedAt: Date.now(),
    };
    if (lineage.sources) entry.sources = lineage.sources;
    if (lineage.maskSource) entry.maskSource = lineage.maskSource;
    if (lineage.editOf) entry.editOf = lineage.editOf;
    await this.deps.ledger.put(entry);
    this.deps.log.info(`Submitting ${localId}: ${checked.body.model}, n=${checked.body.n}, size=${checked.body.size}`);
    this.deps.log.trace(`Prompt of ${localId}: ${request.prompt}`);
    try {
      const { task } = await this.deps.client().submit(checked.body, entry.idempotencyKey, { apiKey });
      await this.accept(entry, task);
    } catch (error) {
      if (isEvoLinkError(error) && error.details.outcomeUnknown) {
        entry.state = 'unknownOutcome';
        entry.error = { reason: error.reason, message: error.message };
        await this.update(entry);
        this.schedule(entry, 30_000);
      } else {
        await this.deps.ledger.remove(localId);
      }
      throw error;
    }
    return entry;
  }

  /** Resumes the ledger after a start: polls what runs, saves what completed, looks up what is unknown. */
  async resume(): Promise<void> {
    for (const entry of await this.deps.ledger.list()) {
      if (entry.state === 'running') {
        this.deps.log.info(`Resuming ${entry.localId} (${entry.taskId ?? 'no task id'})`);
        this.schedule(entry, 0);
      } else if (entry.state === 'completed') {
        void this.save(entry.localId);
      } else if (entry.state === 'submitting' || entry.state === 'unknownOutcome') {
        this.schedule(entry, 0);
      }
    }
  }

  /** Stops watching a task; it stays in the ledger and can be checked again. */
  async stopWatching(localId: string): Promise<void> {
    this.unwatch(localId);
    const entry = await this.deps.ledger.get(localId);
    if (entry && (entry.state === 'running' || entry.state === 'unknownOutcome' || entry.state === 'submitting')) {
      entry.state = entry.taskId ? 'stopped' : 'unknownOutcome';
      await this.update(entry);
    }
  }

  /** Looks at a stopped task again, or retries saving a completed one. */
  async checkAgain(localId: string): Promise<void> {
    const entry = await this.deps.ledger.get(localId);
    if (!entry) return;
    if (entry.state === 'stopped') {
      entry.state = 'running';
      entry.createdAt = Math.min(entry.createdAt, Date.now());
      entry.polls = Math.max(entry.polls, 1);
      await this.update(entry);
      this.schedule(entry, 0);
    } else if (entry.state === 'completed' || entry.state === 'saveFailed') {
      await this.save(localId);
    } else if (entry.state === 'unknownOutcome') {
      this.schedule(entry, 0);
    }
  }

  /** Saves a task whose saving failed into another folder. */
  async saveElsewhere(localId: string, folder: vscode.Uri): Promise<void> {
    const entry = await this.deps.ledger.get(localId);
    if (!entry) return;
    entry.targetFolder = folder.toString();
    if (entry.state === 'saveFailed') entry.state = 'completed';
    await this.update(entry);
    await this.save(localId);
  }

  /** Removes a finished task from the ledger (its saved files stay). */
  async forget(localId: string): Promise<void> {
    this.unwatch(localId);
    await this.deps.ledger.remove(localId);
  }

  private async requireKey(): Promise<string> {
    const key = await this.deps.apiKey();
    if (!key) throw new EvoLinkError('auth', vscode.l10n.t('No API key is set.'));
    return key;
  }

  private async update(entry: LedgerEntry): Promise<void> {
    entry.updatedAt = Date.now();
    await this.deps.ledger.put(entry);
    this.changed.fire({ ...entry });
  }

  private async accept(entry: LedgerEntry, task: TaskSnapshot): Promise<void> {
    entry.taskId = task.id;
    entry.state = 'running';
    entry.estimatedSeconds = task.estimatedSeconds ?? entry.estimatedSeconds;
    entry.creditsReserved = task.creditsReserved ?? entry.creditsReserved;
    delete entry.error;
    await this.update(entry);
    this.deps.log.info(`Task ${task.id} accepted for ${entry.localId}`);
    this.schedule(entry);
  }

  private schedule(entry: LedgerEntry, delayMs?: number): void {
    this.unwatch(entry.localId);
    const observation = {
      submittedAt: entry.createdAt,
      estimatedSeconds: entry.estimatedSeconds,
      progress: entry.progress,
      progressAt: entry.progressAt ?? entry.createdAt,
      polls: entry.polls,
    };
    const delay = (delayMs ?? nextPollDelay(observation, Date.now())) * this.deps.timeScale;
    const watch: Watch = { timer: undefined, controller: new AbortController() };
    watch.timer = setTimeout(() => {
      watch.timer = undefined;
      void this.step(entry.localId, watch);
    }, delay);
    this.watches.set(entry.localId, watch);
  }

  private unwatch(localId: string): void {
    const watch = this.watches.get(localId);
    if (watch) {
      if (watch.timer) clearTimeout(watch.timer);
      watch.controller.abort();
      this.watches.delete(localId);
    }
  }

  private stopAll(): void {
    for (const localId of [...this.watches.keys()]) this.unwatch(localId);
  }

  /** One step of a watched task: a look-up of an unknown submit, or a read of a running task. */
  private async step(localId: string, watch: Watch): Promise<void> {
    if (this.isDisposed || this.watches.get(localId) !== watch) return;
    const entry = await this.deps.ledger.get(localId);
    if (!entry) {
      this.watches.delete(localId);
      return;
    }
    try {
      if (entry.state === 'submitting' || entry.state === 'unknownOutcome') {
        await this.lookUp(entry, watch);
      } else if (entry.state === 'running') {
        await this.poll(entry, watch);
      } else {
        this.watches.delete(localId);
      }
    } catch (error) {
      if (this.watches.get(localId) === watch) this.watches.delete(localId);
      if (!isEvoLinkError(error, 'cancelled')) {
        this.deps.log.error(`Task ${localId}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  /** Sends the recorded submit again with its Idempotency-Key: the service answers the original task. */
  private async lookUp(entry: LedgerEntry, watch: Watch): Promise<void> {
    this.watches.delete(entry.localId);
    try {
      const { task, replayed } = await this.deps.client().submit(entry.body, entry.idempotencyKey, { apiKey: await this.requireKey(), signal: watch.controller.signal });
      this.deps.log.info(`Looked up ${entry.localId}: ${replayed ? 'the service had it' : 'the service took it now'} (${task.id})`);
      await this.accept(entry, task);
    } catch (error) {
      if (isEvoLinkError(error, 'cancelled')) return;
      if (isEvoLinkError(error) && (error.details.outcomeUnknown || error.reason === 'rateLimited' || error.reason === 'auth')) {
        entry.state = 'unknownOutcome';
        entry.error = { reason: error.reason, message: error.message };
        await this.update(entry);
        this.schedule(entry, 60_000);
        return;
      }
      entry.state = 'failed';
      entry.error = { reason: isEvoLinkError(error) ? error.reason : 'unknown', message: error instanceof Error ? error.message : String(error) };
      await this.update(entry);
    }
  }

  private async poll(entry: LedgerEntry, watch: Watch): Promise<void> {
    if (Date.now() - entry.createdAt > pollDeadlineMs(entry.estimatedSeconds) * this.deps.timeScale && entry.polls > 1) {
      this.watches.delete(entry.localId);
      entry.state = 'stopped';
      await this.update(entry);
      this.deps.log.warn(`Task ${entry.taskId} is past its deadline; it stays in the ledger ("Check Again")`);
      return;
    }
    let snapshot: TaskSnapshot;
    try {
      snapshot = await this.deps.client().getTask(entry.taskId as string, { apiKey: await this.requireKey(), signal: watch.controller.signal });
    } catch (error) {
      if (isEvoLinkError(error, 'cancelled')) return;
      entry.polls++;
      if (isEvoLinkError(error, 'notFound')) {
        entry.state = 'failed';
        entry.error = { reason: 'taskFailed', code: 'resource_not_found', message: error.message };
        this.watches.delete(entry.localId);
        await this.update(entry);
        return;
      }
      const reason = isEvoLinkError(error) ? error.reason : 'error';
      this.deps.log.warn(`Reading task ${entry.taskId} failed (${reason}); trying again later`);
      await this.deps.ledger.put(entry);
      // Without a valid key, reading again soon cannot help; a new key resumes it at once.
      this.schedule(entry, reason === 'auth' ? 5 * 60_000 : 15_000);
      return;
    }
    entry.polls++;
    if (snapshot.progress !== entry.progress) {
      entry.progress = snapshot.progress;
      entry.progressAt = Date.now();
    }
    if (snapshot.creditsUsed !== undefined) entry.creditsUsed = snapshot.creditsUsed;
    switch (snapshot.state) {
      case 'completed':
        this.watches.delete(entry.localId);
        entry.state = 'completed';
        entry.completedAt = Date.now();
        entry.resultUrls = snapshot.resultUrls;
        entry.progress = 100;
        await this.update(entry);
        await this.save(entry.localId);
        return;
      case 'failed':
      case 'cancelled':
        this.watches.delete(entry.localId);
        entry.state = 'failed';
        entry.error = {
          reason: 'taskFailed',
          code: snapshot.error?.code ?? (snapshot.state === 'cancelled' ? 'request_cancelled' : 'unknown_error'),
          message: snapshot.error?.message ?? '',
        };
        await this.update(entry);
        return;
      default:
        await this.update(entry);
        this.schedule(entry);
    }
  }

  /** Downloads and saves every result not saved yet, under a claim, so that no window does it twice. */
  private async save(localId: string): Promise<void> {
    const ledger = this.deps.ledger;
    if (!(await ledger.claim(localId, this.owner))) {
      this.deps.log.info(`${localId} is being saved by another window`);
      return;
    }
    const heartbeat = setInterval(() => void ledger.touchClaim(localId, this.owner), 30_000);
    try {
      const entry = await ledger.get(localId);
      if (!entry || (entry.state !== 'completed' && entry.state !== 'saveFailed')) return;
      const urls = entry.resultUrls ?? [];
      if (urls.length === 0) {
        entry.state = 'failed';
        entry.error = { reason: 'invalidResponse', code: 'no_results', message: 'The task completed without a result.' };
        await this.update(entry);
        return;
      }
      entry.saved ??= urls.map(() => null);
      entry.pending ??= urls.map(() => null);
      await mkdir(this.deps.downloadsDir, { recursive: true });
      const folder = vscode.Uri.parse(entry.targetFolder);
      for (const [index, url] of urls.entries()) {
        if (entry.saved[index]) continue;
        let downloaded = entry.pending[index] ?? null;
        let head: Uint8Array;
        if (downloaded) {
          head = await readHead(downloaded);
        } else {
          if (entry.completedAt && Date.now() - entry.completedAt > resultLifetimeMs) {
            entry.state = 'expired';
            await this.update(entry);
            return;
          }
          const path = join(this.deps.downloadsDir, `${localId}-${index}`);
          const sink = new FileSink(path);
          try {
            await this.deps.client().download(url, sink, { maxBytes: this.deps.maxDownloadBytes });
          } finally {
            await sink.close();
          }
          head = sink.head;
          downloaded = path;
          entry.pending[index] = path;
          await ledger.put(entry);
        }
        const format = sniffImageFormat(head);
        if (!format) {
          throw new EvoLinkError('invalidResponse', 'A result is not an image the extension knows (PNG, JPEG, WebP, GIF, BMP, TIFF).');
        }
        const saved = await saveImage(vscode.Uri.file(downloaded), format, folder, entry, index, readImageSize(head), this.deps.generator);
        entry.saved[index] = saved.toString();
        entry.pending[index] = null;
        await ledger.put(entry);
        await rm(downloaded, { force: true });
        this.deps.log.info(`Saved ${saved.toString(true)}`);
      }
      entry.state = 'saved';
      delete entry.error;
      await this.update(entry);
    } catch (error) {
      const entry = await ledger.get(localId);
      if (entry) {
        if (isEvoLinkError(error, 'expired')) entry.state = 'expired';
        else if (isEvoLinkError(error, 'fileSystem')) entry.state = 'saveFailed';
        entry.error = { reason: isEvoLinkError(error) ? error.reason : 'unknown', message: error instanceof Error ? error.message : String(error) };
        await this.update(entry);
      }
      this.deps.log.error(`Saving ${localId} failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      clearInterval(heartbeat);
      await ledger.release(localId, this.owner);
    }
  }
}
