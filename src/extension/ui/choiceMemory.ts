import type * as vscode from 'vscode';
import type { RequestOptions } from '../../common/requestOptions';

/** The last answers of a wizard for one model. */
export interface ModelChoices {
  size?: string;
  n?: number;
  quality?: string;
}

interface Remembered {
  model?: string;
  byModel?: Record<string, ModelChoices>;
}

/**
 * The last choices of a wizard, per model, in global state (they are habits, not part of a
 * workspace): the model last used, and the size and count last chosen with each model. They
 * are offered first the next time; prompts are never kept.
 */
export class ChoiceMemory {
  private readonly key: string;

  constructor(
    private readonly state: vscode.Memento,
    flow: 'generate' | 'edit',
  ) {
    this.key = `evolink.wizard.${flow}`;
  }

  private read(): Remembered {
    const value = this.state.get<unknown>(this.key);
    return typeof value === 'object' && value !== null ? value : {};
  }

  /** The model used last, if any. */
  lastModel(): string | undefined {
    const model = this.read().model;
    return typeof model === 'string' ? model : undefined;
  }

  /** The choices last made with a model. */
  choicesFor(model: string): ModelChoices {
    const choices = this.read().byModel?.[model];
    return typeof choices === 'object' && choices !== null ? choices : {};
  }

  /** Keeps the choices of a request that was sent. */
  async remember(options: RequestOptions): Promise<void> {
    const old = this.read();
    const choices: ModelChoices = {};
    if (options.size !== undefined) choices.size = options.size;
    if (options.n !== undefined) choices.n = options.n;
    if (options.quality !== undefined) choices.quality = options.quality;
    await this.state.update(this.key, { model: options.model, byModel: { ...old.byModel, [options.model]: choices } });
  }
}
