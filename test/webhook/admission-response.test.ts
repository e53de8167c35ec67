import { describe, expect, it } from 'vitest';
import { encodeAdmissionResponse, type AdmissionDecision } from '../../src/webhook/admission-review.js';

const request = { apiVersion: 'admission.k8s.io/v1', uid: 'u-"quoted"\\ü' };
const decisions: Record<string, AdmissionDecision> = {
  allowed: { allowed: true },
  'allowed, empty patch': { allowed: true, patch: [] },
  patched: { allowed: true, patch: [{ op: 'add', path: '/metadata/annotations', value: { 'sgx.intel.com/epc': '10Mi', 'ü"\n': 'é' } }] },
  'patched with warnings': { allowed: true, warnings: ['a "warning"\n', 'x'.repeat(300)], patch: [{ op: 'add', path: '/spec/x', value: '1' }] },
  denied: { allowed: false, status: { code: 403, reason: 'Forbidden', message: 'no "way"' }, warnings: ['w'] },
};

describe('encodeAdmissionResponse', () => {
  for (const [name, d] of Object.entries(decisions)) {
    it(`${name}: text is JSON.stringify(body), and the patch decodes to the decision's`, () => {
      const { body, text } = encodeAdmissionResponse(request, d);
      expect(text).toBe(JSON.stringify(body));
      const response = JSON.parse(text).response;
      expect(response.uid).toBe(request.uid);
      if (d.patch && d.patch.length > 0) {
        expect(response.patchType).toBe('JSONPatch');
        expect(JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8'))).toEqual(d.patch);
      } else expect(response).not.toHaveProperty('patch');
    });
  }
});
