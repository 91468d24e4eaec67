import type * as vscode from 'vscode';
import { calibrationSchema, type Calibration } from '../../common/progressCalibration';

/** Where releases up to 0.4 kept every model's calibration, in one value. */
const sharedKey = 'evolink.progressCalibration';

/** Each model's calibration has a key of its own. */
const keyOf = (model: string): string => `${sharedKey}/${model}`;

/**
 * What the ends of each model's tasks taught the poll schedule about its progress
 * (`common/progressCalibration.ts`), in global state: it describes the service, not a workspace,
 * and every window learns and reads it. Nothing of a prompt or a task is kept, only twelve numbers
 * per model. A value that does not read as a calibration is ignored.
 *
 * Each model is a value of its own: windows see each other's writes to global state only after a
 * moment, and a window that wrote one value for all models would put back, for every model but
 * the one it learned, what it last saw, undoing what another window had just learned of them.
 */
export class ProgressCalibrations {
  constructor(private readonly state: vscode.Memento) {}

  get(model: string): Calibration | undefined {
    const parsed = calibrationSchema.safeParse(this.state.get<unknown>(keyOf(model)) ?? this.earlier(model));
    return parsed.success ? parsed.data : undefined;
  }

  async set(model: string, calibration: Calibration): Promise<void> {
    await this.state.update(keyOf(model), calibration);
  }

  /** What an earlier release learned of the model, until this one learns it anew. */
  private earlier(model: string): unknown {
    const all = this.state.get<unknown>(sharedKey);
    return typeof all === 'object' && all !== null ? (all as Record<string, unknown>)[model] : undefined;
  }
}
