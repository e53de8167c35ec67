import { describe, expect, it } from 'vitest';
import { parseFieldSelector, parseLabelSelector } from '../../../src/testbed/api-server/selectors.js';

const obj = { metadata: { name: 'p', labels: { app: 'web', tier: 'front', 'sgx.intel.com/capable': 'true' } }, spec: { nodeName: 'n1' } };
const getters = { 'spec.nodeName': (o: any) => o.spec?.nodeName, 'metadata.name': (o: any) => o.metadata?.name };

describe('label selectors', () => {
  const cases: Array<[string, boolean]> = [
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app!=web', false],
    ['app=api', false],
    ['missing!=x', true],
    ['app in (web,api)', true],
    ['app notin (web)', false],
    ['app', true],
    ['!app', false],
    ['!missing', true],
    ['app=web,tier=front', true],
    ['app=web,tier=back', false],
    ['sgx.intel.com/capable=true', true],
  ];
  it.each(cases)('%j -> %s', (sel, want) => {
    expect(parseLabelSelector(sel)(obj)).toBe(want);
  });
  it.each(['a in (x', '=x', 'a=b=c', 'Bad Key=x'])('rejects %j with a 400', (sel) => {
    expect(() => parseLabelSelector(sel)).toThrow(/unable to parse requirement/);
  });
});

describe('field selectors', () => {
  const cases: Array<[string, boolean]> = [
    ['spec.nodeName=n1', true],
    ['spec.nodeName==n1', true],
    ['spec.nodeName!=n1', false],
    ['spec.nodeName=n1,metadata.name=p', true],
    ['spec.nodeName=n1,metadata.name=q', false],
  ];
  it.each(cases)('%j -> %s', (sel, want) => {
    expect(parseFieldSelector(sel, getters)(obj)).toBe(want);
  });
  it('rejects unknown fields and junk', () => {
    expect(() => parseFieldSelector('status.phase=Running', getters)).toThrow('field label not supported: status.phase');
    expect(() => parseFieldSelector('spec.nodeName', getters)).toThrow(/invalid field selector/);
  });
});
