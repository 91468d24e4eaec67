import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { nodeDisk } from '../../src/extension/base/nodeDisk';

describe("Saving's file operations on the extension host's disk", () => {
  let dir: string;
  const at = (name: string) => ({ fsPath: join(dir, name) });
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'evolink-disk-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('moves a file to a free name', async () => {
    writeFileSync(join(dir, '.a.partial'), 'image');
    await nodeDisk.moveToFree(at('.a.partial'), at('fox.png'));
    assert.deepEqual(readdirSync(dir), ['fox.png']);
    assert.equal(readFileSync(join(dir, 'fox.png'), 'utf8'), 'image');
  });

  it('never replaces a file that has the name: the move fails and both files stay as they were', async () => {
    writeFileSync(join(dir, '.a.partial'), 'new');
    writeFileSync(join(dir, 'fox.png'), 'the user’s own');
    await assert.rejects(nodeDisk.moveToFree(at('.a.partial'), at('fox.png')), (error: NodeJS.ErrnoException) => error.code === 'EEXIST');
    assert.equal(readFileSync(join(dir, 'fox.png'), 'utf8'), 'the user’s own');
    assert.equal(readFileSync(join(dir, '.a.partial'), 'utf8'), 'new');
  });

  it('lets exactly one of many writers racing for one name have it, and loses no file', async () => {
    for (let i = 0; i < 12; i++) writeFileSync(join(dir, `.${i}.partial`), `writer ${i}`);
    const moves = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => nodeDisk.moveToFree(at(`.${i}.partial`), at('fox.png'))));
    const won = moves.flatMap((move, i) => (move.status === 'fulfilled' ? [i] : []));
    assert.equal(won.length, 1);
    assert.equal(readFileSync(join(dir, 'fox.png'), 'utf8'), `writer ${won[0]}`);
    assert.equal(readdirSync(dir).length, 12, 'the losers keep their temporary files');
  });

  describe('on a file system without hard links (exFAT, FAT, some SMB and NFS shares)', () => {
    // The module calls `link` through Node's own `fs/promises` object, so replacing it there makes
    // every link fail as such a file system does; the count proves the replacement took effect.
    const fsPromises = createRequire(__filename)('node:fs/promises') as { link: (...args: unknown[]) => Promise<void> };
    let realLink: typeof fsPromises.link;
    let links = 0;
    beforeEach(() => {
      realLink = fsPromises.link;
      links = 0;
      fsPromises.link = () => {
        links++;
        return Promise.reject(Object.assign(new Error('operation not permitted, link'), { code: 'EPERM' }));
      };
    });
    afterEach(() => (fsPromises.link = realLink));

    it('moves a file to a free name, and removes the temporary one', async () => {
      writeFileSync(join(dir, '.a.partial'), 'image');
      await nodeDisk.moveToFree(at('.a.partial'), at('fox.png'));
      assert.equal(links, 1);
      assert.deepEqual(readdirSync(dir), ['fox.png']);
      assert.equal(readFileSync(join(dir, 'fox.png'), 'utf8'), 'image');
    });

    it('never replaces a file that has the name: the move fails with EEXIST and both files stay', async () => {
      writeFileSync(join(dir, '.a.partial'), 'new');
      writeFileSync(join(dir, 'fox.png'), 'the user’s own');
      await assert.rejects(nodeDisk.moveToFree(at('.a.partial'), at('fox.png')), (error: NodeJS.ErrnoException) => error.code === 'EEXIST');
      assert.equal(links, 1);
      assert.equal(readFileSync(join(dir, 'fox.png'), 'utf8'), 'the user’s own');
      assert.equal(readFileSync(join(dir, '.a.partial'), 'utf8'), 'new');
    });

    it('lets exactly one of many writers racing for one name have it, and loses no file', async () => {
      for (let i = 0; i < 12; i++) writeFileSync(join(dir, `.${i}.partial`), `writer ${i}`);
      const moves = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => nodeDisk.moveToFree(at(`.${i}.partial`), at('fox.png'))));
      assert.equal(links, 12);
      const won = moves.flatMap((move, i) => (move.status === 'fulfilled' ? [i] : []));
      assert.equal(won.length, 1);
      assert.equal(readFileSync(join(dir, 'fox.png'), 'utf8'), `writer ${won[0]}`);
      assert.deepEqual(readdirSync(dir).sort(), ['fox.png', ...Array.from({ length: 12 }, (_, i) => `.${i}.partial`).filter((_, i) => i !== won[0])].sort());
    });

    it('leaves nothing under the name when the copy fails', async () => {
      await assert.rejects(nodeDisk.moveToFree(at('.gone.partial'), at('fox.png')), (error: NodeJS.ErrnoException) => error.code === 'ENOENT');
      assert.deepEqual(readdirSync(dir), []);
    });
  });

  it('lists a folder that is not there as empty, makes folders with their parents, and removes what is not there without failing', async () => {
    assert.deepEqual(await nodeDisk.names(at('none')), []);
    await nodeDisk.makeFolder(at('images/generated'));
    assert.equal(await nodeDisk.exists(at('images/generated')), true);
    await nodeDisk.remove(at('images/generated/.gone.partial'));
    writeFileSync(join(dir, 'blocked'), 'a file where a folder should be');
    await nodeDisk.remove(at('blocked/.gone.partial'));
    writeFileSync(join(dir, 'kept.bin'), 'bytes');
    await nodeDisk.copyIn(join(dir, 'kept.bin'), at('images/generated/.x.partial'));
    assert.deepEqual(await nodeDisk.names(at('images/generated')), ['.x.partial']);
  });
});
