import type * as vscode from 'vscode';
import { models } from '../../common/models';
import { learnEnd, type PollObservation } from '../../common/polling';
import { calibrationSchema, describeCalibration, type Calibration } from '../../common/progressCalibration';

/**
 * Where 0.4 kept every model's calibration, in one value: figures of another reading of progress
 * (its predictions erred differently), so they are not read, and are forgotten at the first lesson.
 */
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
 *
 * The values go with Settings Sync (its "UI State"), so that another machine of the same user
 * starts with what this one learned: a model's first tasks, read before any calibration, cost the
 * most requests (bench/README.md, "A model seen before").
 */
export class ProgressCalibrations {
  constructor(private readonly state: Pick<vscode.ExtensionContext['globalState'], 'get' | 'update' | 'setKeysForSync'>) {
    state.setKeysForSync(models.map((model) => keyOf(model.id)));
  }

  get(model: string): Calibration | undefined {
    const parsed = calibrationSchema.safeParse(this.state.get<unknown>(keyOf(model)));
    return parsed.success ? parsed.data : undefined;
  }

  async set(model: string, calibration: Calibration): Promise<void> {
    await this.state.update(keyOf(model), calibration);
    if (this.state.get<unknown>(sharedKey) !== undefined) await this.state.update(sharedKey, undefined);
  }

  /** Learns from a task of `model` that ended `endMs` after submit (the lifecycle's `learn` effect), and keeps it. */
  learn(model: string, observation: PollObservation, endMs: number, log: Pick<vscode.LogOutputChannel, 'info' | 'warn'>): void {
    const current = this.get(model);
    const calibration = learnEnd({ ...observation, ...(current ? { calibration: current } : {}) }, endMs);
    log.info(`Progress of ${model}, learned from ${describeCalibration(calibration)}`);
    void this.set(model, calibration).then(undefined, (error: unknown) => log.warn(`Progress calibration not kept: ${String(error)}`));
  }
}
