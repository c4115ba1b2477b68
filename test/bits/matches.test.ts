// resource_matches chunks and the matched/unmatched split.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RESOURCE_MATCH_CHUNK, resourceMatchChunks, splitByMatches, toApiResource, type Resource } from '../../src/core/bits';

const file = (i: number, size = 10): Resource => ({
  path: `f${i}`,
  mode: '644',
  checksum: { value: i.toString(16).padStart(40, '0') },
  size_in_bytes: size,
  absPath: `/x/f${i}`,
  kind: 'file',
});

test("chunks hold at most 5000 non-empty files, in CC's shape", () => {
  const rs = Array.from({ length: 12_001 }, (_, i) => file(i));
  rs.push(file(99_999, 0));
  rs.push({ path: 'd', mode: '755', checksum: { value: '' }, size_in_bytes: 0, absPath: '/x/d', kind: 'dir' });
  const chunks = resourceMatchChunks(rs);
  assert.equal(RESOURCE_MATCH_CHUNK, 5000);
  assert.deepEqual(
    chunks.map((c) => c.resources.length),
    [5000, 5000, 2001],
  );
  assert.deepEqual(chunks[0]!.resources[0], { path: 'f0', mode: '644', checksum: { value: '0'.repeat(40) }, size_in_bytes: 10 });
  assert.ok(!chunks.flatMap((c) => c.resources).some((r) => r.size_in_bytes === 0));
  assert.deepEqual(resourceMatchChunks([]), []);
});

test('split: matched files by sha1+size; the rest (dirs, empty files) go in the zip', () => {
  const dir: Resource = { path: 'd', mode: '755', checksum: { value: '' }, size_in_bytes: 0, absPath: '/x/d', kind: 'dir' };
  const rs = [file(1), file(2), file(3, 0), dir];
  const { matched, unmatched } = splitByMatches(rs, [toApiResource(file(1)), { ...toApiResource(file(2)), size_in_bytes: 11 }]);
  assert.deepEqual(
    matched.map((r) => r.path),
    ['f1'],
  );
  assert.deepEqual(
    unmatched.map((r) => r.path),
    ['f2', 'f3', 'd'],
  );
  assert.deepEqual(Object.keys(toApiResource(file(1))).sort(), ['checksum', 'mode', 'path', 'size_in_bytes']);
});
