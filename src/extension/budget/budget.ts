import * as vscode from 'vscode';
import { decideBudget, estimateCredits, mayBeCharged, mergeRecords, spendRecord, spentToday, type BudgetDecision, type SpendRecord } from '../../common/budget';
import { EvoLinkError } from '../../common/errors';
import type { LedgerEntry } from '../../common/ledgerEntry';
import { DisposableBase } from '../base/disposable';
import type { SettingsService } from '../config/settings';
import type { TaskService } from '../tasks/taskService';
import type { Notifier } from '../ui/notifier';
import { credits } from '../ui/pickers';
import type { DayLog } from './dayLog';

/** What the budget guard needs from the window. */
export interface BudgetDeps {
  dayLog: DayLog;
  tasks: Pick<TaskService, 'onDidChange' | 'list'>;
  settings: Pick<SettingsService, 'current' | 'onDidChange'>;
  notifier: Pick<Notifier, 'ask'>;
  log: Pick<vscode.LogOutputChannel, 'info' | 'warn'>;
  now?: () => number;
}

/** Today's spend and the daily limit (0: none), for the Studio, Show Tasks and the Tasks view. */
export interface BudgetSummary {
  spent: number;
  limit: number;
}

/** How a request over the limit is met: a modal question, or a refusal (the agent tool: no one to ask in a modal). */
export type OverLimit = 'ask' | 'refuse';

/** The setting of the limit. */
export const limitSetting = 'evolink.dailyCreditLimit';

/**
 * The budget guard of a window: it keeps the machine-wide day log up to date with the tasks this
 * window works on, tells today's spend, and stands in the one submit path before anything is
 * uploaded or paid: a request that would pass the daily limit asks first.
 */
export class Budget extends DisposableBase {
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  /** Fires when today's spend or the limit may have changed. */
  readonly onDidChange = this.changed.event;
  /** What this window last wrote for each task, so that progress alone writes nothing. */
  private readonly written = new Map<string, string>();
  private writes: Promise<void> = Promise.resolve();
  private readonly now: () => number;

  constructor(private readonly deps: BudgetDeps) {
    super();
    this.now = deps.now ?? Date.now;
    this._register(deps.tasks.onDidChange((entry) => this.note(entry)));
    this._register(deps.settings.onDidChange(() => this.changed.fire()));
  }

  /** Writes a task's cost to the day log when it changed: once EvoLink has the request, and when it ends. */
  private note(entry: LedgerEntry): void {
    if (!mayBeCharged(entry)) return;
    const record = spendRecord(entry);
    const text = JSON.stringify(record);
    if (this.written.get(entry.localId) === text) return;
    this.written.set(entry.localId, text);
    this.writes = this.writes
      .then(() => this.deps.dayLog.write(record))
      .catch((error: unknown) => this.deps.log.warn(`Budget: the day log could not be written (${error instanceof Error ? error.message : String(error)})`))
      .then(() => this.changed.fire());
  }

  /** Every task of the last days: the machine's day log, and this window's ledger over it. */
  private async records(): Promise<SpendRecord[]> {
    await this.writes;
    return mergeRecords(await this.deps.dayLog.read(this.now()), await this.deps.tasks.list());
  }

  /** Today's spend on this machine, and the limit. */
  async summary(): Promise<BudgetSummary> {
    return { spent: spentToday(await this.records(), this.now()), limit: this.deps.settings.current.dailyCreditLimit };
  }

  /** What the daily limit says about a request now. */
  async decide(request: { model: string; n: number }): Promise<BudgetDecision> {
    const limit = this.deps.settings.current.dailyCreditLimit;
    if (!(limit > 0)) return { kind: 'noLimit', spent: 0 };
    const records = await this.records();
    return decideBudget({ limit, spent: spentToday(records, this.now()), estimate: estimateCredits(request, records) });
  }

  /**
   * Stands before a request is sent: within the limit (or without one) it returns; over it, it
   * asks (Send Anyway returns; Change Limit opens the setting; both that and Cancel throw a
   * silent cancellation) or refuses with a sentence that says how to raise the limit.
   */
  async guard(request: { model: string; n: number }, mode: OverLimit): Promise<void> {
    const decision = await this.decide(request);
    if (decision.kind !== 'over') return;
    const { limit } = decision;
    const sentence = overLimitSentence(decision);
    if (mode === 'refuse') {
      throw new EvoLinkError('configuration', `${sentence} ${vscode.l10n.t('Nothing was sent. To send it, raise the daily limit in the setting {0} (0 means no limit), or send it from the Image Studio.', limitSetting)}`, {
        param: limitSetting,
        code: 'dailyLimit',
      });
    }
    const send = vscode.l10n.t('Send Anyway');
    const change = vscode.l10n.t('Change Limit');
    const detail = vscode.l10n.t('The daily limit is the setting {0}. Cancel sends nothing.', limitSetting);
    const answer = await this.deps.notifier.ask('warning', sentence, detail, [send, change]);
    if (answer === send) {
      this.deps.log.info(`Budget: sent over the daily limit (${decision.after} of ${limit} credits) on request`);
      return;
    }
    if (answer === change) await vscode.commands.executeCommand('workbench.action.openSettings', limitSetting);
    throw new EvoLinkError('cancelled', 'Not sent: over the daily credit limit.');
  }
}

/** The question a request over the limit asks, with the numbers. */
export function overLimitSentence(decision: Extract<BudgetDecision, { kind: 'over' }>): string {
  if (decision.estimate === undefined) {
    return vscode.l10n.t("Today's spend has reached your daily limit: {0} of {1} credits. What this request costs is not known.", credits(decision.spent), credits(decision.limit));
  }
  return vscode.l10n.t("This request (about {0} credits) would bring today's spend to {1} of your daily limit {2}.", credits(decision.estimate), credits(decision.after), credits(decision.limit));
}

/** "Today: 12.5 credits", with "of 20" when a limit is set. */
export function todayLabel(summary: BudgetSummary): string {
  return summary.limit > 0 ? vscode.l10n.t('Today: {0} of {1} credits', credits(summary.spent), credits(summary.limit)) : vscode.l10n.t('Today: {0} credits', credits(summary.spent));
}
