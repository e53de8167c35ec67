/**
 * A minimal X.509 issuer in pure Node (no openssl binary, no dependency) for the webhook's
 * certificate bootstrap: a self-signed CA and a serving certificate it signs, both ECDSA P-256
 * with SHA-256. Node can make keys and signatures but not certificates, so the DER of the
 * TBSCertificate (RFC 5280 section 4.1) is written here; `crypto.sign` gives the DER ECDSA
 * signature X.509 expects. Only what a webhook needs: CN, SANs (DNS), validity, basic
 * constraints, key usage, serverAuth, key identifiers.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';

/** A certificate and its key, PEM-encoded. */
export interface PemPair {
  cert: string;
  key: string;
}

/** Options for the serving certificate. */
export interface ServingCertOptions {
  /** DNS SANs; the first is also the CN. At least one. */
  dnsNames: string[];
  /** Validity in days from now (default 365). */
  days?: number;
  /** Clock (tests). */
  now?: Date;
}

const OID = {
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
};

// ---- DER encoding ------------------------------------------------------------------------------

function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  let len: Buffer;
  if (n < 0x80) len = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v >>>= 8) bytes.unshift(v & 0xff);
    len = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), len, content]);
}
const seq = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));
const explicit = (n: number, inner: Buffer) => tlv(0xa0 | n, inner);
const octets = (b: Buffer) => tlv(0x04, b);
const bitString = (b: Buffer, unusedBits = 0) => tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), b]));
const bool = (v: boolean) => tlv(0x01, Buffer.from([v ? 0xff : 0x00]));
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));

function integer(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  const v = b.subarray(i);
  return tlv(0x02, v[0] & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v);
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out = [40 * parts[0] + parts[1]];
  for (const p of parts.slice(2)) {
    const bytes = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) bytes.unshift(0x80 | (v & 0x7f));
    out.push(...bytes);
  }
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 4.1.2.5). */
function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(iso.slice(2), 'ascii')) : tlv(0x18, Buffer.from(iso, 'ascii'));
}

const name = (cn: string) => seq(set(seq(oid(OID.commonName), utf8(cn))));
const extension = (id: string, critical: boolean, value: Buffer) => seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));

// ---- issuing -----------------------------------------------------------------------------------

interface IssueInput {
  subject: string;
  issuer: string;
  publicKey: KeyObject;
  signingKey: KeyObject;
  issuerPublicKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
  ca: boolean;
  dnsNames: string[];
}

function keyId(pub: KeyObject): Buffer {
  // RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING value (the EC point).
  const spki = pub.export({ type: 'spki', format: 'der' });
  return createHash('sha1').update(spki.subarray(spki.length - 65)).digest();
}

function issue(i: IssueInput): string {
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  serial[0] |= 0x01;
  const exts = [
    extension(OID.basicConstraints, true, i.ca ? seq(bool(true)) : seq()),
    // CA: keyCertSign + cRLSign (bits 5, 6); leaf: digitalSignature (bit 0).
    extension(OID.keyUsage, true, i.ca ? bitString(Buffer.from([0x06]), 1) : bitString(Buffer.from([0x80]), 7)),
    extension(OID.subjectKeyIdentifier, false, octets(keyId(i.publicKey))),
    ...(i.ca ? [] : [
      extension(OID.authorityKeyIdentifier, false, seq(tlv(0x80, keyId(i.issuerPublicKey)))),
      extension(OID.extKeyUsage, false, seq(oid(OID.serverAuth))),
      extension(OID.subjectAltName, false, seq(...i.dnsNames.map((d) => tlv(0x82, Buffer.from(d, 'ascii'))))),
    ]),
  ];
  const sigAlg = seq(oid(OID.ecdsaWithSha256));
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))),
    integer(serial),
    sigAlg,
    name(i.issuer),
    seq(time(i.notBefore), time(i.notAfter)),
    name(i.subject),
    i.publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, seq(...exts)),
  );
  const signature = sign('sha256', tbs, i.signingKey);
  const der = seq(tbs, sigAlg, bitString(signature));
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}

function newKey(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
}

const pemKey = (k: KeyObject) => k.export({ type: 'pkcs8', format: 'pem' }).toString();
const DAY_MS = 86_400_000;
// Tolerate clock skew between this pod and the API server that verifies the chain.
const BACKDATE_MS = 5 * 60_000;

/** A self-signed CA valid for `days` (default 3650). */
export function createCa(opts: { commonName: string; days?: number; now?: Date }): PemPair {
  const now = opts.now ?? new Date();
  const { privateKey, publicKey } = newKey();
  const cert = issue({
    subject: opts.commonName, issuer: opts.commonName, publicKey, signingKey: privateKey, issuerPublicKey: publicKey,
    notBefore: new Date(now.getTime() - BACKDATE_MS), notAfter: new Date(now.getTime() + (opts.days ?? 3650) * DAY_MS), ca: true, dnsNames: [],
  });
  return { cert, key: pemKey(privateKey) };
}

/** A serving certificate for `dnsNames`, signed by `ca`. Throws if the CA's key does not match. */
export function issueServingCert(ca: PemPair, opts: ServingCertOptions): PemPair {
  if (opts.dnsNames.length === 0) throw new Error('issueServingCert: dnsNames must not be empty');
  const now = opts.now ?? new Date();
  const caCert = new X509Certificate(ca.cert);
  const caKey = createPrivateKey(ca.key);
  if (!caCert.checkPrivateKey(caKey)) throw new Error('issueServingCert: the CA key does not match the CA certificate');
  const { privateKey, publicKey } = newKey();
  const cert = issue({
    subject: opts.dnsNames[0], issuer: caCert.subject.replace(/^CN=/, ''), publicKey, signingKey: caKey, issuerPublicKey: createPublicKey(caKey),
    notBefore: new Date(now.getTime() - BACKDATE_MS), notAfter: new Date(now.getTime() + (opts.days ?? 365) * DAY_MS), ca: false, dnsNames: opts.dnsNames,
  });
  return { cert, key: pemKey(privateKey) };
}

/**
 * Whether `serving` is still good to use: signed by `ca`, matching its key, covering every name
 * in `dnsNames`, and valid for at least `minRemainingDays` more. Never throws (bad PEM = false).
 */
export function servingCertUsable(ca: PemPair, serving: PemPair, dnsNames: string[], opts: { minRemainingDays: number; now?: Date }): boolean {
  try {
    const now = opts.now ?? new Date();
    const caCert = new X509Certificate(ca.cert);
    const cert = new X509Certificate(serving.cert);
    if (!caCert.checkPrivateKey(createPrivateKey(ca.key))) return false;
    if (!cert.verify(caCert.publicKey) || !cert.checkPrivateKey(createPrivateKey(serving.key))) return false;
    if (new Date(caCert.validTo).getTime() - now.getTime() < opts.minRemainingDays * DAY_MS) return false;
    if (new Date(cert.validTo).getTime() - now.getTime() < opts.minRemainingDays * DAY_MS) return false;
    const sans = (cert.subjectAltName ?? '').split(', ').filter((s) => s.startsWith('DNS:')).map((s) => s.slice(4));
    return dnsNames.every((d) => sans.includes(d));
  } catch {
    return false;
  }
}

/** Whether `ca` is a CA certificate matching its key with at least `minRemainingDays` left. */
export function caUsable(ca: PemPair, opts: { minRemainingDays: number; now?: Date }): boolean {
  try {
    const cert = new X509Certificate(ca.cert);
    const now = opts.now ?? new Date();
    return cert.ca && cert.checkPrivateKey(createPrivateKey(ca.key)) && new Date(cert.validTo).getTime() - now.getTime() >= opts.minRemainingDays * DAY_MS;
  } catch {
    return false;
  }
}
