import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { findModel, models, type ModelSpec } from '../../src/common/models';
import { outputFolderParts, outputFolderProblem } from '../../src/common/outputFolder';
import { advance, countChoices, currentStep, positionOf, requestSteps, retreat, startNav, type RequestStep, type WizardNav } from '../../src/common/wizardPlan';

const model = (id: string): ModelSpec => findModel(id)!;

describe('The request wizard plan', () => {
  it('asks a model only what it offers a choice of', () => {
    assert.deepEqual(requestSteps(model('gpt-4o-image')), ['model', 'prompt', 'size', 'count']);
    // One image, but four quality levels: the count step asks the quality.
    assert.deepEqual(requestSteps(model('gpt-image-1.5-lite')), ['model', 'prompt', 'size', 'count']);
    assert.deepEqual(requestSteps(model('doubao-seedream-4.5')), ['model', 'prompt', 'size', 'count']);
    const oneCount: ModelSpec = { ...model('gpt-4o-image'), count: { kind: 'choices', values: [1], default: 1 } };
    assert.deepEqual(requestSteps(oneCount), ['model', 'prompt', 'size']);
    const oneSize: ModelSpec = { ...oneCount, size: { kind: 'choices', options: [{ value: '1:1', width: 1024, height: 1024 }], default: '1:1' } };
    assert.deepEqual(requestSteps(oneSize), ['model', 'prompt']);
  });

  it('leaves out the steps answered in advance, and a count step the references leave no room for', () => {
    assert.deepEqual(requestSteps(model('gpt-4o-image'), { skip: new Set(['model', 'size']) }), ['prompt', 'count']);
    assert.deepEqual(requestSteps(model('doubao-seedream-4.5'), { maxCount: 1 }), ['model', 'prompt', 'size']);
    assert.deepEqual(requestSteps(model('doubao-seedream-4.5'), { maxCount: 2 }), ['model', 'prompt', 'size', 'count']);
  });

  it('offers every count with every quality level, up to the room left', () => {
    assert.deepEqual(countChoices(model('gpt-4o-image')), [{ n: 1 }, { n: 2 }, { n: 4 }]);
    assert.deepEqual(countChoices(model('gpt-4o-image'), 2), [{ n: 1 }, { n: 2 }]);
    assert.deepEqual(countChoices(model('gpt-image-1.5-lite')).map((choice) => choice.quality), ['low', 'medium', 'high', 'auto']);
    assert.equal(countChoices(model('doubao-seedream-4.5')).length, 15);
  });

  it('numbers each step out of the steps of its plan', () => {
    const plan: RequestStep[] = ['model', 'prompt', 'size'];
    assert.deepEqual(positionOf(plan, 'model'), { step: 1, totalSteps: 3 });
    assert.deepEqual(positionOf(plan, 'size'), { step: 3, totalSteps: 3 });
    assert.deepEqual(positionOf(plan, 'count'), { step: 4, totalSteps: 3 });
  });

  it('goes forward through the plan, and Back returns to the step before with nothing before the first', () => {
    const plan: RequestStep[] = ['model', 'prompt', 'size', 'count'];
    let nav: WizardNav<RequestStep> = startNav();
    assert.equal(retreat(nav), undefined);
    for (const expected of plan) {
      const step = advance(nav, plan);
      assert.equal(step.done, false);
      nav = step.nav;
      assert.equal(currentStep(nav), expected);
    }
    assert.equal(advance(nav, plan).done, true);
    nav = retreat(nav)!;
    assert.equal(currentStep(nav), 'size');
    nav = retreat(retreat(nav)!)!;
    assert.equal(currentStep(nav), 'model');
    assert.equal(retreat(nav), undefined, 'no Back on the first step');
  });

  it('follows a plan that changed with an answer: another model after Back leads to its own steps', () => {
    const four: RequestStep[] = ['model', 'prompt', 'size', 'count'];
    const three: RequestStep[] = ['model', 'prompt', 'size'];
    let nav: WizardNav<RequestStep> = startNav();
    for (let i = 0; i < 4; i++) nav = advance(nav, four).nav;
    nav = retreat(retreat(retreat(nav)!)!)!;
    assert.equal(currentStep(nav), 'model');
    // The model answered again, with one that has no count step.
    nav = advance(nav, three).nav;
    nav = advance(nav, three).nav;
    assert.equal(currentStep(nav), 'size');
    assert.equal(advance(nav, three).done, true);
    assert.deepEqual(positionOf(three, 'size'), { step: 3, totalSteps: 3 });
  });

  it('moves on from a step that its own answer removed from the plan', () => {
    const nav: WizardNav<RequestStep> = { visited: ['model', 'prompt', 'count'] };
    const step = advance<RequestStep>(nav, ['model', 'prompt', 'size']);
    assert.equal(step.done, false);
    assert.equal(currentStep(step.nav), 'size');
  });

  it('has a step plan for every model of the table, each starting with the model and the prompt', () => {
    for (const spec of models) assert.deepEqual(requestSteps(spec).slice(0, 2), ['model', 'prompt'], spec.id);
  });
});

describe('The output folder setting', () => {
  const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { contributes: { configuration: { properties: Record<string, { pattern?: string; scope?: string }> } } };
  const setting = manifest.contributes.configuration.properties['evolink.outputFolder']!;
  const samples: [string, ReturnType<typeof outputFolderProblem>][] = [
    ['images/generated', undefined],
    ['art', undefined],
    ['a..b/c', undefined],
    ['.cache/images', undefined],
    ['', 'empty'],
    ['   ', 'empty'],
    ['/home/me/pictures', 'absolute'],
    ['\\\\server\\share', 'absolute'],
    ['C:\\images', 'absolute'],
    ['c:images', 'absolute'],
    ['~/images', 'absolute'],
    ['..', 'parent'],
    ['../elsewhere', 'parent'],
    ['images/../../x', 'parent'],
    ['images\\..\\..', 'parent'],
  ];

  it('refuses absolute paths and paths that leave the workspace folder', () => {
    for (const [value, problem] of samples) assert.equal(outputFolderProblem(value), problem, JSON.stringify(value));
    assert.deepEqual(outputFolderParts('./images//generated/'), ['images', 'generated']);
  });

  it('is refused by the settings editor exactly when the extension refuses it, and is read per workspace folder', () => {
    assert.equal(setting.scope, 'resource');
    const pattern = new RegExp(setting.pattern!, 'u');
    for (const [value, problem] of samples) assert.equal(pattern.test(value), problem === undefined, JSON.stringify(value));
  });
});
