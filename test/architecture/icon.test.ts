// The extension's icon (issue 18): package.json's top-level "icon" names a
// 128x128 PNG that exists and ships (media/ is in the .vsix); the activity
// bar and the view use their own monochrome SVG, not the Push button's look.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../helpers/cli';

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  icon?: string;
  contributes: { viewsContainers: { activitybar: { icon: string }[] }; views: Record<string, { icon?: string }[]> };
};

/** Width and height from a PNG's IHDR chunk (the first chunk, right after the 8-byte signature). */
function pngSize(buf: Buffer): { width: number; height: number } {
  assert.deepEqual([...buf.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG signature');
  assert.equal(buf.toString('latin1', 12, 16), 'IHDR');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

test('package.json names an icon that is a 128x128 PNG under media/', () => {
  assert.equal(pkg.icon, 'media/icon.png');
  const file = join(repoRoot, pkg.icon);
  assert.ok(existsSync(file), `${pkg.icon} is missing`);
  assert.deepEqual(pngSize(readFileSync(file)), { width: 128, height: 128 });
  // Its source sits next to it.
  assert.ok(existsSync(join(repoRoot, 'media', 'icon.svg')));
});

test('the activity bar and the view have their own single-colour 24x24 SVG', () => {
  const icons = [
    ...pkg.contributes.viewsContainers.activitybar.map((c) => c.icon),
    ...Object.values(pkg.contributes.views).flatMap((v) => v.map((x) => x.icon)),
  ];
  assert.deepEqual([...new Set(icons)], ['media/activity.svg']);
  const svg = readFileSync(join(repoRoot, 'media', 'activity.svg'), 'utf8');
  assert.match(svg, /viewBox="0 0 24 24"/);
  assert.doesNotMatch(svg, /currentColor/);
  const colours = new Set((svg.match(/#[0-9a-fA-F]{3,8}\b/g) ?? []).map((c) => c.toLowerCase()));
  assert.equal(colours.size, 1, `one colour: ${[...colours]}`);
});
