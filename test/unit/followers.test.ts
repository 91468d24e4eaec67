import * as assert from 'node:assert/strict';
import { Followers } from '../../src/extension/tasks/followers';

describe('Followers', () => {
  it('counts the Studio as showing a task only while it is in view', () => {
    const followers = new Followers();
    let visible = true;
    const following = followers.follow('t1', { by: 'studio', shown: () => visible });
    assert.equal(followers.get('t1')?.studio, true);
    // The Studio behind another tab: the task's end is announced in a message as well.
    visible = false;
    assert.equal(followers.get('t1')?.studio, false);
    assert.deepEqual([...(followers.get('t1')?.by ?? [])], ['studio'], 'still followed, so not taken for a resumed task');
    following.dispose();
    assert.equal(followers.get('t1'), undefined);
  });

  it('merges followers: any one that opens the result, any Studio in view', () => {
    const followers = new Followers();
    followers.follow('t2', { by: 'progress', open: true });
    followers.follow('t2', { by: 'studio' });
    assert.deepEqual(followers.get('t2') && { studio: followers.get('t2')!.studio, open: followers.get('t2')!.open }, { studio: true, open: true });
  });
});
