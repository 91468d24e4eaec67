import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { flushing, nodeDisk, replaceFile, sameContent } from '../../src/extension/base/nodeDisk';

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

    it('flushes the copy before the move counts as made', async () => {
      const realFlush = flushing.file;
      let flushes = 0;
      flushing.file = async (file) => {
        flushes++;
        // The copy is whole when it is flushed.
        assert.equal(readFileSync(join(dir, 'fox.png'), 'utf8'), 'image');
        return realFlush(file);
      };
      try {
        writeFileSync(join(dir, '.a.partial'), 'image');
        await nodeDisk.moveToFree(at('.a.partial'), at('fox.png'));
      } finally {
        flushing.file = realFlush;
      }
      assert.equal(flushes, 1);
      assert.deepEqual(readdirSync(dir), ['fox.png']);
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

describe('Flushing what is saved to the disk (a power loss must not bring a saved name back empty)', () => {
  let dir: string;
  const at = (name: string) => ({ fsPath: join(dir, name) });
  const real = { ...flushing };
  /** What was flushed, in order: `file <names in the folder then>` or `folder <path>`. */
  let flushed: string[];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'evolink-flush-'));
    flushed = [];
    flushing.file = async (file) => {
      flushed.push(`file ${readdirSync(dir).sort().join(',')}`);
      return real.file(file);
    };
    flushing.folder = async (path) => {
      flushed.push(`folder ${path}`);
      return real.folder(path);
    };
  });
  afterEach(() => {
    Object.assign(flushing, real);
    rmSync(dir, { recursive: true, force: true });
  });

  it("flushes a result's bytes under its temporary name, then its folder once it has its name", async () => {
    writeFileSync(join(dir, 'kept.png'), 'image');
    await nodeDisk.copyIn(join(dir, 'kept.png'), at('.a.partial'));
    await nodeDisk.flush!(at('.a.partial'));
    assert.deepEqual(flushed, ['file .a.partial,kept.png']);
    await nodeDisk.moveToFree(at('.a.partial'), at('fox.png'));
    assert.deepEqual(flushed, ['file .a.partial,kept.png', `folder ${dir}`]);
    assert.equal(readFileSync(join(dir, 'fox.png'), 'utf8'), 'image');
  });

  it('flushes a whole file it writes before it closes it, and the folder of a file moved over another', async () => {
    await nodeDisk.write(at('.b.partial'), new TextEncoder().encode('bytes'));
    assert.deepEqual(flushed, ['file .b.partial']);
    await nodeDisk.moveOver(at('.b.partial'), at('b.png'));
    assert.deepEqual(flushed, ['file .b.partial', `folder ${dir}`]);
  });

  it('flushes a replaced file before the rename puts it in place, and its folder after', async () => {
    writeFileSync(join(dir, 'index.json'), 'old');
    await replaceFile(join(dir, 'index.json'), 'new');
    assert.equal(flushed.length, 2);
    assert.match(flushed[0]!, /^file index\.json,index\.json\.[0-9a-f]+\.tmp$/);
    assert.equal(flushed[1], `folder ${dir}`);
    assert.equal(readFileSync(join(dir, 'index.json'), 'utf8'), 'new');
  });

  it('counts a move whose folder flush fails as made', async () => {
    flushing.folder = async () => Promise.reject(Object.assign(new Error('i/o error'), { code: 'EIO' }));
    writeFileSync(join(dir, '.c.partial'), 'image');
    await nodeDisk.moveToFree(at('.c.partial'), at('c.png'));
    assert.deepEqual(readdirSync(dir), ['c.png']);
  });

  it('takes a folder flush the system refuses (EINVAL, EPERM, a folder that cannot be opened) for done, and fails on any other error', async () => {
    const fsPromises = createRequire(__filename)('node:fs/promises') as { open: (...args: unknown[]) => Promise<unknown> };
    const realOpen = fsPromises.open;
    try {
      for (const code of ['EINVAL', 'EPERM', 'EISDIR', 'EIO']) {
        fsPromises.open = () => Promise.reject(Object.assign(new Error(code), { code }));
        if (code === 'EIO') await assert.rejects(real.folder(dir), (error: NodeJS.ErrnoException) => error.code === 'EIO');
        else await real.folder(dir);
      }
    } finally {
      fsPromises.open = realOpen;
    }
    await real.folder(dir);
  });

  it('takes a file flush that the file system cannot make (EINVAL, ENOTSUP: a VirtualBox or SMB share) for done, and fails on any other error', async () => {
    for (const code of ['EINVAL', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EIO']) {
      const handle = { sync: () => Promise.reject(Object.assign(new Error(code), { code })) } as unknown as Parameters<typeof real.file>[0];
      if (code === 'EIO') await assert.rejects(real.file(handle), (error: NodeJS.ErrnoException) => error.code === 'EIO');
      else await real.file(handle);
    }
  });
});

describe('Telling whether a file at a name is a kept download, byte for byte', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'evolink-same-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('answers true only for the same bytes: not for a file of the same size that differs anywhere, nor for a shorter one or none', async () => {
    const bytes = Buffer.alloc(600 * 1024, 7);
    writeFileSync(join(dir, 'kept.png'), bytes);
    writeFileSync(join(dir, 'same.png'), bytes);
    const middle = Buffer.from(bytes);
    middle[300 * 1024] = 8;
    writeFileSync(join(dir, 'middle.png'), middle);
    const last = Buffer.from(bytes);
    last[last.length - 1] = 8;
    writeFileSync(join(dir, 'last.png'), last);
    writeFileSync(join(dir, 'short.png'), bytes.subarray(1));
    assert.equal(await sameContent(join(dir, 'same.png'), join(dir, 'kept.png')), true);
    assert.equal(await sameContent(join(dir, 'middle.png'), join(dir, 'kept.png')), false);
    assert.equal(await sameContent(join(dir, 'last.png'), join(dir, 'kept.png')), false);
    assert.equal(await sameContent(join(dir, 'short.png'), join(dir, 'kept.png')), false);
    assert.equal(await sameContent(join(dir, 'none.png'), join(dir, 'kept.png')), false);
  });
});
