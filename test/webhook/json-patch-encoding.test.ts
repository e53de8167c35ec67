import { describe, expect, it } from 'vitest';
import { base64Text, encodePatch, jsonPatchText, type AddOperation } from '../../src/webhook/json-patch.js';

// Strings that JSON.stringify escapes (quote, backslash, control characters, lone surrogates) or
// leaves as they are although they are not ASCII (DEL, Latin-1, BMP, astral).
const awkward = ['plain', '', 'a"b', 'back\\slash', 'tab\there', 'nl\n', '\u0000\u001f', 'del\u007f', 'é', '€', '😀', 'lone \ud800 surrogate', '</script>', '~0~1'];

describe('jsonPatchText', () => {
  const opsWith = (s: string): AddOperation[] => [
    { op: 'add', path: '/spec/containers/0/resources/requests/sgx.intel.com~1enclave', value: '1' },
    { op: 'add', path: `/metadata/annotations/${s}`, value: s },
    { op: 'add', path: '/spec/x', value: { [s]: s, n: 1, nested: [s, null, true] } },
    { op: 'add', path: s, value: [s] },
  ];

  it('equals JSON.stringify for every path and value shape the webhook emits', () => {
    for (const s of awkward) expect(jsonPatchText(opsWith(s))).toBe(JSON.stringify(opsWith(s)));
    const all = awkward.flatMap(opsWith);
    expect(jsonPatchText(all)).toBe(JSON.stringify(all));
    expect(jsonPatchText([])).toBe('[]');
  });

  it('equals JSON.stringify when an escaped string is a path or a string value only', () => {
    for (const s of awkward) {
      const ops: AddOperation[] = [{ op: 'add', path: '/a', value: '1' }, { op: 'add', path: `/b/${s}`, value: '1' }, { op: 'add', path: '/c', value: s }];
      expect(jsonPatchText(ops)).toBe(JSON.stringify(ops));
    }
  });

  it('equals JSON.stringify for values JSON.stringify drops or rewrites', () => {
    const odd = [
      { op: 'add', path: '/a', value: undefined },
      { op: 'add', path: '/b', value: () => 1 },
      { op: 'add', path: '/c', value: null },
      { op: 'add', path: '/d', value: 0 },
      { op: 'add', path: '/e', value: { toJSON: () => 'x' } },
    ] as AddOperation[];
    expect(jsonPatchText(odd)).toBe(JSON.stringify(odd));
  });
});

describe('base64Text / encodePatch', () => {
  it('is the base64 of the UTF-8 bytes, ASCII or not', () => {
    for (const s of awkward) expect(base64Text(s)).toBe(Buffer.from(s, 'utf8').toString('base64'));
  });

  it('decodes back to the operations', () => {
    const ops: AddOperation[] = awkward.map((s) => ({ op: 'add', path: `/metadata/annotations/${s}`, value: s }));
    expect(JSON.parse(Buffer.from(encodePatch(ops), 'base64').toString('utf8'))).toEqual(ops);
  });
});
