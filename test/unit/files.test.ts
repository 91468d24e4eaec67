import * as assert from 'node:assert/strict';
import sharp from 'sharp';
import { readImageSize, sniffImageFormat } from '../../src/common/imageType';
import { editStem, provenanceName, stemFromPrompt, uniqueName } from '../../src/common/naming';
import { altText, syntaxFor } from '../../src/common/reference';
import { relativePath } from '../../src/common/referencePath';

describe('Image type from the bytes', () => {
  const make = (format: 'png' | 'jpeg' | 'webp' | 'gif' | 'tiff', lossless = false) =>
    sharp({ create: { width: 37, height: 21, channels: 3, background: '#884422' } })
      .toFormat(format, format === 'webp' ? { lossless } : {})
      .toBuffer();

  for (const format of ['png', 'jpeg', 'webp', 'gif', 'tiff'] as const) {
    it(`recognises ${format} bytes whatever the name says`, async () => {
      assert.equal(sniffImageFormat(await make(format)), format);
    });
  }

  for (const format of ['png', 'jpeg', 'webp', 'gif', 'tiff'] as const) {
    it(`reads the size of a ${format} from its header`, async () => {
      assert.deepEqual(readImageSize(await make(format)), { width: 37, height: 21 });
    });
  }

  it('reads the size of a lossless WebP', async () => {
    assert.deepEqual(readImageSize(await make('webp', true)), { width: 37, height: 21 });
  });

  it('reads the size of a BMP', () => {
    const bmp = new Uint8Array(54);
    bmp.set([0x42, 0x4d]);
    const view = new DataView(bmp.buffer);
    view.setInt32(18, 640, true);
    view.setInt32(22, -480, true);
    assert.equal(sniffImageFormat(bmp), 'bmp');
    assert.deepEqual(readImageSize(bmp), { width: 640, height: 480 });
  });

  it('reads the size of a big-endian TIFF, and not of one whose directory lies beyond the bytes', () => {
    const tiff = new Uint8Array(8 + 2 + 2 * 12);
    const view = new DataView(tiff.buffer);
    tiff.set([0x4d, 0x4d, 0, 0x2a]);
    view.setUint32(4, 8);
    view.setUint16(8, 2);
    view.setUint16(10, 256);
    view.setUint16(12, 4);
    view.setUint32(18, 5000);
    view.setUint16(22, 257);
    view.setUint16(24, 3);
    view.setUint16(30, 300);
    assert.deepEqual(readImageSize(tiff), { width: 5000, height: 300 });
    view.setUint32(4, 4096);
    assert.equal(readImageSize(tiff), undefined);
  });

  it('knows text and truncated files are not images', () => {
    assert.equal(sniffImageFormat(new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>')), undefined);
    assert.equal(sniffImageFormat(new Uint8Array([0x89, 0x50])), undefined);
    assert.equal(readImageSize(new Uint8Array([0xff, 0xd8, 0xff, 0xe0])), undefined);
  });
});

describe('File names from prompts', () => {
  it('makes short, lower-case, dash-joined stems', () => {
    assert.equal(stemFromPrompt('A Red Fox, jumping over the moon!'), 'a-red-fox-jumping-over-the-moon');
    assert.equal(stemFromPrompt('Café crème — à la française'), 'cafe-creme-a-la-francaise');
    assert.equal(stemFromPrompt('word '.repeat(40)).length <= 48, true);
  });

  it('keeps letters of every script, and never an empty or reserved name', () => {
    assert.equal(stemFromPrompt('日本の猫'), '日本の猫');
    assert.equal(stemFromPrompt('!!!'), 'image');
    assert.equal(stemFromPrompt('con'), 'con-image');
    assert.equal(stemFromPrompt('../../etc/passwd'), 'etc-passwd');
    assert.ok(!/[<>:"/\\|?*]/.test(stemFromPrompt('a<b>c:d"e/f\\g|h?i*j')));
  });

  it('picks the first free name, ignoring case, and never a name whose provenance exists', () => {
    assert.equal(uniqueName('fox', 'png', new Set()), 'fox.png');
    assert.equal(uniqueName('fox', 'png', new Set(['FOX.png', 'fox-2.png'])), 'fox-3.png');
    assert.equal(uniqueName('fox', 'jpg', new Set(['fox.jpg.evolink.json'])), 'fox-2.jpg');
    // A name stored decomposed (NFD: HFS+, some archives) is the same file on macOS as the composed one.
    assert.equal(uniqueName('고양이', 'png', new Set(['고양이.png'.normalize('NFD')])), '고양이-2.png');
  });

  it('names edits after their original, numbered from 1', () => {
    assert.equal(editStem('photo.png'), 'photo.edit');
    assert.equal(editStem('my.holiday.photo.JPG'), 'my.holiday.photo.edit');
    // An original named near the 255 bytes file systems allow: its edits' names still fit, cut at whole characters.
    const long = `${'写真'.repeat(42)}.png`; // 252 bytes of UTF-8
    const edit = `${editStem(long)}-12.png${'.evolink.json'}`;
    assert.ok(new TextEncoder().encode(edit).length <= 255, `${new TextEncoder().encode(edit).length} bytes`);
    assert.ok(long.startsWith(editStem(long).replace(/\.edit$/, '')));
    assert.equal(new TextEncoder().encode(editStem(long)).length % 3, 2, 'whole characters (3 bytes each) and ".edit"');
    assert.equal(editStem('.hidden'), '.hidden.edit');
    assert.equal(uniqueName(editStem('photo.png'), 'png', new Set(['photo.png']), true), 'photo.edit-1.png');
    assert.equal(uniqueName(editStem('photo.png'), 'webp', new Set(['photo.png', 'PHOTO.edit-1.webp', 'photo.edit-2.webp.evolink.json']), true), 'photo.edit-3.webp');
    assert.equal(provenanceName('fox.png'), 'fox.png.evolink.json');
  });
});

describe('References at the cursor', () => {
  it('chooses the syntax from the language', () => {
    assert.equal(syntaxFor('markdown'), 'markdown');
    assert.equal(syntaxFor('typescriptreact'), 'jsx');
    assert.equal(syntaxFor('scss'), 'css');
    assert.equal(syntaxFor('html'), 'html');
    assert.equal(syntaxFor('python'), 'plain');
  });

  it('makes relative paths with forward slashes', () => {
    assert.equal(relativePath('/ws/docs', '/ws/images/generated/fox.png'), '../images/generated/fox.png');
    assert.equal(relativePath('/ws', '/ws/images/fox.png'), './images/fox.png');
    assert.equal(relativePath('/ws/images', '/ws/images/my fox.png'), './my%20fox.png');
  });

  it('cuts long alt text', () => {
    assert.equal(altText('x'.repeat(200)).length, 118);
  });
});

describe('File names from prompts in every script', () => {
  it('never cuts a character outside the Basic Multilingual Plane in half', () => {
    const ideograph = '\u{20000}';
    const stem = stemFromPrompt(ideograph.repeat(60));
    assert.equal([...stem].length, 48);
    assert.ok(!/[\uD800-\uDBFF]$/.test(stem), 'no lone high surrogate at the end');
    assert.equal(stem, ideograph.repeat(48));
  });

  it('keeps the dakuten and handakuten of Japanese kana', () => {
    assert.equal(stemFromPrompt('猫がベッドで寝ている'), '猫がベッドで寝ている');
    assert.equal(stemFromPrompt('ガラスのコップ'), 'ガラスのコップ');
    assert.equal(stemFromPrompt('ｶﾞﾗｽ'), 'ガラス');
  });

  it('keeps the vowel signs of Hindi and the harakat of Arabic inside their words', () => {
    assert.equal(stemFromPrompt('हिन्दी भाषा'), 'हिन्दी-भाषा');
    assert.equal(stemFromPrompt('قِطَّة نائمة'), 'قِطَّة-نائمة');
    assert.equal(stemFromPrompt('йогурт'), 'йогурт');
  });

  it('gives Korean in composed syllables (NFC), whatever form the prompt had', () => {
    const stem = stemFromPrompt('한국어 고양이'.normalize('NFD'));
    assert.equal(stem, '한국어-고양이');
    assert.equal(stem, stem.normalize('NFC'));
  });

  it('cuts a long word between grapheme clusters, never inside one', () => {
    // 'क' is one code point and every 'हि' two, so the 48th code point is a vowel sign's base.
    const stem = stemFromPrompt(`क${'हि'.repeat(30)}`);
    assert.equal(stem, `क${'हि'.repeat(23)}`);
    assert.ok([...stem].length <= 48);
  });
});
