import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { imageToolInputSchema, parseImageToolInput, requestKey, stableJson } from '../../src/extension/agent/toolInput';

interface JsonSchema {
  type?: string;
  enum?: string[];
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
}

const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as {
  contributes: { languageModelTools: { inputSchema: JsonSchema }[] };
};
const contributed = manifest.contributes.languageModelTools[0]!.inputSchema;

function refusal(raw: unknown): string {
  const parsed = parseImageToolInput(raw);
  assert.equal(parsed.ok, false, 'refused');
  return parsed.ok ? '' : parsed.reason;
}

describe('The agent tool input', () => {
  it('has the fields, the required field and the bounds of the contributed inputSchema', () => {
    assert.deepEqual(Object.keys(imageToolInputSchema.shape).sort(), Object.keys(contributed.properties!).sort());
    assert.deepEqual(contributed.required, ['prompt']);
    assert.equal(parseImageToolInput({}).ok, false);
    const props = contributed.properties!;
    for (const model of props.model!.enum!) assert.ok(parseImageToolInput({ prompt: 'x', model }).ok, model);
    for (const quality of props.quality!.enum!) assert.ok(parseImageToolInput({ prompt: 'x', quality }).ok, quality);
    assert.ok(parseImageToolInput({ prompt: 'x', n: props.n!.minimum, size: '1:1' }).ok);
    assert.ok(parseImageToolInput({ prompt: 'x', n: props.n!.maximum }).ok);
    assert.equal(parseImageToolInput({ prompt: 'x', n: props.n!.minimum! - 1 }).ok, false);
    assert.equal(parseImageToolInput({ prompt: 'x', n: props.n!.maximum! + 1 }).ok, false);
    assert.ok(parseImageToolInput({ prompt: 'x', sourceImages: Array.from({ length: props.sourceImages!.maxItems! }, (_, i) => `${i}.png`) }).ok);
    assert.equal(parseImageToolInput({ prompt: 'x', sourceImages: Array.from({ length: props.sourceImages!.maxItems! + 1 }, (_, i) => `${i}.png`) }).ok, false);
  });

  it('refuses a single path given for sourceImages instead of reading it character by character', () => {
    assert.match(refusal({ prompt: 'x', sourceImages: 'a.png' }), /sourceImages must be an array of strings, not a string\./);
    assert.match(refusal({ prompt: 'x', sourceImages: ['a.png', 3] }), /sourceImages\.1 must be a string, not a whole number\./);
  });

  it('refuses a number given for folder with a sentence, not a TypeError', () => {
    assert.match(refusal({ prompt: 'x', folder: 5 }), /^The tool's input is not valid, so nothing was done: folder must be a string, not a whole number\.$/);
  });

  it('says what is missing or out of bounds, one sentence per field', () => {
    assert.match(refusal({}), /prompt is required\./);
    assert.match(refusal(null), /The input must be an object, not null\./);
    assert.match(refusal('draw a cat'), /The input must be an object, not a string\./);
    assert.match(refusal({ prompt: 'x', model: 'dall-e-3' }), /model must be one of gpt-4o-image, gpt-image-1\.5-lite, doubao-seedream-4\.5\./);
    assert.match(refusal({ prompt: 'x', n: 2.5 }), /n must be a whole number, not a fractional number\./);
    assert.match(refusal({ prompt: 'x', n: 40 }), /n must be at most 15\./);
    const reason = refusal({ prompt: 1, folder: 2 });
    assert.match(reason, /prompt must be a string/);
    assert.match(reason, /folder must be a string/);
  });

  it('drops keys the schema does not know', () => {
    const parsed = parseImageToolInput({ prompt: 'x', promptPriority: 'high', apiKey: 'k' });
    assert.deepEqual(parsed, { ok: true, input: { prompt: 'x' } });
  });

  it('writes the same key for the same input whatever the order of its keys', () => {
    assert.equal(stableJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: 3 } }), '{"a":{"c":3,"d":[2,{"e":0,"f":1}]},"b":1}');
    assert.equal(stableJson({ prompt: 'x', folder: 'a' }), stableJson({ folder: 'a', prompt: 'x' }));
  });

  it('counts a request without a model as one with the default model, and tells apart requests that differ in anything else', () => {
    const base = { prompt: 'a kite', size: '1:1', folder: 'out' };
    assert.equal(requestKey(base, 'gpt-4o-image'), requestKey({ ...base, model: 'gpt-4o-image' }, 'doubao-seedream-4.5'));
    assert.notEqual(requestKey(base, 'gpt-4o-image'), requestKey({ ...base, folder: 'other' }, 'gpt-4o-image'));
    assert.notEqual(requestKey(base, 'gpt-4o-image'), requestKey({ ...base, n: 2 }, 'gpt-4o-image'));
    assert.notEqual(requestKey(base, 'gpt-4o-image'), requestKey({ ...base, sourceImages: ['a.png'] }, 'gpt-4o-image'));
    assert.notEqual(requestKey(base, 'gpt-4o-image'), requestKey(base, 'doubao-seedream-4.5'));
  });
});
