// Byte quantities (CC byte_converter / palm_civet).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { byteFormatError, megabytes, parseBytes, toMb } from '../../src/core/manifest';

test('all units, any case, binary multiples', () => {
  const cases: [string, number][] = [
    ['1048576B', 1],
    ['1024K', 1],
    ['1024KB', 1],
    ['1M', 1],
    ['1MB', 1],
    ['1G', 1024],
    ['1GB', 1024],
    ['1T', 1024 * 1024],
    ['1TB', 1024 * 1024],
    ['1MiB', 1],
    ['2GiB', 2048],
    ['1TiB', 1048576],
    ['1Ki', 0],
    ['512m', 512],
    ['1gb', 1024],
    ['1.5G', 1536],
    ['256Mb', 256],
    [' 64M ', 64],
  ];
  for (const [text, mb] of cases) {
    const r = parseBytes(text);
    assert.ok(r.ok, text);
    assert.equal(toMb(r.bytes), mb, text);
  }
});

test('a unit is required; non-numbers are reported as such', () => {
  assert.deepEqual(parseBytes('1024'), { ok: false, reason: 'unit' });
  assert.deepEqual(parseBytes('1 G'), { ok: false, reason: 'unit' });
  assert.deepEqual(parseBytes('1P'), { ok: false, reason: 'unit' });
  assert.deepEqual(parseBytes('M1'), { ok: false, reason: 'number' });
  assert.equal(byteFormatError(1024, 'Memory'), 'Memory must use a supported unit: B, K, KB, M, MB, G, GB, T, or TB');
  assert.equal(byteFormatError('abc', 'Disk quota'), 'Disk quota is not a number');
  assert.equal(byteFormatError(null, 'Memory'), undefined);
});

test('megabytes must be greater than 0', () => {
  assert.deepEqual(megabytes('1G', 'Memory'), { mb: 1024 });
  assert.deepEqual(megabytes('0G', 'Memory'), { error: 'Memory must be greater than 0MB' });
  assert.deepEqual(megabytes('1K', 'Memory'), { error: 'Memory must be greater than 0MB' });
  assert.deepEqual(megabytes('', 'Memory'), {});
});
