import type * as vscode from 'vscode';
import { calibrationSchema, type Calibration } from '../../common/progressCalibration';

const key = 'evolink.progressCalibration';

/**
 * What the ends of each model's tasks taught the poll schedule about its progress
 * (`common/progressCalibration.ts`), in global state: it describes the service, not a workspace,
 * and every window learns and reads it. Nothing of a prompt or a task is kept, only twelve numbers
 * per model. A value that does not read as a calibration is ignored.
 */
export class ProgressCalibrations {
  constructor(private readonly state: vscode.Memento) {}

  private all(): Record<string, unknown> {
    const value = this.state.get<unknown>(key);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  }

  get(model: string): Calibration | undefined {
    const parsed = calibrationSchema.safeParse(this.all()[model]);
    return parsed.success ? parsed.data : undefined;
  }

  async set(model: string, calibration: Calibration): Promise<void> {
    await this.state.update(key, { ...this.all(), [model]: calibration });
  }
}
