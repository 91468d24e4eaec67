import type { ModelSpec } from '../../common/models';
import type { HostMessage, StudioHistoryItem, StudioReference, StudioTask, WebviewMessage } from '../../common/protocol';
import { MaskPainter } from '../maskPainter';
import { Store } from '../shared/store';
import { translator, type Translate } from '../shared/strings';
import type { WebviewHost } from '../shared/vscodeApi';

/** The size choice that shows the width and height fields. */
export const customSize = '__custom__';

/** The compose form as typed: kept in the webview state, so that it survives a reload. */
export interface Draft {
  model: string;
  prompt: string;
  size: string;
  width: string;
  height: string;
  n: number;
  quality: string;
  /** Absent in drafts saved by earlier versions. */
  promptPriority?: string;
}

/** What the webview keeps across reloads. */
export interface KeptState {
  draft: Draft;
  /** Where results go (absent in states kept by earlier versions). */
  destination?: 'output' | 'beside';
  /** The reference a mask was painted on: the painting itself does not survive a reload. */
  maskOn?: string;
}

/** Everything the Studio shows. */
export interface StudioState {
  /** Empty until the host's `init`: nothing is shown before. */
  models: readonly ModelSpec[];
  strings: Readonly<Record<string, string>>;
  /** The locale for numbers and dates. */
  locale: string;
  draft: Draft;
  hasApiKey: boolean;
  tasks: readonly StudioTask[];
  /** What the live region last said of tasks that ended (read out by screen readers), and how many times it spoke. */
  announcement: { text: string; count: number };
  /** A submit is on its way to the host: Generate waits for its answer. */
  submitting: boolean;
  history: readonly StudioHistoryItem[];
  historyQuery: string;
  /** Thumbnail keys of history images that could not be drawn: their originals are shown. */
  thumbnailsFailed: ReadonlySet<string>;
  spendable: number | undefined;
  /** Today's spend on this machine and the daily limit (0: none), once the host told them. */
  spend: { today: number; limit: number } | undefined;
  references: readonly StudioReference[];
  /** Where results go: the output folder, or beside the one reference as its edits. */
  destination: 'output' | 'beside';
  maskOpen: boolean;
  /** Why the last submit or paste did not go through; cleared when the form changes. */
  problem: string;
}

/** The Studio's host channel. */
export type StudioHost = WebviewHost<HostMessage, WebviewMessage, KeptState>;

/**
 * The Studio's one store: its state, the draft kept across reloads, the mask painter of the one
 * reference, and the channel to the host.
 */
export class StudioStore extends Store<StudioState> {
  /** Looks text up in the host's strings. */
  t: Translate = translator({});
  private painter: { for: string; painter: MaskPainter } | undefined;
  /** The reference whose painted mask was lost (to a change of its size, or with a reload), until painted again or the painter is closed. */
  private maskLost: { uri: string; why: 'size' | 'reload' } | undefined;

  constructor(private readonly host: StudioHost) {
    super({
      models: [],
      strings: {},
      locale: 'en',
      draft: { model: '', prompt: '', size: '', width: '2560', height: '1440', n: 1, quality: '' },
      hasApiKey: true,
      tasks: [],
      announcement: { text: '', count: 0 },
      submitting: false,
      history: [],
      historyQuery: '',
      thumbnailsFailed: new Set(),
      spendable: undefined,
      spend: undefined,
      references: [],
      destination: 'output',
      maskOpen: false,
      problem: '',
    });
  }

  override update(change: Partial<StudioState>): void {
    if (change.strings) this.t = translator(change.strings);
    const destination = this.state.destination;
    super.update(change);
    if (this.state.destination !== destination) this.keepState();
  }

  /** Starts from what was kept before a reload: the draft, where results go, and whether a mask was painted (now lost). */
  restoreKept(defaultModel: string): void {
    const kept = this.host.kept();
    // Before anything is kept again: a second reload must still know the mask was lost.
    if (kept?.maskOn && !this.painter) this.maskLost = { uri: kept.maskOn, why: 'reload' };
    this.updateDraft(kept?.draft ?? { model: defaultModel });
    if (kept?.destination) this.update({ destination: kept.destination });
  }

  private keepState(): void {
    const maskOn = this.paintedUri() ?? this.maskLost?.uri;
    this.host.keep({ draft: this.state.draft, destination: this.state.destination, ...(maskOn ? { maskOn } : {}) });
  }

  /** The chosen model's spec (the first model until the draft names one). */
  get model(): ModelSpec {
    const { models, draft } = this.state;
    return models.find((candidate) => candidate.id === draft.model) ?? models[0]!;
  }

  /** Changes the draft, keeps it valid for its model, and keeps it across reloads. */
  updateDraft(change: Partial<Draft>, rest: Partial<StudioState> = {}): void {
    const draft = this.fit({ ...this.state.draft, ...change });
    this.update({ ...rest, draft });
    this.keepState();
  }


  post(message: WebviewMessage): void {
    this.host.post(message);
  }

  /** The painter of the one reference, created at its pixel size (a file that changed size gets a new one). */
  painterOf(reference: StudioReference): MaskPainter {
    if (this.painter?.for !== painterKey(reference)) {
      // A mask painted on this file at its old size is gone: not to be taken for "no mask" unasked.
      if (this.painter?.for.startsWith(`${reference.uri}#`) && this.painter.painter.isPainted) this.maskLost = { uri: reference.uri, why: 'size' };
      const painter = new MaskPainter(reference.width, reference.height, () => {
        this.changed();
        this.keepState();
      });
      // Painted with the mouse or the keyboard: an application region, its keys described by the hint below it.
      painter.canvas.setAttribute('aria-label', this.t('maskCanvas'));
      painter.canvas.setAttribute('role', 'application');
      painter.canvas.setAttribute('aria-roledescription', this.t('maskPainter'));
      painter.canvas.setAttribute('aria-describedby', 'mask-hint');
      this.painter = { for: painterKey(reference), painter };
    }
    return this.painter.painter;
  }

  /**
   * Why a mask painted on this reference cannot be sent, when nothing has been painted since:
   * made for another size of it (the file changed on disk), or lost with a reload of the window.
   * Sending would edit the whole image unasked.
   */
  lostMask(reference: StudioReference): 'size' | 'reload' | undefined {
    const painter = this.painter;
    const lost = this.maskLost?.uri === reference.uri ? this.maskLost.why : undefined;
    if (painter?.for === painterKey(reference)) return painter.painter.isPainted ? undefined : lost;
    if (lost) return lost;
    return painter?.for.startsWith(`${reference.uri}#`) === true && painter.painter.isPainted ? 'size' : undefined;
  }

  /** Forgets a lost mask once the user was told: the painter starts over at the image's size. */
  forgetLostMask(reference: StudioReference): void {
    this.painterOf(reference);
    this.maskLost = undefined;
    this.keepState();
  }

  /** The reference a mask is painted on, whether or not the request as it stands would send it. */
  paintedUri(): string | undefined {
    const painter = this.painter;
    return painter?.painter.isPainted ? painter.for.slice(0, painter.for.lastIndexOf('#')) : undefined;
  }

  /** Clears the painted mask (the user chose to go on without it). */
  clearMask(): void {
    this.painter?.painter.clear();
  }

  /** The painter of this reference when there is one, without creating it. */
  existingPainter(reference: StudioReference): MaskPainter | undefined {
    return this.painter?.for === painterKey(reference) ? this.painter.painter : undefined;
  }

  /** Keeps the draft valid for the chosen model: a size or count the model lacks falls back to its default. */
  private fit(draft: Draft): Draft {
    if (this.state.models.length === 0) return draft;
    const spec = this.state.models.find((candidate) => candidate.id === draft.model) ?? this.state.models[0]!;
    const fitted = { ...draft, model: spec.id };
    if (fitted.size !== customSize && !spec.size.options.some((option) => option.value === fitted.size)) fitted.size = spec.size.default;
    if (fitted.size === customSize && spec.size.kind !== 'pixels') fitted.size = spec.size.default;
    if (!counts(spec).includes(fitted.n)) fitted.n = spec.count.default;
    if (spec.quality && !spec.quality.values.includes(fitted.quality)) fitted.quality = spec.quality.default;
    if (spec.promptPriority && !spec.promptPriority.values.includes(fitted.promptPriority ?? '')) fitted.promptPriority = spec.promptPriority.default;
    return fitted;
  }
}

/** The counts a model offers. */
export function counts(spec: ModelSpec): number[] {
  const count = spec.count;
  return count.kind === 'choices' ? [...count.values] : Array.from({ length: count.max - count.min + 1 }, (_, i) => i + count.min);
}

/** A mask is painted on one file at one size. */
const painterKey = (reference: StudioReference): string => `${reference.uri}#${reference.width}x${reference.height}`;
