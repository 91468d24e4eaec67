import * as assert from 'node:assert/strict';
import { modelRules } from '../../simulator/rules';
import { producedCount, validateSubmit, type KnownImage } from '../../simulator/validation';

const none = (): undefined => undefined;
const ok = (body: Record<string, unknown>, lookup: (url: string) => KnownImage | undefined = none) => validateSubmit(body, lookup);
const refusedParam = (body: Record<string, unknown>, lookup?: (url: string) => KnownImage | undefined): string | undefined => {
  const result = ok(body, lookup);
  return result.ok ? undefined : result.refusal.param;
};
const image = (format: KnownImage['format'], width: number, height: number, bytes = 1000): KnownImage => ({
  format,
  width,
  height,
  bytes: new Uint8Array(bytes),
});
const url = (i: number) => `https://cdn.example/ref-${i}.png`;
const urls = (count: number) => Array.from({ length: count }, (_, i) => url(i));

describe('Simulator rules, checked against the contract tables', () => {
  describe('every model', () => {
    it('requires a known model and a prompt of at most 2000 characters', () => {
      assert.equal(refusedParam({ prompt: 'x' }), 'model');
      assert.equal(refusedParam({ model: 'gpt-5-image', prompt: 'x' }), 'model');
      for (const model of Object.keys(modelRules)) {
        assert.equal(refusedParam({ model }), 'prompt');
        assert.equal(refusedParam({ model, prompt: '   ' }), 'prompt');
        assert.equal(refusedParam({ model, prompt: 'x'.repeat(2000) }), undefined);
        assert.equal(refusedParam({ model, prompt: 'x'.repeat(2001) }), 'prompt');
      }
    });

    it('counts the prompt in characters, not UTF-16 units', () => {
      assert.equal(refusedParam({ model: 'gpt-4o-image', prompt: '日'.repeat(2000) }), undefined);
      assert.equal(refusedParam({ model: 'gpt-4o-image', prompt: '😀'.repeat(2000) }), undefined);
    });

    it('refuses data: URLs as references', () => {
      assert.equal(refusedParam({ model: 'gpt-4o-image', prompt: 'x', image_urls: ['data:image/png;base64,AAA'] }), 'image_urls');
    });
  });

  describe('gpt-4o-image', () => {
    const base = { model: 'gpt-4o-image', prompt: 'a fox' };
    it('takes the six documented sizes and no other', () => {
      for (const size of ['1:1', '2:3', '3:2', '1024x1024', '1024x1536', '1536x1024']) {
        assert.equal(refusedParam({ ...base, size }), undefined, size);
      }
      for (const size of ['16:9', '2048x2048', '1024X1024', '2K', '']) {
        assert.equal(refusedParam({ ...base, size }), 'size', size);
      }
    });
    it('takes n of 1, 2 or 4 only', () => {
      for (const n of [1, 2, 4]) assert.equal(refusedParam({ ...base, n }), undefined);
      for (const n of [0, 3, 5, 1.5, '2']) assert.equal(refusedParam({ ...base, n }), 'n');
    });
    it('has no quality and no prompt_priority', () => {
      assert.equal(refusedParam({ ...base, quality: 'high' }), 'quality');
      assert.equal(refusedParam({ ...base, prompt_priority: 'standard' }), 'prompt_priority');
    });
    it('takes up to 5 references of at most 10 MB in jpeg, png or webp', () => {
      assert.equal(refusedParam({ ...base, image_urls: urls(5) }), undefined);
      assert.equal(refusedParam({ ...base, image_urls: urls(6) }), 'image_urls');
      const tenMb = 10_000_000;
      assert.equal(refusedParam({ ...base, image_urls: [url(0)] }, () => image('png', 512, 512, tenMb)), undefined);
      assert.equal(refusedParam({ ...base, image_urls: [url(0)] }, () => image('png', 512, 512, tenMb + 1)), 'image_urls');
      assert.equal(refusedParam({ ...base, image_urls: [url(0)] }, () => image('gif', 512, 512)), 'image_urls');
      assert.equal(refusedParam({ ...base, image_urls: [url(0)] }, () => image('webp', 512, 512)), undefined);
      // A URL the simulator does not hold: its name tells its format, checked as the service would.
      assert.equal(refusedParam({ ...base, image_urls: ['https://elsewhere.example/a.gif'] }), 'image_urls');
      assert.equal(refusedParam({ ...base, image_urls: ['https://elsewhere.example/a.webp?x=1'] }), undefined);
      assert.equal(refusedParam({ ...base, image_urls: ['https://elsewhere.example/image'] }), undefined, 'a name that says nothing is fetched when the task runs');
    });
    it('takes a PNG mask of at most 4 MB with the dimensions of the one reference', () => {
      const images: Record<string, KnownImage> = {
        [url(0)]: image('png', 1024, 1024),
        'https://cdn.example/mask.png': image('png', 1024, 1024, 4_000_000),
        'https://cdn.example/big.png': image('png', 1024, 1024, 4_000_000 + 1),
        'https://cdn.example/small.png': image('png', 512, 512),
        'https://cdn.example/mask.jpg': image('jpeg', 1024, 1024),
      };
      const lookup = (u: string) => images[u];
      assert.equal(refusedParam({ ...base, image_urls: [url(0)], mask_url: 'https://cdn.example/mask.png' }, lookup), undefined);
      assert.equal(refusedParam({ ...base, image_urls: [url(0)], mask_url: 'https://cdn.example/big.png' }, lookup), 'mask_url');
      assert.equal(refusedParam({ ...base, image_urls: [url(0)], mask_url: 'https://cdn.example/small.png' }, lookup), 'mask_url');
      assert.equal(refusedParam({ ...base, image_urls: [url(0)], mask_url: 'https://cdn.example/mask.jpg' }, lookup), 'mask_url');
      assert.equal(refusedParam({ ...base, image_urls: urls(2), mask_url: 'https://cdn.example/mask.png' }, lookup), 'mask_url');
      assert.equal(refusedParam({ ...base, mask_url: 'https://cdn.example/mask.png' }, lookup), 'mask_url');
      // URLs elsewhere: a mask or a reference named as a JPEG is refused with a mask.
      assert.equal(refusedParam({ ...base, image_urls: ['https://elsewhere.example/a.png'], mask_url: 'https://elsewhere.example/m.jpg' }), 'mask_url');
      assert.equal(refusedParam({ ...base, image_urls: ['https://elsewhere.example/a.jpg'], mask_url: 'https://elsewhere.example/m.png' }), 'image_urls');
      assert.equal(refusedParam({ ...base, image_urls: ['https://elsewhere.example/a.png'], mask_url: 'https://elsewhere.example/m.png' }), undefined);
    });
    it('takes an https callback that is not internal and at most 2048 characters', () => {
      assert.equal(refusedParam({ ...base, callback_url: 'https://hooks.example.com/done' }), undefined);
      assert.equal(refusedParam({ ...base, callback_url: 'http://hooks.example.com/done' }), 'callback_url');
      for (const host of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.0.1', 'localhost']) {
        assert.equal(refusedParam({ ...base, callback_url: `https://${host}/x` }), 'callback_url', host);
      }
      assert.equal(refusedParam({ ...base, callback_url: 'https://172.32.0.1/x' }), undefined);
      assert.equal(refusedParam({ ...base, callback_url: `https://hooks.example.com/${'a'.repeat(2048)}` }), 'callback_url');
    });
  });

  describe('gpt-image-1.5-lite', () => {
    const base = { model: 'gpt-image-1.5-lite', prompt: 'a fox' };
    it('takes only n = 1', () => {
      assert.equal(refusedParam({ ...base, n: 1 }), undefined);
      assert.equal(refusedParam({ ...base, n: 2 }), 'n');
    });
    it('takes quality low, medium, high or auto', () => {
      for (const quality of ['low', 'medium', 'high', 'auto']) assert.equal(refusedParam({ ...base, quality }), undefined);
      assert.equal(refusedParam({ ...base, quality: 'ultra' }), 'quality');
    });
    it('takes 1 to 16 references of at most 50 MB', () => {
      assert.equal(refusedParam({ ...base, image_urls: [] }), 'image_urls');
      assert.equal(refusedParam({ ...base, image_urls: urls(16) }), undefined);
      assert.equal(refusedParam({ ...base, image_urls: urls(17) }), 'image_urls');
      assert.equal(refusedParam({ ...base, image_urls: [url(0)] }, () => image('jpeg', 9, 9, 50_000_000)), undefined);
      assert.equal(refusedParam({ ...base, image_urls: [url(0)] }, () => image('jpeg', 9, 9, 50_000_000 + 1)), 'image_urls');
    });
    it('takes no mask and no callback', () => {
      assert.equal(refusedParam({ ...base, image_urls: [url(0)], mask_url: url(1) }), 'mask_url');
      assert.equal(refusedParam({ ...base, callback_url: 'https://hooks.example.com/x' }), 'callback_url');
    });
  });

  describe('doubao-seedream-4.5', () => {
    const base = { model: 'doubao-seedream-4.5', prompt: 'a fox' };
    it('takes 2K, 4K, or WxH between 2560x1440 and 4096x4096 pixels with a ratio in [1/16, 16]', () => {
      for (const size of ['2K', '4K', '2560x1440', '4096x4096', '2048x2048', '1440x2560', '3686400x1']) {
        const expected = size === '3686400x1' ? 'size' : undefined;
        assert.equal(refusedParam({ ...base, size }), expected, size);
      }
      assert.equal(refusedParam({ ...base, size: '2559x1440' }), 'size');
      assert.equal(refusedParam({ ...base, size: '4097x4096' }), 'size');
      assert.equal(refusedParam({ ...base, size: '1:1' }), 'size');
      assert.equal(refusedParam({ ...base, size: '02560x1440' }), 'size', 'a leading zero is not how the docs write a size');
      assert.equal(refusedParam({ ...base, size: '2k' }), 'size');
    });
    it('gives a named size (2K, 4K) the shape its prompt describes, as the vendor says the model does', () => {
      const dims = (size: string, prompt: string): [number, number] => {
        const result = ok({ ...base, size, prompt });
        assert.ok(result.ok);
        return [result.request.width, result.request.height];
      };
      assert.deepEqual(dims('2K', 'a fox'), [2048, 2048]);
      assert.deepEqual(dims('2K', 'a wide banner of a fox'), [2560, 1440]);
      assert.deepEqual(dims('4K', 'a tall poster of a fox'), [2304, 4096]);
      assert.deepEqual(dims('4K', 'a fox, landscape'), [4096, 2304]);
    });
    it('defaults to 2048x2048', () => {
      const result = ok(base);
      assert.ok(result.ok);
      assert.equal(result.request.width, 2048);
      assert.equal(result.request.height, 2048);
    });
    it('takes n from 1 to 15', () => {
      assert.equal(refusedParam({ ...base, n: 15 }), undefined);
      assert.equal(refusedParam({ ...base, n: 16 }), 'n');
      assert.equal(refusedParam({ ...base, n: 0 }), 'n');
    });
    it('takes prompt_priority standard only', () => {
      assert.equal(refusedParam({ ...base, prompt_priority: 'standard' }), undefined);
      assert.equal(refusedParam({ ...base, prompt_priority: 'fast' }), 'prompt_priority');
    });
    it('takes up to 14 references in seven formats with sides over 14 px, at most 6000x6000 pixels, ratio within [1/16, 16]', () => {
      assert.equal(refusedParam({ ...base, image_urls: urls(14) }), undefined);
      assert.equal(refusedParam({ ...base, image_urls: urls(15) }), 'image_urls');
      for (const format of ['jpeg', 'png', 'webp', 'bmp', 'tiff', 'gif'] as const) {
        assert.equal(refusedParam({ ...base, image_urls: [url(0)] }, () => image(format, 100, 100)), undefined, format);
      }
      assert.equal(refusedParam({ ...base, image_urls: [url(0)] }, () => image('png', 14, 100)), 'image_urls');
      assert.equal(refusedParam({ ...base, image_urls: [url(0)] }, () => image('png', 15, 15)), undefined);
      assert.equal(refusedParam({ ...base, image_urls: [url(0)] }, () => image('png', 6000, 6000)), undefined);
      assert.equal(refusedParam({ ...base, image_urls: [url(0)] }, () => image('png', 6001, 6000)), 'image_urls');
      assert.equal(refusedParam({ ...base, image_urls: [url(0)] }, () => image('png', 1700, 100)), 'image_urls');
    });
    it('produces what the prompt asks within n, and never more than 15 with the references', () => {
      const count = (body: Record<string, unknown>) => {
        const result = ok({ ...base, ...body });
        assert.ok(result.ok);
        return producedCount(result.request);
      };
      assert.equal(count({ n: 4 }), 1);
      assert.equal(count({ n: 4, prompt: 'generate 3 different images of a fox' }), 3);
      assert.equal(count({ n: 2, prompt: 'generate 3 different images of a fox' }), 2);
      assert.equal(count({ n: 15, prompt: 'generate 12 images', image_urls: urls(5) }), 10);
    });
  });
});
