import * as assert from 'node:assert/strict';
import { findModel, models } from '../../src/common/models';
import { checkMaskImage, checkReferenceImage, checkRequest, describeIssue, type GenerationRequest, type LocalImageInfo } from '../../src/common/request';

const issuesOf = (request: GenerationRequest) => {
  const result = checkRequest(request);
  return result.ok ? [] : result.issues;
};
const params = (request: GenerationRequest) => issuesOf(request).map((issue) => issue.param);
const urls = (count: number) => Array.from({ length: count }, (_, i) => `https://files.example/${i}.png`);
const img = (format: LocalImageInfo['format'], width: number, height: number, bytes = 1000): LocalImageInfo => ({ format, width, height, bytes });
const MB = 1_000_000;

describe('Request validation from the model table', () => {
  it('offers exactly the three models of the contract', () => {
    assert.deepEqual(models.map((model) => model.id), ['gpt-4o-image', 'gpt-image-1.5-lite', 'doubao-seedream-4.5']);
  });

  it('refuses an unknown model and names the ones there are', () => {
    const [issue] = issuesOf({ model: 'dall-e-2', prompt: 'x' });
    assert.equal(issue?.param, 'model');
    assert.match(describeIssue(issue), /gpt-4o-image, gpt-image-1\.5-lite, doubao-seedream-4\.5/);
  });

  for (const model of models) {
    describe(model.id, () => {
      it('takes a prompt of 1 to 2000 characters, counted as the service counts them', () => {
        assert.deepEqual(params({ model: model.id, prompt: '' }), ['prompt']);
        assert.deepEqual(params({ model: model.id, prompt: ' \n ' }), ['prompt']);
        assert.deepEqual(params({ model: model.id, prompt: 'x'.repeat(2000) }), []);
        assert.deepEqual(params({ model: model.id, prompt: '🦊'.repeat(2000) }), []);
        const [issue] = issuesOf({ model: model.id, prompt: 'x'.repeat(2001) });
        assert.equal(describeIssue(issue!), 'prompt: The prompt has 2001 characters; this model takes at most 2000.');
      });

      it('sends the default size and count when none is chosen', () => {
        const result = checkRequest({ model: model.id, prompt: 'a fox' });
        assert.ok(result.ok);
        assert.equal(result.checked.body.size, model.size.default);
        assert.equal(result.checked.body.n, model.count.default);
        assert.equal(result.checked.reservedCredits, model.creditsPerImage);
      });

      it('takes every size it offers', () => {
        for (const option of model.size.options) {
          assert.deepEqual(params({ model: model.id, prompt: 'x', size: option.value }), [], option.value);
        }
      });
    });
  }

  describe('gpt-4o-image', () => {
    const base = { model: 'gpt-4o-image', prompt: 'a fox' };
    it('takes only its six sizes, naming them when refusing', () => {
      for (const size of ['2K', '2048x2048', '16:9', '1024X1024']) {
        const [issue] = issuesOf({ ...base, size });
        assert.equal(issue?.param, 'size', size);
        assert.match(describeIssue(issue), /1:1, 2:3, 3:2, 1024x1024, 1024x1536, 1536x1024/);
      }
    });
    it('takes n of 1, 2 or 4, and reserves per image', () => {
      for (const n of [1, 2, 4]) assert.deepEqual(params({ ...base, n }), []);
      for (const n of [0, 3, 5, 8]) assert.deepEqual(params({ ...base, n }), ['n']);
      const result = checkRequest({ ...base, n: 4 });
      assert.ok(result.ok);
      assert.equal(result.checked.reservedCredits, 10);
    });
    it('takes no quality and no prompt priority', () => {
      assert.deepEqual(params({ ...base, quality: 'high' }), ['quality']);
      assert.deepEqual(params({ ...base, promptPriority: 'standard' }), ['prompt_priority']);
    });
    it('takes 1 to 5 references, and a mask only with exactly one', () => {
      assert.deepEqual(params({ ...base, imageUrls: urls(5) }), []);
      assert.deepEqual(params({ ...base, imageUrls: urls(6) }), ['image_urls']);
      assert.deepEqual(params({ ...base, imageUrls: urls(1), maskUrl: 'https://files.example/m.png' }), []);
      assert.deepEqual(params({ ...base, imageUrls: urls(2), maskUrl: 'https://files.example/m.png' }), ['mask_url']);
      assert.deepEqual(params({ ...base, maskUrl: 'https://files.example/m.png' }), ['mask_url']);
    });
    it('checks local references: jpeg, png, webp up to 10 MB', () => {
      const model = findModel('gpt-4o-image')!;
      assert.deepEqual(checkReferenceImage(model, img('png', 800, 600, 10 * MB), 0), []);
      assert.deepEqual(checkReferenceImage(model, img('png', 800, 600, 10 * MB + 1), 0).map((i) => i.code), ['referenceBytes']);
      const [format] = checkReferenceImage(model, img('gif', 800, 600), 0);
      assert.equal(format?.code, 'referenceFormat');
      assert.equal(describeIssue(format), 'image_urls: Reference 1 is GIF; this model takes JPEG, PNG, WebP.', 'formats by the names people know them by');
      assert.deepEqual(checkReferenceImage(model, img(undefined, 0, 0), 0).map((i) => i.code), ['referenceNotImage']);
    });
    it('checks a mask: PNG, at most 4 MB, the same size as the image', () => {
      const model = findModel('gpt-4o-image')!;
      const reference = img('png', 1024, 1024);
      assert.deepEqual(checkMaskImage(model, img('png', 1024, 1024, 4 * MB), reference), []);
      assert.deepEqual(checkMaskImage(model, img('png', 1024, 1024, 4 * MB + 1), reference).map((i) => i.code), ['maskBytes']);
      assert.deepEqual(checkMaskImage(model, img('jpeg', 1024, 1024), reference).map((i) => i.code), ['maskFormat']);
      const [dims] = checkMaskImage(model, img('png', 512, 512), reference);
      assert.equal(describeIssue(dims!), 'mask_url: The mask is 512x512 but the image is 1024x1024; they must be the same size.');
    });
  });

  describe('gpt-image-1.5-lite', () => {
    const base = { model: 'gpt-image-1.5-lite', prompt: 'a fox' };
    it('takes only one image', () => {
      assert.deepEqual(params({ ...base, n: 1 }), []);
      assert.deepEqual(params({ ...base, n: 2 }), ['n']);
    });
    it('takes quality low, medium, high or auto, and sends auto by default', () => {
      for (const quality of ['low', 'medium', 'high', 'auto']) assert.deepEqual(params({ ...base, quality }), []);
      assert.deepEqual(params({ ...base, quality: 'best' }), ['quality']);
      const result = checkRequest(base);
      assert.ok(result.ok);
      assert.equal(result.checked.body.quality, 'auto');
    });
    it('takes 1 to 16 references up to 50 MB, and no mask', () => {
      const model = findModel('gpt-image-1.5-lite')!;
      assert.deepEqual(params({ ...base, imageUrls: urls(16) }), []);
      assert.deepEqual(params({ ...base, imageUrls: urls(17) }), ['image_urls']);
      assert.deepEqual(checkReferenceImage(model, img('webp', 10, 10, 50 * MB), 0), []);
      assert.deepEqual(checkReferenceImage(model, img('webp', 10, 10, 50 * MB + 1), 0).map((i) => i.code), ['referenceBytes']);
      assert.deepEqual(params({ ...base, imageUrls: urls(1), maskUrl: 'https://files.example/m.png' }), ['mask_url']);
    });
  });

  describe('doubao-seedream-4.5', () => {
    const base = { model: 'doubao-seedream-4.5', prompt: 'a fox' };
    it('takes 2K, 4K or WxH within 2560x1440..4096x4096 pixels and a ratio within 1:16..16:1', () => {
      for (const size of ['2K', '4K', '2560x1440', '1440x2560', '4096x4096', '3000x2000']) assert.deepEqual(params({ ...base, size }), [], size);
      assert.deepEqual(issuesOf({ ...base, size: '2559x1440' }).map((i) => i.code), ['sizePixels']);
      assert.deepEqual(issuesOf({ ...base, size: '4097x4096' }).map((i) => i.code), ['sizePixels']);
      assert.deepEqual(issuesOf({ ...base, size: '1:1' }).map((i) => i.code), ['sizeMalformed']);
      assert.deepEqual(issuesOf({ ...base, size: '2k' }).map((i) => i.code), ['sizeMalformed']);
    });
    it('sends a pixel size as the service writes it, however it was typed', () => {
      const typed = checkRequest({ ...base, size: '02560x01440' });
      assert.ok(typed.ok);
      assert.equal(typed.checked.body.size, '2560x1440');
      const named = checkRequest({ ...base, size: '2K' });
      assert.ok(named.ok);
      assert.equal(named.checked.body.size, '2K');
    });
    it('promises no pixel size for 2K and 4K: the model picks the shape the prompt describes', () => {
      for (const size of ['2K', '4K']) {
        const result = checkRequest({ ...base, size });
        assert.ok(result.ok);
        assert.equal(result.checked.width, undefined);
        assert.equal(result.checked.height, undefined);
      }
      const exact = checkRequest({ ...base, size: '2560x1440' });
      assert.ok(exact.ok);
      assert.deepEqual([exact.checked.width, exact.checked.height], [2560, 1440]);
    });
    it('takes n from 1 to 15 and reserves for all of them', () => {
      assert.deepEqual(params({ ...base, n: 15 }), []);
      assert.deepEqual(params({ ...base, n: 16 }), ['n']);
      assert.deepEqual(params({ ...base, n: 0 }), ['n']);
      assert.deepEqual(params({ ...base, n: 2.5 }), ['n']);
      const result = checkRequest({ ...base, n: 15 });
      assert.ok(result.ok);
      assert.equal(result.checked.reservedCredits, 27);
    });
    it('takes prompt priority standard', () => {
      assert.deepEqual(params({ ...base, promptPriority: 'standard' }), []);
      assert.deepEqual(params({ ...base, promptPriority: 'fast' }), ['prompt_priority']);
    });
    it('takes up to 14 references of seven formats, sides over 14 px, at most 6000x6000, ratio within 1:16..16:1', () => {
      const model = findModel('doubao-seedream-4.5')!;
      assert.deepEqual(params({ ...base, imageUrls: urls(14) }), []);
      assert.deepEqual(params({ ...base, imageUrls: urls(15) }), ['image_urls', 'n']);
      for (const format of ['jpeg', 'png', 'webp', 'bmp', 'tiff', 'gif'] as const) assert.deepEqual(checkReferenceImage(model, img(format, 100, 100), 0), []);
      assert.deepEqual(checkReferenceImage(model, img('png', 14, 100), 0).map((i) => i.code), ['referenceMinSide']);
      assert.deepEqual(checkReferenceImage(model, img('png', 15, 15), 0), []);
      assert.deepEqual(checkReferenceImage(model, img('png', 6000, 6000), 0), []);
      assert.deepEqual(checkReferenceImage(model, img('png', 6001, 6000), 0).map((i) => i.code), ['referencePixels']);
      assert.deepEqual(checkReferenceImage(model, img('png', 1700, 100), 0).map((i) => i.code), ['referenceRatio']);
      assert.deepEqual(checkReferenceImage(model, img('png', 100, 100, 10 * MB + 1), 0).map((i) => i.code), ['referenceBytes']);
      // A BMP or TIFF goes as a PNG (the files API does not store them): that PNG's size is checked once it is made.
      assert.deepEqual(checkReferenceImage(model, img('bmp', 2048, 2048, 12.6 * MB), 0), []);
      assert.deepEqual(checkReferenceImage(model, img('tiff', 3000, 2000, 18 * MB), 0), []);
      assert.ok(checkReferenceImage(model, img('tiff', 0, 0, 60 * MB), 0).some((issue) => issue.code === 'referenceBytes'), 'pixels unknown: its own size');
    });
  });

  it('keeps Seedream references plus outputs within 15', () => {
    const seedream = { model: 'doubao-seedream-4.5', prompt: 'a fox' };
    assert.deepEqual(params({ ...seedream, imageUrls: urls(14), n: 1 }), []);
    assert.deepEqual(params({ ...seedream, imageUrls: urls(10), n: 5 }), []);
    assert.deepEqual(params({ ...seedream, imageUrls: urls(10), n: 6 }), ['n']);
    assert.deepEqual(params({ ...seedream, n: 15 }), []);
    const result = checkRequest({ ...seedream, imageUrls: urls(10), n: 6 });
    assert.ok(!result.ok);
    assert.match(describeIssue(result.issues[0]!), /10 reference images and 6 outputs make more than 15/);
  });

  it('reports every problem at once', () => {
    assert.deepEqual(params({ model: 'gpt-4o-image', prompt: '', size: '4K', n: 3, quality: 'high' }), ['prompt', 'size', 'n', 'quality']);
  });
});
